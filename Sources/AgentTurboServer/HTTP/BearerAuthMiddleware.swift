import HTTPTypes
import Hummingbird

/// With a token configured, every path but `openPaths` wants `Authorization: Bearer TOKEN`; without one,
/// everything is open (the server then listens on loopback only).
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?
    let openPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !openPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, .unauthorized, "this server wants a token: send Authorization: Bearer <AGENT_TURBO_API_TOKEN>")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix,
            Self.constantTimeEqual(Array(header.dropFirst(prefix.count).utf8), Array(token.utf8))
        else {
            throw APIError(.unauthorized, .unauthorized, "the bearer token is wrong: send Authorization: Bearer <AGENT_TURBO_API_TOKEN>")
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so response time says nothing about the token.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}
