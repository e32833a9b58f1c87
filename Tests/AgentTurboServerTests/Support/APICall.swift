import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A response with its body parsed, checked against the OpenAPI document on the way.
struct APIResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var data: Data

    var text: String { String(decoding: data, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String { (object["error"] as? [String: Any])?["message"] as? String ?? "" }
    var contentType: String { headers[.contentType] ?? "" }
}

extension TestClientProtocol {
    /// Sends a request (JSON content type when a body is given) and checks the response against the OpenAPI
    /// document: the status must be documented for the route, and a JSON body must match its schema.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        var headers = headers
        if body != nil, headers[.contentType] == nil {
            headers[.contentType] = "application/json"
        }
        let response = try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let result = APIResponse(status: Int(response.status.code), headers: response.headers, data: Data(response.body.readableBytesView))
        let problems = OpenAPIDocument.shared.check(method: method.rawValue, uri: uri, response: result)
        #expect(problems.isEmpty, "\(method.rawValue) \(uri) → \(result.status) breaks openapi.json: \(problems.joined(separator: "; ")) body: \(result.text.prefix(500))", sourceLocation: sourceLocation)
        return result
    }
}
