import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `prune`: retention for finished tasks.
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished tasks (completed, failed, cancelled), their audit rows and output, older than a duration."
        )

        @OptionGroup var global: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("Age of the finished tasks to delete: 7d, 24h, 30m.", valueName: "duration"))
        var olderThan: String

        @Flag(name: .long, help: "Print a JSON object.")
        var json = false

        func run() async throws {
            let seconds = try DurationText.seconds(olderThan, what: "--older-than")
            let cutoff = Date().addingTimeInterval(-seconds)
            let result = try await global.withStore { try await $0.prune(finishedBefore: cutoff) }
            if json {
                try JSONOutput.print(result)
            } else {
                print("Deleted \(result.tasks) task\(result.tasks == 1 ? "" : "s"), \(result.actions) audit rows and \(result.outputChunks) output chunks finished before \(Formatting.time(cutoff)).")
            }
        }
    }
}
