import AgentTurboCore
import AgentTurboSQLite
import AgentTurboServer
import AgentTurboTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging

/// A server over a real SQLite file store in a temporary folder, driven through HummingbirdTesting.
struct ServerFixture {
    let store: any TaskStore
    let server: APIServer

    static let quietLogger = Logger(label: "test.server") { _ in SwiftLogNoOpLogHandler() }

    /// Runs `body` with a fresh store and a client: `.router` calls the router directly, `.live` runs a real
    /// HTTP server on a free loopback port.
    static func run<T: Sendable>(
        _ setup: TestingSetup = .router, token: String? = nil, pollInterval: Duration = .milliseconds(50),
        configure: (inout APIServer.Configuration) -> Void = { _ in },
        _ body: @Sendable (ServerFixture, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let folder = try TemporaryDirectory(prefix: "agent-turbo-server")
        defer { folder.remove() }
        let store: any TaskStore = try await SQLiteTaskStore.open(path: folder.file("turbo.db"))
        do {
            var configuration = APIServer.Configuration(host: "127.0.0.1", port: 0, token: token)
            configuration.followPollInterval = pollInterval
            configure(&configuration)
            let server = try APIServer(store: store, configuration: configuration, logger: quietLogger)
            let fixture = ServerFixture(store: store, server: server)
            let value = try await server.application().test(setup) { client in
                try await body(fixture, client)
            }
            try? await store.close()
            return value
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Claims the task for `worker` (it must be the only ready one) and returns its attempt.
    func claim(_ taskID: String, worker: String = "w1") async throws -> AttemptRef {
        let claimed = try await store.claim(ClaimRequest(workerID: worker, limit: 1, leaseSeconds: 60))
        guard let task = claimed.first, task.taskID == taskID, let ref = task.attemptRef else {
            throw TestTimeout("could not claim \(taskID): got \(claimed.map(\.taskID))")
        }
        return ref
    }

    /// Stores output for an attempt.
    func append(_ ref: AttemptRef, _ text: String, stream: OutputSource = .stdout) async throws {
        let next = try await store.lastOutputSequence(taskID: ref.taskID, attempt: ref.attempt) + 1
        try await store.appendOutput(
            OutputAppend(taskID: ref.taskID, attempt: ref.attempt, pieces: [OutputPiece(stream: stream, data: Data(text.utf8), sequence: next)])
        )
    }
}
