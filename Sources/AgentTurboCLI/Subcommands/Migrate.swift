import AgentTurboCore
import ArgumentParser

extension AgentTurboCommand {
    /// `migrate`: applies pending schema migrations.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let (applied, status) = try await global.withStore(checkSchema: false) { store in
                (try await store.migrate(), try await store.schemaStatus())
            }
            if applied.isEmpty {
                print("Schema already at version \(status.current) (\(try global.location())).")
            } else {
                print("Applied migration\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", ")); schema now at version \(status.current).")
            }
        }
    }
}
