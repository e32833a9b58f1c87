import AgentTurboCore
import ArgumentParser
import Foundation

extension AgentTurboCommand {
    /// `hold`: the agent profiles held back on every worker, and `hold clear` to end one early.
    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the agent profiles held back on every worker (after invalid credentials or a usage limit), or clear one.",
            subcommands: [List.self, Clear.self],
            defaultSubcommand: List.self
        )

        /// `hold list`: every active hold.
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the active holds.")

            @OptionGroup var global: GlobalOptions

            @Flag(name: .long, help: "Print a JSON array of holds.")
            var json = false

            func run() async throws {
                let holds = try await global.withStore { try await $0.activeHolds() }
                if json {
                    try JSONOutput.print(holds)
                    return
                }
                guard !holds.isEmpty else {
                    print("No profile is held back.")
                    return
                }
                for hold in holds {
                    print(hold.text)
                }
            }
        }

        /// `hold clear PROFILE`: ends a hold early, with an audit row, and wakes the workers.
        struct Clear: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "End a profile's hold now (after fixing its key or raising its limit); its tasks start at once."
            )

            @OptionGroup var global: GlobalOptions

            @Argument(help: "The agent profile, such as claude.")
            var profile: String

            @Flag(name: .long, help: "Print the cleared hold as JSON.")
            var json = false

            func run() async throws {
                let hold = try await global.withStore { try await $0.clearHold(profile, by: "cli") }
                if json {
                    try JSONOutput.print(hold)
                    return
                }
                print("Cleared the hold on profile '\(hold.agent)' (it would have lasted until \(Formatting.time(hold.until))): its tasks can start now.")
            }
        }
    }
}

extension AgentHold {
    /// `Profile 'claude' held back on every worker until 14:05:00 (in 12m): usage limit ...`
    var text: String {
        "Profile '\(agent)' held back on every worker until \(Formatting.time(until)) (\(Formatting.relative(until))): \(reason)"
    }
}
