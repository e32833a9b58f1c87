import AgentTurboCore
import Foundation

/// The routes and methods the OpenAPI document describes (the tests hold the router to the same document), so
/// that a known path asked with another method gets `405` and an `Allow` header instead of `404`.
struct RouteTable: Sendable {
    /// Path templates (`/v1/tasks/{id}`) split into segments, with their methods in upper case.
    private let routes: [(segments: [Substring], methods: Set<String>)]

    init(openAPI: Data) {
        let document = (try? JSONDecoder().decode(JSONValue.self, from: openAPI)) ?? .null
        var routes: [(segments: [Substring], methods: Set<String>)] = []
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            var methods = Set((item.objectValue ?? [:]).keys.map { $0.uppercased() })
                .intersection(["GET", "POST", "PUT", "PATCH", "DELETE"])
            if methods.contains("GET") {
                methods.insert("HEAD")
            }
            routes.append((path.split(separator: "/", omittingEmptySubsequences: false), methods))
        }
        self.routes = routes
    }

    /// The methods of the route `path` matches (literal segments before templates), or `nil` for no route.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = routes.filter { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { part, segment in
                part == segment || (part.hasPrefix("{") && part.hasSuffix("}") && !segment.isEmpty)
            }
        }
        let best = matching.min { $0.segments.filter { $0.hasPrefix("{") }.count < $1.segments.filter { $0.hasPrefix("{") }.count }
        return best.map { $0.methods.sorted() }
    }
}
