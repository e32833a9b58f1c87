import AgentTurboCore
import AgentTurboSQL
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization

/// The embedded engine: one SQLite file in WAL mode, shared safely by several processes.
///
/// In this process, writers take turns on one connection behind a first-come lock and readers use a small pool
/// of their own connections (WAL lets them read while a write is under way). Across processes SQLite's file
/// locks and a busy timeout do the queueing. Every write is a `BEGIN IMMEDIATE` transaction, so a writer waits
/// at its start and never fails halfway for a lock.
public final class SQLiteDatabase: SQLDatabase {
    public let path: String
    public let dialect: any SQLDialect = SQLiteDialect()
    /// The connection all of this process's writes go through, one at a time (replaced if it ever cannot be
    /// brought out of a transaction).
    private let writer: Mutex<SQLiteConnection>
    private let writeLock = AsyncLock()
    private let logger: Logger
    private let readers: ResourcePool<SQLiteConnection>
    private let threadPool: NIOThreadPool
    private let broadcaster: EventBroadcaster
    private let wake: CrossProcessWake
    private let closed = Mutex(false)

    /// How long a statement waits for another process's write lock before giving up.
    public static let busyTimeoutMilliseconds = 15_000
    static let readerCount = 3

    private init(path: String, writer: SQLiteConnection, readers: [SQLiteConnection], threadPool: NIOThreadPool, logger: Logger) {
        self.path = path
        self.writer = Mutex(writer)
        self.logger = logger
        self.readers = ResourcePool(readers)
        self.threadPool = threadPool
        self.broadcaster = EventBroadcaster.shared(for: path)
        self.wake = CrossProcessWake(databasePath: path, broadcaster: broadcaster)
    }

    public var location: String { "sqlite:\(path)" }

    /// Opens (and creates, with its folder) the database file.
    public static func open(path: String, logger: Logger = Logger(label: "agent-turbo.sqlite")) async throws
        -> SQLiteDatabase
    {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
                )
            } catch {
                throw StoreError(.badLocation, "cannot create the folder \(folder) for the database: \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw StoreError(.badLocation, "\(folder) is a file, not a folder: choose another database path")
        }
        let threadPool = NIOThreadPool(numberOfThreads: readerCount + 2)
        threadPool.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        var opened: [SQLiteConnection] = []
        do {
            for _ in 0...readerCount {
                let connection = try await SQLiteConnection.open(
                    storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop
                ).get()
                opened.append(connection)
                try await configure(connection, path: path)
            }
            _ = try await opened[0].query("PRAGMA journal_mode = WAL")
        } catch {
            for connection in opened {
                try? await connection.close()
            }
            try? await threadPool.shutdownGracefully()
            throw Self.translate(error, path: path)
        }
        return SQLiteDatabase(
            path: path, writer: opened[0], readers: Array(opened.dropFirst()), threadPool: threadPool, logger: logger
        )
    }

    private static func configure(_ connection: SQLiteConnection, path: String) async throws {
        // Replaces sqlite-nio's busy handler, which retries without sleeping, with SQLite's sleeping one.
        _ = try await connection.query("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
        // Durable commits: a task acknowledged as submitted survives a power cut.
        _ = try await connection.query("PRAGMA synchronous = FULL")
        // Fails early, with a clear message, on a file that is not a SQLite database.
        _ = try await connection.query("SELECT COUNT(*) FROM sqlite_master")
    }

    public func write<T: Sendable>(
        _ options: TransactionOptions, _ body: @escaping @Sendable (any SQLConnection) async throws -> T
    ) async throws -> T {
        // In a task of its own: the caller's cancellation never reaches the body between BEGIN and COMMIT (nor
        // the ROLLBACK); a cancelled caller waits for the transaction to end instead.
        try await Task {
            try await self.writeLock.withLock(urgent: options.urgent) {
                let writer = self.writer.withLock { $0 }
                // Renewals wait less for another process's lock than other writes do, then try again.
                let busy = options.deadline.map { min(Self.busyTimeoutMilliseconds, max(1, Int($0 / .milliseconds(1)))) }
                if let busy {
                    _ = try await writer.query("PRAGMA busy_timeout = \(busy)")
                }
                do {
                    let value = try await self.transaction(on: writer, begin: "BEGIN IMMEDIATE", body) { replacement in
                        self.writer.withLock { $0 = replacement }
                    }
                    if busy != nil {
                        _ = try? await writer.query("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
                    }
                    return value
                } catch {
                    if busy != nil {
                        _ = try? await self.writer.withLock({ $0 }).query("PRAGMA busy_timeout = \(Self.busyTimeoutMilliseconds)")
                    }
                    throw error
                }
            }
        }.value
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) async throws -> T) async throws -> T {
        try await Task {
            let reader = await self.readers.take()
            var replacement: SQLiteConnection?
            do {
                let value = try await self.transaction(on: reader, begin: "BEGIN", body) { replacement = $0 }
                await self.giveBack(reader, replacement)
                return value
            } catch {
                await self.giveBack(reader, replacement)
                throw error
            }
        }.value
    }

    private func giveBack(_ reader: SQLiteConnection, _ replacement: SQLiteConnection?) async {
        if let replacement {
            await readers.replace(reader, with: replacement)
        } else {
            await readers.give(reader)
        }
    }

    /// Runs `body` between `begin` and COMMIT, or ROLLBACK when it throws. A connection that cannot be brought
    /// back out of the transaction is closed and `replace` gets a fresh one.
    private func transaction<T: Sendable>(
        on connection: SQLiteConnection, begin: String,
        _ body: @escaping @Sendable (any SQLConnection) async throws -> T,
        replace: (SQLiteConnection) -> Void
    ) async throws -> T {
        let handle = SQLiteHandle(connection: connection, path: path)
        do {
            _ = try await connection.query(begin)
        } catch {
            throw Self.translate(error, path: path)
        }
        do {
            let value = try await body(handle)
            _ = try await connection.query("COMMIT")
            return value
        } catch {
            if await !Self.rollBack(connection) {
                logger.warning("a connection stayed inside a transaction after ROLLBACK failed; it is replaced", metadata: ["database": "\(path)"])
                try? await connection.close()
                if let fresh = try? await openConnection() {
                    replace(fresh)
                }
            }
            throw Self.translate(error, path: path)
        }
    }

    /// Rolls back; returns whether the connection is outside any transaction now. sqlite-nio keeps the raw
    /// handle (and so `sqlite3_get_autocommit`) to itself, so SQLite is asked in SQL: a ROLLBACK that finds no
    /// transaction, or a BEGIN that succeeds, means the connection is out.
    static func rollBack(_ connection: SQLiteConnection) async -> Bool {
        do {
            _ = try await connection.query("ROLLBACK")
            return true
        } catch {
            if "\(error)".contains("no transaction is active") {
                return true
            }
        }
        if (try? await connection.query("BEGIN")) != nil {
            _ = try? await connection.query("ROLLBACK")
            return true
        }
        return (try? await connection.query("ROLLBACK")) != nil
    }

    private func openConnection() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
        ).get()
        try await Self.configure(connection, path: path)
        return connection
    }

    /// In this process at once; other processes through the wake seam (inotify or sockets).
    public func publish(_ events: [StoreEvent]) {
        broadcaster.publish(events)
        wake.publish()
    }

    public func events() -> AsyncStream<StoreEvent> {
        let stream = broadcaster.subscribe()
        wake.startListening()
        return stream
    }

    public func close() async throws {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        wake.stop()
        try await writer.withLock { $0 }.close()
        for reader in readers.all {
            try await reader.close()
        }
        try await threadPool.shutdownGracefully()
    }

    /// A store dropped without `close()` (an error on the way) still closes its connections.
    deinit {
        guard closed.withLock({ !$0 }) else { return }
        wake.stop()
        let pool = threadPool
        let connections = [writer.withLock { $0 }] + readers.all
        let closing = connections.map { $0.close() }
        EventLoopFuture.andAllComplete(closing, on: closing[0].eventLoop).whenComplete { _ in
            pool.shutdownGracefully { _ in }
        }
    }

    /// Turns SQLite's errors about the file into sentences a user can act on; other errors pass unchanged.
    static func translate(_ error: any Error, path: String) -> any Error {
        guard let error = error as? SQLiteError else { return error }
        switch error.reason {
        case .notADatabase:
            return StoreError(.badLocation, "\(path) is not a SQLite database: point --database at another file")
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked:
            return StoreError(
                .unavailable,
                "the database \(path) stayed locked by another process for \(busyTimeoutMilliseconds / 1000) s: try again"
            )
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .permission, .readOnly, .readonlyDirectory:
            return StoreError(.badLocation, "cannot open the database \(path) for writing: \(error.message)")
        case .full:
            return StoreError(.unavailable, "the disk holding \(path) is full")
        default:
            return error
        }
    }
}

/// A connection inside one of ``SQLiteDatabase``'s transactions.
struct SQLiteHandle: SQLConnection {
    let connection: SQLiteConnection
    let path: String

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let (text, parameterCount) = Self.rewritePlaceholders(sql)
        let values = binds.prefix(parameterCount).map(Self.sqliteData)
        let rows = try await connection.query(text, Array(values))
        guard let first = rows.first else { return [] }
        var columns: [String: Int] = [:]
        for (index, column) in first.columns.enumerated() where columns[column.name] == nil {
            columns[column.name] = index
        }
        return rows.map { row in
            SQLRow(columns: columns, values: row.columns.map { Self.value($0.data) })
        }
    }

    /// `$1` becomes `?1`; returns the highest parameter number used, since SQLite refuses binds beyond it.
    /// Works on the UTF-8 bytes (a `$` followed by a digit is never part of a multi-byte character).
    static func rewritePlaceholders(_ sql: String) -> (String, Int) {
        var bytes = Array(sql.utf8)
        var highest = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "$"), index + 1 < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + 1]) {
                bytes[index] = UInt8(ascii: "?")
                var number = 0
                index += 1
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    number = number * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                highest = max(highest, number)
            } else {
                index += 1
            }
        }
        return (String(decoding: bytes, as: UTF8.self), highest)
    }

    static func sqliteData(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .int(let value): .integer(value)
        case .double(let value): .float(value)
        case .text(let value), .json(let value): .text(value)
        case .bytes(let data): .blob(ByteBuffer(bytes: data))
        case .bool(let value): .integer(value ? 1 : 0)
        case .date(let date): .text(Timestamp.format(date))
        }
    }

    static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .null: .null
        case .integer(let value): .int(Int(value))
        case .float(let value): .double(value)
        case .text(let value): .text(value)
        case .blob(let buffer): .bytes(Data(buffer.readableBytesView))
        }
    }
}
