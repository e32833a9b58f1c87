import Foundation
import HTTPTypes
import Hummingbird

/// Keeps web pages on other sites away from a server that runs agents:
///
/// - a `POST` whose `Origin` is not this server's own is refused (cross-site request forgery: a page cannot
///   cancel or retry tasks through the user's browser);
/// - without a token, a `Host` that is not loopback is refused (DNS rebinding: a page whose name resolves to
///   127.0.0.1 would otherwise be same-origin with the API).
///
/// Clients that send no `Origin` (curl, scripts) are not affected. 403 `forbidden`.
struct OriginGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokenRequired: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authority = request.head.authority?.lowercased()
        if !tokenRequired, let authority, !APIServer.Configuration.isLoopback(Self.hostName(authority)) {
            throw APIError(
                .forbidden, .forbidden,
                "the Host '\(authority)' is not loopback: without AGENT_TURBO_API_TOKEN the API answers only to localhost or 127.0.0.1"
            )
        }
        if request.method != .get, request.method != .head, let origin = request.headers[.origin] {
            guard let authority, Self.authority(ofOrigin: origin) == authority else {
                throw APIError(.forbidden, .forbidden, "a request from the page at \(origin) may not change tasks here")
            }
        }
        return try await next(request, context)
    }

    /// `localhost:8080` → `localhost`, `[::1]:8080` → `::1`.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 ? String(parts[0]) : authority
    }

    /// `http://localhost:8080` → `localhost:8080`; `nil` for `null` or anything without a scheme.
    static func authority(ofOrigin origin: String) -> String? {
        guard let range = origin.range(of: "://") else { return nil }
        let rest = origin[range.upperBound...]
        return String(rest.prefix { $0 != "/" }).lowercased()
    }
}
