import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `logs`: a task's output, from any host, optionally followed until the task ends.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a task's output (stdout and stderr in order); --follow waits for more until it ends.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The task id.")
        var id: String

        @Flag(name: .shortAndLong, help: "Keep printing new output until the task finishes.")
        var follow = false

        @Option(name: .long, help: ArgumentHelp("Only this attempt (default: all).", valueName: "n"))
        var attempt: Int?

        @Flag(name: .long, help: "Print the output exactly as stored, without rendering Claude Code's JSON events.")
        var raw = false

        func run() async throws {
            var renderer = LogRenderer()
            func write(_ chunk: OutputChunk) {
                FileHandle.standardOutput.write(raw ? chunk.data : renderer.render(chunk))
            }
            try await global.withStore { store in
                _ = try await store.existingTask(id)
                var cursor = attempt.map { OutputCursor(attempt: $0, sequence: 0) }
                var lastAttempt = 0
                var finished = false
                while true {
                    let chunks = try await store.output(for: id, after: cursor, limit: 500)
                    for chunk in chunks where attempt == nil || chunk.attempt == attempt {
                        if attempt == nil, chunk.attempt != lastAttempt, lastAttempt != 0 || chunk.attempt > 1 {
                            FileHandle.standardOutput.write(renderer.finish() + Data("--- attempt \(chunk.attempt) ---\n".utf8))
                        }
                        lastAttempt = chunk.attempt
                        write(chunk)
                    }
                    cursor = chunks.last?.cursor ?? cursor
                    if chunks.count == 500 {
                        continue
                    }
                    // Stop after the read that follows the task's end, so output written just before it is shown.
                    if !follow || finished {
                        break
                    }
                    finished = try await store.existingTask(id).status.isFinished
                    if !finished {
                        try await Task.sleep(for: .milliseconds(300))
                    }
                }
            }
            FileHandle.standardOutput.write(raw ? Data() : renderer.finish())
        }
    }
}
