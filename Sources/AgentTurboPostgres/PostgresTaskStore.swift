import AgentTurboCore
import AgentTurboSQL
import Logging

/// Opens the store on PostgreSQL. The schema is never changed behind the operator's back: `agent-turbo
/// migrate` applies migrations, everything else checks the version and says so when it is behind.
public enum PostgresTaskStore {
    public static func open(
        url: PostgresURL, migrate: Bool = false, checkSchema: Bool = true,
        logger: Logger = Logger(label: "agent-turbo.postgres")
    ) async throws -> SQLTaskStore {
        let store = SQLTaskStore(database: PostgresDatabase(url: url, logger: logger))
        do {
            if migrate {
                try await store.migrate()
            } else if checkSchema {
                try await store.requireCurrentSchema()
            }
        } catch {
            try? await store.close()
            throw error
        }
        return store
    }
}
