import AgentTurboCore
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Keeps a `PostgresClient` (a connection pool) for the host that accepts writes. With one host in the URL
/// that is the host; with several, each is asked in turn (`pg_is_in_recovery()`), and after a connection
/// failure the choice is made again, so the store moves to a standby once it is promoted.
actor PrimaryConnector {
    let url: PostgresURL
    let logger: Logger
    private var current: (host: PostgresURL.Host, client: PostgresClient, runner: Task<Void, Never>, dropped: DropSignal)?
    private var lastSelection = ContinuousClock.now - .seconds(60)
    private var previousHost: PostgresURL.Host?
    private var closed = false

    init(url: PostgresURL, logger: Logger, maximumConnections: Int = 20) {
        self.url = url
        self.logger = logger
        self.maximumConnections = maximumConnections
    }

    private var connecting: Task<(PostgresClient, DropSignal), any Error>?
    /// How many connections the pool may open.
    let maximumConnections: Int

    /// The client for the writable host, connecting first when there is none, and the signal of its drop.
    /// Concurrent callers share one connection attempt: the actor is reentrant across its awaits, and without
    /// this each of them could build a pool of its own.
    func client() async throws -> (PostgresClient, DropSignal) {
        if closed {
            throw StoreError(.unavailable, "the store is closed")
        }
        if let current {
            return (current.client, current.dropped)
        }
        if let connecting {
            return try await connecting.value
        }
        let attempt = Task { try await self.connect() }
        connecting = attempt
        defer { connecting = nil }
        return try await attempt.value
    }

    private func connect() async throws -> (PostgresClient, DropSignal) {
        // Not more than a few probes a second while every host is down.
        let wait = Duration.milliseconds(250) - (ContinuousClock.now - lastSelection)
        if wait > .zero {
            try await Task.sleep(for: wait)
        }
        lastSelection = .now
        // A direct connection first, even to a single host: its error (a password refused, no TLS where
        // sslmode requires it) says what is wrong, where the pool would only time out.
        let host = try await writableHost()
        if closed {
            throw StoreError(.unavailable, "the store is closed")
        }
        // The pool's background log says when run() has not started yet; queries wait for it anyway.
        var background = logger
        background.logLevel = .error
        let client = PostgresClient(configuration: configuration(for: host), backgroundLogger: background)
        // Detached: a task created inside a service would inherit its graceful-shutdown context, and the pool
        // would shut down with the worker's first signal, before the worker has recorded its last outcomes.
        let runner = Task.detached { await client.run() }
        let dropped = DropSignal()
        current = (host, client, runner, dropped)
        if let previousHost, previousHost != host {
            logger.notice("moved to the new PostgreSQL primary", metadata: [
                "host": "\(host.name):\(host.port)", "previous": "\(previousHost.name):\(previousHost.port)",
            ])
        }
        previousHost = host
        return (client, dropped)
    }

    /// A connection-level failure on `client`: drop it, so that the next call connects afresh (to whichever
    /// host accepts writes now) instead of waiting out the old pool's reconnect backoff.
    nonisolated func failed(_ client: PostgresClient) {
        Task { await self.drop(client) }
    }

    private func drop(_ client: PostgresClient) {
        guard let current, current.client === client else { return }
        current.runner.cancel()
        current.dropped.fire()
        self.current = nil
    }

    /// How long to wait for a pooled connection. The pool itself waits without limit while the server is
    /// down, which would hide a failover; a connection that is not handed over in this time means the
    /// database is unavailable.
    static let leaseTimeout: Duration = .seconds(8)
    /// How long one operation may take once it has its connection, before it counts as stuck.
    static let operationTimeout: Duration = .seconds(120)
    /// How long an operation may go on after its client was dropped (the server went away under it): ones
    /// that will fail do so at once, and one that has not by then never will.
    static let droppedGrace: Duration = .seconds(5)

    /// Runs `body` on a connection to the writable host. Connection failures, a lease that does not come
    /// within `leaseTimeout` and an operation that does not end (`operationDeadline`; `nil` for the long-lived
    /// LISTEN) drop the client, so the next call connects afresh, and surface as `StoreError.unavailable`; so
    /// does an operation still running `droppedGrace` after its client was dropped.
    ///
    /// The work runs in a task of its own that the caller stops waiting for when a deadline passes: a query
    /// whose connection died with the server was seen never to return, even after its pool shut down, and
    /// neither cancellation nor a task group (which waits for all its children) can get past that. Unless
    /// `cancellable` (the LISTEN loop), the caller's cancellation does not reach the work: a transaction once
    /// begun ends in its COMMIT or ROLLBACK, and the cancelled caller waits for that.
    nonisolated func withConnection<T: Sendable>(
        leaseTimeout: Duration = PrimaryConnector.leaseTimeout,
        operationDeadline: Duration? = PrimaryConnector.operationTimeout,
        cancellable: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let (client, dropped) = try await client()
        let leased = Flag()
        let outcome = Outcome<T>()
        let work = Task {
            do {
                outcome.resolve(.success(try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        // Each watch settles the outcome only if the work has not, and drops the client only then: a watch that
        // wakes as the work finishes leaves a healthy pool alone.
        let giveUp: @Sendable (String, Bool) async -> Void = { reason, dropClient in
            guard outcome.resolve(.failure(Stuck(reason: reason))) else { return }
            work.cancel()
            if dropClient {
                await self.drop(client)
            }
        }
        let watchdog = Task {
            try await Task.sleep(for: leaseTimeout)
            if !leased.isSet {
                await giveUp("gave no connection within \(leaseTimeout)", true)
                return
            }
            guard let operationDeadline, operationDeadline > leaseTimeout else { return }
            try await Task.sleep(for: operationDeadline - leaseTimeout)
            await giveUp("did not finish an operation within \(operationDeadline)", true)
        }
        let dropListener = dropped.onDrop {
            Task {
                try await Task.sleep(for: Self.droppedGrace)
                await giveUp("lost its connection (the server went away)", false)
            }
        }
        defer {
            watchdog.cancel()
            dropped.remove(dropListener)
        }
        do {
            if cancellable {
                return try await withTaskCancellationHandler {
                    try await outcome.value()
                } onCancel: {
                    work.cancel()
                    outcome.resolve(.failure(CancellationError()))
                }
            }
            return try await outcome.value()
        } catch let error as Stuck {
            throw StoreError(.unavailable, "PostgreSQL at \(url) \(error.reason)")
        } catch {
            if PostgresErrors.isUnavailable(error) {
                failed(client)
                throw StoreError(.unavailable, "PostgreSQL at \(url) is unavailable: \(PostgresErrors.describe(error))")
            }
            throw error
        }
    }

    private struct Stuck: Error {
        var reason: String
    }
}

/// A result that the first of several tasks settles and one caller awaits.
final class Outcome<T: Sendable>: Sendable {
    private let state = Mutex<(result: Result<T, any Error>?, waiter: CheckedContinuation<T, any Error>?)>((nil, nil))

    /// Settles the outcome unless it already is; says whether this call did.
    @discardableResult
    func resolve(_ result: Result<T, any Error>) -> Bool {
        let (won, waiter): (Bool, CheckedContinuation<T, any Error>?) = state.withLock { state in
            guard state.result == nil else { return (false, nil) }
            state.result = result
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(with: result)
        return won
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let settled: Result<T, any Error>? = state.withLock { state in
                if let result = state.result {
                    return result
                }
                state.waiter = continuation
                return nil
            }
            if let settled {
                continuation.resume(with: settled)
            }
        }
    }
}

/// Fired once when a client is dropped, for the operations still running on it.
final class DropSignal: Sendable {
    private let state = Mutex<(fired: Bool, listeners: [Int: @Sendable () -> Void], nextKey: Int)>((false, [:], 0))

    /// Calls `listener` when the signal fires, or at once if it has; returns the key that removes it.
    func onDrop(_ listener: @escaping @Sendable () -> Void) -> Int {
        let (key, fired) = state.withLock { state in
            defer { state.nextKey += 1 }
            if !state.fired {
                state.listeners[state.nextKey] = listener
            }
            return (state.nextKey, state.fired)
        }
        if fired {
            listener()
        }
        return key
    }

    func remove(_ key: Int) {
        _ = state.withLock { $0.listeners.removeValue(forKey: key) }
    }

    func fire() {
        let listeners = state.withLock { state in
            guard !state.fired else { return [@Sendable () -> Void]() }
            state.fired = true
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        listeners.forEach { $0() }
    }
}

/// A flag one task sets and another reads.
final class Flag: Sendable {
    private let value = Mutex(false)

    func set() {
        value.withLock { $0 = true }
    }

    var isSet: Bool { value.withLock { $0 } }
}

extension PrimaryConnector {

    func close() async {
        closed = true
        if let current {
            current.runner.cancel()
            _ = await current.runner.value
        }
        current = nil
    }

    /// The first host that answers and is not in recovery. An error that no retry mends (a refused password,
    /// no TLS where sslmode requires it, no such database) is thrown as `badLocation` at once.
    private func writableHost() async throws -> PostgresURL.Host {
        var problems: [String] = []
        for host in url.hosts {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(),
                    configuration: connectionConfiguration(for: host), id: 0, logger: logger
                ).get()
                defer { Task { try? await connection.close() } }
                let rows = try await connection.query("SELECT pg_is_in_recovery() AS standby", logger: logger).collect()
                if let standby = try rows.first?.decode(Bool.self), !standby {
                    return host
                }
                problems.append("\(host.name):\(host.port) is a standby")
            } catch {
                if let reason = PostgresErrors.misconfiguration(error, sslMode: url.sslMode) {
                    throw StoreError(.badLocation, "PostgreSQL at \(host.name):\(host.port) refused the connection: \(reason)")
                }
                problems.append("\(host.name):\(host.port): \(PostgresErrors.describe(error))")
            }
        }
        throw StoreError(
            .unavailable,
            url.hosts.count == 1 ? "PostgreSQL at \(url) is unavailable: \(problems.joined())"
                : "no PostgreSQL host accepts writes (\(problems.joined(separator: "; ")))"
        )
    }

    /// TLS as libpq's sslmode means it: `require` encrypts without checking the certificate, `verify-ca`
    /// checks it against the trusted roots, `verify-full` the host name too; `prefer` and `allow` use TLS when
    /// the server offers it.
    private var tls: (PostgresClient.Configuration.TLS, PostgresConnection.Configuration.TLS) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable:
            return (.disable, .disable)
        case .require:
            configuration.certificateVerification = .none
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
        case .prefer, .allow:
            configuration.certificateVerification = .none
            let context = try? NIOSSLContext(configuration: configuration)
            return (.prefer(configuration), context.map { .prefer($0) } ?? .disable)
        }
        let context = try? NIOSSLContext(configuration: configuration)
        return (.require(configuration), context.map { .require($0) } ?? .disable)
    }

    private func configuration(for host: PostgresURL.Host) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: host.name, port: host.port, username: url.username, password: url.password,
            database: url.database, tls: tls.0
        )
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        return configuration
    }

    private func connectionConfiguration(for host: PostgresURL.Host) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host.name, port: host.port, username: url.username, password: url.password,
            database: url.database, tls: tls.1
        )
        configuration.options.connectTimeout = .seconds(3)
        return configuration
    }
}
