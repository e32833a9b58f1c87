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

        func run() async throws {
            try await global.withStore { store in
                _ = try await store.existingTask(id)
                var cursor = attempt.map { OutputCursor(attempt: $0, sequence: 0) }
                var lastAttempt = 0
                while true {
                    let chunks = try await store.output(for: id, after: cursor, limit: 500)
                    for chunk in chunks where attempt == nil || chunk.attempt == attempt {
                        if attempt == nil, chunk.attempt != lastAttempt, lastAttempt != 0 || chunk.attempt > 1 {
                            FileHandle.standardOutput.write(Data("--- attempt \(chunk.attempt) ---\n".utf8))
                        }
                        lastAttempt = chunk.attempt
                        FileHandle.standardOutput.write(chunk.data)
                    }
                    cursor = chunks.last?.cursor ?? cursor
                    if chunks.count == 500 {
                        continue
                    }
                    guard follow else { return }
                    if try await store.existingTask(id).status.isFinished {
                        // One more read: output written just before the task finished.
                        let rest = try await store.output(for: id, after: cursor, limit: 10_000)
                        for chunk in rest where attempt == nil || chunk.attempt == attempt {
                            FileHandle.standardOutput.write(chunk.data)
                        }
                        return
                    }
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
        }
    }
}
