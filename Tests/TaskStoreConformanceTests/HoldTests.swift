import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@Suite("Store: holds, their audit trail, and clearing them")
struct HoldTests {
    @Test("Clearing a hold ends it at once, records who did it, and lets its tasks be claimed", arguments: TestEngine.available)
    func clear(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            _ = try await store.submit(task(id: "waits", agent: "claude"))
            let until = Date().addingTimeInterval(3600)
            try await store.hold(AgentHold(agent: "claude", until: until, reason: "usage limit of profile claude"))
            // A shorter hold never shortens it, and is not recorded as a change.
            try await store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(60), reason: "shorter"))
            #expect(try await store.claim(ClaimRequest(workerID: "w", limit: 1, leaseSeconds: 60)).isEmpty)
            let detail = try await store.detail(of: "waits")
            #expect(detail.hold?.agent == "claude")
            #expect(detail.hold?.reason == "usage limit of profile claude")

            let cleared = try await store.clearHold("claude", by: "cli")
            #expect(cleared.reason == "usage limit of profile claude")
            #expect(abs(cleared.until.timeIntervalSince(until)) < 0.01)
            #expect(try await store.activeHolds().isEmpty)
            #expect(try await store.detail(of: "waits").hold == nil)
            #expect(try await store.claim(ClaimRequest(workerID: "w", limit: 1, leaseSeconds: 60)).map(\.taskID) == ["waits"])

            let trail = try await store.holdActions(for: "claude")
            #expect(trail.map(\.action) == ["held", "cleared"])
            #expect(trail.map(\.actor) == [nil, "cli"])
            #expect(trail[0].reason == "usage limit of profile claude")
            #expect(try await store.holdActions(for: "codex").isEmpty)
        }
    }

    @Test("Clearing a profile that is not held back changes nothing and says which are", arguments: TestEngine.available)
    func clearNothing(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await store.hold(AgentHold(agent: "codex", until: Date().addingTimeInterval(600), reason: "401"))
            try await store.hold(AgentHold(agent: "gemini", until: Date().addingTimeInterval(-5), reason: "over"))
            for profile in ["claude", "gemini"] {
                do {
                    try await store.clearHold(profile, by: "api")
                    Issue.record("clearing \(profile) should fail")
                } catch let error as StoreError {
                    #expect(error.code == .notFound)
                    #expect(error.message == "profile '\(profile)' is not held back: held back are codex")
                }
            }
            #expect(try await store.activeHolds().map(\.agent) == ["codex"])
            #expect(try await store.holdActions(for: "gemini").map(\.action) == ["held"])
        }
    }

    @Test("Stats list the active holds", arguments: TestEngine.available)
    func statsListHolds(engine: TestEngine) async throws {
        try await withTestStore(engine) { store, _ in
            try await store.hold(AgentHold(agent: "claude", until: Date().addingTimeInterval(600), reason: "usage limit"))
            #expect(try await store.stats().holds.map(\.agent) == ["claude"])
        }
    }
}
