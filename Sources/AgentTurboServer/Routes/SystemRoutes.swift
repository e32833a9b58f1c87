import AgentTurboCore
import Foundation
import HTTPTypes
import Hummingbird

/// Workers, stats, health, metrics, the dashboard and the OpenAPI document.
struct SystemRoutes: Sendable {
    let store: any TaskStore
    let resources: ServerResources
    let followers: FollowerCount

    /// Only the page's own inline script and style run (they carry this response's nonce: no injected script
    /// or style could), data from this origin only: the page loads nothing from elsewhere.
    static func dashboardPolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    /// 16 random bytes, base64: a new nonce for every page load.
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    func register(on router: Router<some RequestContext>) {
        router.get("/v1/workers") { request, _ in
            _ = try QueryParameters(request, allowed: [])
            return try JSONResponse.make(WorkersBody(workers: try await store.workers(), holds: try await store.activeHolds()))
        }
        router.get("/v1/stats") { request, _ in
            _ = try QueryParameters(request, allowed: [])
            return try JSONResponse.make(try await store.stats().withEveryStatus)
        }
        router.get("/healthz") { _, _ in
            try JSONResponse.make(HealthBody(status: "ok"))
        }
        router.get("/readyz") { _, _ in try await readiness() }
        router.get("/metrics") { _, _ in
            let text = MetricsReport.render(try await store.stats(), logFollowers: followers.value)
            return Response.text(Data(text.utf8), contentType: PrometheusText.contentType)
        }
        router.get("/") { _, _ in
            let nonce = Self.nonce()
            let page = resources.dashboardTemplate.replacingOccurrences(of: ServerResources.noncePlaceholder, with: nonce)
            return Response.text(
                Data(page.utf8), contentType: "text/html; charset=utf-8",
                headers: [.contentSecurityPolicy: Self.dashboardPolicy(nonce: nonce), .cacheControl: "no-store"]
            )
        }
        // The document is JSON, which is also valid YAML 1.2: both names serve the same bytes.
        router.get("/openapi.json") { _, _ in
            Response.text(resources.openAPI, contentType: "application/json; charset=utf-8")
        }
        router.get("/openapi.yaml") { _, _ in
            Response.text(resources.openAPI, contentType: "application/yaml; charset=utf-8")
        }
    }

    /// 200 when the store answers and its schema is the one this program needs; 503 otherwise.
    func readiness() async throws -> Response {
        let status: SchemaStatus
        do {
            status = try await store.schemaStatus()
        } catch {
            throw APIError(.serviceUnavailable, .unavailable, "the database does not answer: \(error)")
        }
        guard status.isCurrent else {
            let advice = status.current < status.latest ? "run `agent-turbo migrate`" : "upgrade agent-turbo"
            throw APIError(
                .serviceUnavailable, .schemaMismatch,
                "the database schema is version \(status.current) and this program needs \(status.latest): \(advice)"
            )
        }
        return try JSONResponse.make(HealthBody(status: "ready", schemaVersion: status.current))
    }
}
