import Foundation

/// The environment an agent starts from: the worker's own, without Agent Turbo's secrets. An agent with a shell
/// must not be able to drive the API or the database, so these are removed unless its profile names them in
/// `pass_environment` (or sets them in `environment`):
///
/// - every `AGENT_TURBO_*` variable (the API token, the database URL and its `_FILE` forms, the home folder);
///   the worker then sets `AGENT_TURBO_TASK_ID`, `AGENT_TURBO_ATTEMPT` and `AGENT_TURBO_WORKER_ID` itself;
/// - PostgreSQL's client variables, `PG*` (`PGPASSWORD`, `PGHOST`, `PGPASSFILE`, ...);
/// - database URLs: names containing `DATABASE_URL` or `DB_URL`, or ending in `_DSN`;
/// - `CREDENTIALS_DIRECTORY`, where systemd put the service's credentials;
/// - any variable whose value is a URL with a password in it (`scheme://user:password@host`), such as
///   `REDIS_URL` or a proxy with credentials.
public enum AgentEnvironment {
    /// The worker's environment minus the secrets, except those `pass` names (exact names, or prefixes ending
    /// in `*`).
    public static func withoutSecrets(_ environment: [String: String], pass: [String] = []) -> [String: String] {
        environment.filter { name, value in
            !isSecret(name: name, value: value) || passes(name, pass)
        }
    }

    /// The variables of `environment`, other than Agent Turbo's own, that agents do not get unless a profile
    /// passes them: worth telling an operator, whose proxy with a password an agent may need.
    public static func withheldNames(_ environment: [String: String]) -> [String] {
        environment.filter { isSecret(name: $0.key, value: $0.value) && !$0.key.hasPrefix("AGENT_TURBO_") }.keys.sorted()
    }

    /// Whether a variable is one of Agent Turbo's or the database's secrets, by its name or its value.
    public static func isSecret(name: String, value: String) -> Bool {
        let upper = name.uppercased()
        if upper.hasPrefix("AGENT_TURBO_") || upper.hasPrefix("PG") || upper == "CREDENTIALS_DIRECTORY" {
            return true
        }
        if upper.contains("DATABASE_URL") || upper.contains("DB_URL") || upper.hasSuffix("_DSN") || upper == "DSN" {
            return true
        }
        return containsURLWithPassword(value)
    }

    /// `scheme://user:password@host...` anywhere in the value (a list of URLs included).
    static func containsURLWithPassword(_ value: String) -> Bool {
        var rest = Substring(value)
        while let scheme = rest.range(of: "://") {
            let authority = rest[scheme.upperBound...].prefix { !"/?# ,;".contains($0) }
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
                return true
            }
            rest = rest[scheme.upperBound...]
        }
        return false
    }

    static func passes(_ name: String, _ patterns: [String]) -> Bool {
        patterns.contains { pattern in
            pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
        }
    }
}
