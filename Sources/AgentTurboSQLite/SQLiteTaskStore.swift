import AgentTurboCore
import AgentTurboSQL
import Logging

/// Opens the embedded store: creates the file and its schema on first use.
public enum SQLiteTaskStore {
    public static func open(path: String, migrate: Bool = true, logger: Logger = Logger(label: "agent-turbo.sqlite"))
        async throws -> SQLTaskStore
    {
        let database = try await SQLiteDatabase.open(path: path, logger: logger)
        let store = SQLTaskStore(database: database)
        do {
            if migrate {
                if try await !store.schemaStatus().isCurrent {
                    try await store.migrate()
                }
            } else {
                try await store.requireCurrentSchema()
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }
}
