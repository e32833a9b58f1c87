import AgentTurboAgents
import Foundation
import Synchronization

/// Each profile's starting environment (the worker's, without secrets, with the profile's own), worked out
/// once per worker rather than once per attempt.
final class ProfileEnvironments: Sendable {
    let base: [String: String]
    private let cache = Mutex<[String: [String: String]]>([:])

    init(base: [String: String]) {
        self.base = base
    }

    func environment(for profile: AgentProfile) -> [String: String] {
        if let known = cache.withLock({ $0[profile.name] }) {
            return known
        }
        let computed = profile.profileEnvironment(from: base)
        cache.withLock { $0[profile.name] = computed }
        return computed
    }
}
