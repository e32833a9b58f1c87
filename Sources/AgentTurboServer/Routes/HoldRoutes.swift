import AgentTurboCore
import Hummingbird

/// `DELETE /v1/holds/{profile}`: ends a profile's hold early, with an audit row, and wakes the workers.
struct HoldRoutes: Sendable {
    let store: any TaskStore

    func register(on router: Router<some RequestContext>) {
        router.delete("/v1/holds/{profile}") { request, context in
            _ = try QueryParameters(request, allowed: [])
            let profile = try context.parameters.require("profile")
            return try JSONResponse.make(try await store.clearHold(profile, by: TaskRoutes.actor))
        }
    }
}
