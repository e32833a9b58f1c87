import Foundation

/// Where the store lives, from `--database`, `AGENT_TURBO_DATABASE_URL` or `$AGENT_TURBO_HOME/turbo.db`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// Parses `sqlite:/path/file.db`, `sqlite:///path/file.db`, `postgres://...`, `postgresql://...`, or a plain
    /// file path (taken as SQLite). Relative paths are resolved against `currentDirectory`.
    public static func parse(_ text: String, currentDirectory: String) throws(InputError) -> DatabaseLocation {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw InputError("the database URL is empty: use sqlite:/path/to/turbo.db or postgres://user:pass@host:5432/db")
        }
        if let colon = trimmed.firstIndex(of: ":"), Self.looksLikeScheme(trimmed[..<colon]) {
            let scheme = trimmed[..<colon].lowercased()
            var rest = String(trimmed[trimmed.index(after: colon)...])
            switch scheme {
            case "sqlite", "sqlite3", "file":
                if rest.hasPrefix("//") {
                    rest.removeFirst(2)
                }
                guard !rest.isEmpty else {
                    throw InputError("the SQLite URL '\(text)' has no file path: write it as sqlite:/path/to/turbo.db")
                }
                return .sqlite(path: absolute(rest, currentDirectory))
            case "postgres", "postgresql":
                return .postgres(try PostgresURL.parse(trimmed))
            default:
                throw InputError(
                    "unknown database URL scheme '\(scheme)': use sqlite:/path/to/turbo.db or postgres://user:pass@host:5432/db"
                )
            }
        }
        return .sqlite(path: absolute(trimmed, currentDirectory))
    }

    /// A scheme is letters (then letters, digits, `+`, `-`, `.`), at least two characters, so `C:` style drive
    /// letters and plain paths are not mistaken for one.
    private static func looksLikeScheme(_ text: Substring) -> Bool {
        guard text.count >= 2, let first = text.first, first.isLetter, first.isASCII else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    private static func absolute(_ path: String, _ currentDirectory: String) -> String {
        let expanded = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        return URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: currentDirectory, isDirectory: true))
            .standardizedFileURL.path
    }

    /// The default: `$AGENT_TURBO_HOME/turbo.db`, `AGENT_TURBO_HOME` defaulting to `~/.agent-turbo`.
    public static func defaultLocation(environment: [String: String]) -> DatabaseLocation {
        .sqlite(path: home(environment: environment) + "/turbo.db")
    }

    /// `$AGENT_TURBO_HOME`, or `~/.agent-turbo`.
    public static func home(environment: [String: String]) -> String {
        if let home = environment["AGENT_TURBO_HOME"], !home.isEmpty {
            return home
        }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.agent-turbo"
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url.description
        }
    }
}

/// A PostgreSQL URL, possibly naming several hosts (`postgres://u:p@h1:5432,h2:5432/db`): the client uses the
/// one that accepts writes.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public struct Host: Sendable, Hashable {
        public var name: String
        public var port: Int

        public init(name: String, port: Int) {
            self.name = name
            self.port = port
        }
    }

    public var username: String
    public var password: String?
    public var hosts: [Host]
    public var database: String
    public init(username: String, password: String?, hosts: [Host], database: String, parameters: [String: String]) {
        self.username = username
        self.password = password
        self.hosts = hosts
        self.database = database
        self.parameters = parameters
    }

    public var parameters: [String: String]

    /// TLS, as libpq's `sslmode` parameter says.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable
        case allow
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// `prefer` unless the URL says otherwise (checked by `parse`).
    public var sslMode: SSLMode { parameters["sslmode"].flatMap(SSLMode.init(rawValue:)) ?? .prefer }

    public static func parse(_ text: String) throws(InputError) -> PostgresURL {
        let usage = "write it as postgres://user:password@host:5432/database"
        guard let schemeEnd = text.range(of: "://") else {
            throw InputError("the PostgreSQL URL '\(text)' has no '//': \(usage)")
        }
        var rest = String(text[schemeEnd.upperBound...])
        var parameters: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                parameters[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            rest = String(rest[..<question])
        }
        var username = "postgres"
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = String(rest[rest.index(after: at)...])
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            if parts.count > 1 {
                password = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            }
        }
        var database = username
        if let slash = rest.firstIndex(of: "/") {
            let name = String(rest[rest.index(after: slash)...])
            if !name.isEmpty {
                database = name.removingPercentEncoding ?? name
            }
            rest = String(rest[..<slash])
        }
        var hosts: [Host] = []
        for entry in rest.split(separator: ",") {
            var name = String(entry)
            var port = 5432
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]") {
                guard let parsed = Int(entry[entry.index(after: colon)...]), (1...65535).contains(parsed) else {
                    throw InputError("the port in '\(entry)' is not a number between 1 and 65535: \(usage)")
                }
                port = parsed
                name = String(entry[..<colon])
            }
            name = name.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            guard !name.isEmpty else {
                throw InputError("the PostgreSQL URL '\(text)' names an empty host: \(usage)")
            }
            hosts.append(Host(name: name, port: port))
        }
        guard !hosts.isEmpty else {
            throw InputError("the PostgreSQL URL '\(text)' names no host: \(usage)")
        }
        if let mode = parameters["sslmode"], SSLMode(rawValue: mode) == nil {
            throw InputError(
                "sslmode=\(mode) in the PostgreSQL URL is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return PostgresURL(username: username, password: password, hosts: hosts, database: database, parameters: parameters)
    }

    /// The URL with its password hidden.
    public var description: String {
        let hostList = hosts.map { "\($0.name):\($0.port)" }.joined(separator: ",")
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(hostList)/\(database)"
    }
}
