import AgentTurboCore
import Hummingbird
import Logging
import NIOCore

/// Turns every error a route throws into an ``APIError`` response: user mistakes and store errors by their
/// codes, Hummingbird's own (unknown route, wrong method, body too large) by status, and anything else into
/// a 500 whose details go to the log, not to the client.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError = Self.translate(error)
            // The router knows no route for this method; if the path has others, say which.
            if let error = error as? HTTPError, error.status == .notFound,
                let methods = routes.methods(for: request.uri.path)
            {
                apiError = APIError(
                    .methodNotAllowed, .methodNotAllowed,
                    "\(request.method.rawValue) is not allowed on \(request.uri.path): use \(methods.joined(separator: ", "))",
                    headers: [.allow: methods.joined(separator: ", ")]
                )
            }
            if apiError.status.code >= 500 {
                logger.error("request failed", metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
                ])
            }
            return try apiError.response(from: request, context: context)
        }
    }

    static func translate(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as InputError:
            return APIError(.badRequest, .invalidBody, error.message)
        case let error as StoreError:
            return translate(error)
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, .payloadTooLarge, "the request body is larger than this server accepts")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return APIError(.notFound, .notFound, "no such route: see /openapi.json for the API")
            case .methodNotAllowed:
                return APIError(.methodNotAllowed, .methodNotAllowed, "this route does not take that method: see /openapi.json")
            case .contentTooLarge:
                return APIError(.contentTooLarge, .payloadTooLarge, "the request body is larger than this server accepts")
            default:
                let code = error.status.code >= 500 ? APIError.Code.internalError : .invalidBody
                return APIError(error.status, code, error.body ?? error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, .internalError, "the server failed to answer; its log says why")
        }
    }

    static func translate(_ error: StoreError) -> APIError {
        switch error.code {
        case .notFound: APIError(.notFound, .notFound, error.message)
        case .idempotencyConflict: APIError(.unprocessableContent, .idempotencyConflict, error.message)
        case .duplicateID: APIError(.conflict, .duplicateID, error.message)
        case .invalidState, .leaseLost: APIError(.conflict, .invalidState, error.message)
        case .schemaBehind, .schemaAhead: APIError(.serviceUnavailable, .schemaMismatch, error.message)
        default: APIError(.serviceUnavailable, .unavailable, error.message)
        }
    }
}
