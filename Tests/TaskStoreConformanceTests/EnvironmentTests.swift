import AgentTurboTestSupport
import Testing

@Suite("Test environment")
struct EnvironmentTests {
    @Test("Under CI the suite runs against PostgreSQL too, never skipping it")
    func postgresUnderCI() {
        if TestEnvironment.isCI {
            #expect(TestEnvironment.postgresURL != nil, "CI=true but AGENT_TURBO_TEST_POSTGRES_URL is not set: run scripts/test.sh")
            #expect(ThrowawayPostgres.isAvailable, "CI=true but the PostgreSQL helper script cannot start servers")
        }
    }
}
