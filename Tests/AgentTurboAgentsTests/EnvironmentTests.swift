import AgentTurboAgents
import AgentTurboCore
import Foundation
import Testing

@Suite("Agents: no secrets in the agent's environment")
struct AgentEnvironmentUnitTests {
    static let worker: [String: String] = [
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/turbo",
        "ANTHROPIC_API_KEY": "sk-ant-agent-needs-this",
        "HTTPS_PROXY": "http://proxy.internal:3128",
        "AGENT_TURBO_API_TOKEN": "api-secret",
        "AGENT_TURBO_DATABASE_URL": "postgres://turbo:db-secret@db1:5432/turbo",
        "AGENT_TURBO_DATABASE_URL_FILE": "/run/secrets/db",
        "AGENT_TURBO_HOME": "/var/lib/agent-turbo",
        "AGENT_TURBO_TASK_ID": "outer-task",
        "PGPASSWORD": "db-secret",
        "PGHOST": "db1",
        "DATABASE_URL": "postgres://app:app-secret@db2/app",
        "REPORTS_DB_URL": "mysql://reports@db3/r",
        "SENTRY_DSN": "https://key@sentry.io/1",
        "CACHE": "redis://:cache-secret@cache:6379/0",
        "MIRRORS": "https://a.example/x, https://user:mirror-secret@b.example/y",
        "CREDENTIALS_DIRECTORY": "/run/credentials/agent-turbo-worker.service",
        "CLAUDECODE": "1",
    ]

    @Test("Agent Turbo's and the database's secrets are gone; what the agent needs stays")
    func scrubbed() throws {
        let run = try invocation(
            BuiltinProfiles.claude, "hi", environment: Self.worker,
            extra: ["AGENT_TURBO_TASK_ID": "t1", "AGENT_TURBO_ATTEMPT": "1", "AGENT_TURBO_WORKER_ID": "w1"]
        )
        let kept = Set(run.environment.keys)
        #expect(kept == [
            "PATH", "HOME", "ANTHROPIC_API_KEY", "HTTPS_PROXY", "AGENT_TURBO_TASK_ID", "AGENT_TURBO_ATTEMPT",
            "AGENT_TURBO_WORKER_ID", "CLAUDE_CODE_MAX_RETRIES",
        ])
        #expect(run.environment["AGENT_TURBO_TASK_ID"] == "t1", "the worker's own value, not the inherited one")
        let everything = run.environment.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        for secret in ["api-secret", "db-secret", "app-secret", "cache-secret", "mirror-secret", "sentry.io"] {
            #expect(!everything.contains(secret), "\(secret) reached the agent")
        }
    }

    @Test("A profile passes what it names, and sets what it sets")
    func passed() throws {
        var profiles = AgentProfiles()
        try profiles.apply(["claude": try decode(#"""
            {"pass_environment": ["PG*", "DATABASE_URL"], "environment": {"AGENT_TURBO_HOME": "/srv/nested"}}
            """#)])
        let run = try invocation(try #require(profiles["claude"]), "hi", environment: Self.worker)
        #expect(run.environment["PGPASSWORD"] == "db-secret")
        #expect(run.environment["PGHOST"] == "db1")
        #expect(run.environment["DATABASE_URL"] == "postgres://app:app-secret@db2/app")
        #expect(run.environment["AGENT_TURBO_HOME"] == "/srv/nested")
        #expect(run.environment["AGENT_TURBO_API_TOKEN"] == nil)
        #expect(run.environment["CACHE"] == nil)
    }

    @Test("URLs with a password are secrets; URLs without one, and plain values, are not")
    func urlValues() {
        for value in ["postgres://u:p@h/db", "redis://:p@h", "x https://a:b@c/d", "amqp://guest:guest@localhost:5672/"] {
            #expect(AgentEnvironment.isSecret(name: "SOMETHING", value: value), "\(value)")
        }
        for value in ["https://example.com/a@b", "http://proxy:3128", "git@github.com:org/repo.git", "user@host", "a:b@c"] {
            #expect(!AgentEnvironment.isSecret(name: "SOMETHING", value: value), "\(value)")
        }
    }
}
