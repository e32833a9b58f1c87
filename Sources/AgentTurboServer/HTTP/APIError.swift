import Foundation
import HTTPTypes
import Hummingbird

/// An error the API answers with: an HTTP status and the body `{"error":{"code":...,"message":...}}`, the
/// message naming the field or parameter at fault and what to do.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// The machine-readable `error.code`. A set that grows, so a struct with static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        public init(_ name: String) {
            self.name = name
        }

        /// A task in the body is invalid (unknown field, bad value, wrong type).
        public static let invalidTask = Code("invalid_task")
        /// The body is not JSON.
        public static let invalidJSON = Code("invalid_json")
        /// The body is JSON but not what the route takes.
        public static let invalidBody = Code("invalid_body")
        /// A query parameter is unknown or has a bad value.
        public static let invalidParameter = Code("invalid_parameter")
        public static let unauthorized = Code("unauthorized")
        /// A request from another site's page, or (without a token) to a host name that is not loopback.
        public static let forbidden = Code("forbidden")
        /// No such task, or no such route.
        public static let notFound = Code("not_found")
        public static let methodNotAllowed = Code("method_not_allowed")
        /// A task with that id exists already (or appears twice in the batch).
        public static let duplicateID = Code("duplicate_id")
        /// The task is not in a state that allows the operation (retrying a pending task).
        public static let invalidState = Code("invalid_state")
        /// A valid task this server cannot run: its agent profile is unknown or unusable, or the prompt is too
        /// long for it.
        public static let agentUnavailable = Code("agent_unavailable")
        /// An `Idempotency-Key` used before with a different body.
        public static let idempotencyConflict = Code("idempotency_conflict")
        public static let payloadTooLarge = Code("payload_too_large")
        public static let unsupportedMediaType = Code("unsupported_media_type")
        /// The database cannot be reached or failed; try again.
        public static let unavailable = Code("unavailable")
        /// The database schema does not match this program (run `agent-turbo migrate`, or upgrade).
        public static let schemaMismatch = Code("schema_mismatch")
        public static let internalError = Code("internal_error")
    }

    public var status: HTTPResponse.Status
    public var code: Code
    public var message: String
    /// Sent with the error (`Allow` on a 405).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body every error response carries.
    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }

        var error: Detail
    }
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse.make(Body(error: .init(code: code.name, message: message)), status: status)
        if code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        response.headers.append(contentsOf: headers)
        return response
    }
}
