import AgentTurboCore
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/tasks`: submit, list, show, cancel, retry, and the audit trail.
struct TaskRoutes: Sendable {
    let store: any TaskStore
    let limits: APIServer.RequestLimits
    let agents: AgentCatalog?

    /// Who the audit trail names for changes made through the API.
    static let actor = "api"

    func register(on router: Router<some RequestContext>) {
        router.post("/v1/tasks") { request, _ in try await submit(request) }
        router.get("/v1/tasks") { request, _ in try await list(request) }
        router.get("/v1/tasks/{id}") { request, context in try await show(request, id: context.parameters.require("id")) }
        router.post("/v1/tasks/{id}/cancel") { request, context in
            try await cancel(request, id: context.parameters.require("id"))
        }
        router.post("/v1/tasks/{id}/retry") { request, context in
            try await retry(request, id: context.parameters.require("id"))
        }
        router.get("/v1/tasks/{id}/events") { request, context in
            try await events(request, id: context.parameters.require("id"))
        }
    }

    func submit(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let key = request.headers[.idempotencyKey]
        if let key {
            do {
                try IdempotencyKey.validate(key)
            } catch {
                throw APIError(.badRequest, .invalidParameter, "Idempotency-Key: \(error.message)")
            }
        }
        let body = try await JSONRequestBody.readData(request, limit: limits.maximumRequestBytes)
        let submission = try TaskSubmission(body ?? Data(), maximumTaskBytes: limits.maximumTaskBytes, agents: agents)
        let result: SubmitResult
        do {
            result = try await store.submit(submission.tasks, by: Self.actor, idempotencyKey: key)
        } catch let error as InputError {
            throw APIError(.badRequest, .invalidTask, error.message)
        }
        let added = result.tasks
        // A replay answers as the first submit did (its tasks, as they are now), marked as a replay.
        var response = submission.isBatch || added.isEmpty
            ? try JSONResponse.make(added, status: .created) : try JSONResponse.make(added[0], status: .created)
        if !submission.isBatch, let task = added.first {
            response.headers[.location] = "/v1/tasks/\(task.taskID)"
        }
        if result.replayed {
            response.headers[.idempotentReplayed] = "true"
        }
        return response
    }

    func list(_ request: Request) async throws -> Response {
        let query = try QueryParameters(
            request, allowed: ["status", "type", "agent", "worker", "batch", "limit", "after", "search"]
        )
        let limit = try query.int("limit", in: 1...TaskFilter.maximumLimit) ?? TaskFilter.defaultLimit
        var filter = TaskFilter(limit: limit, after: query.string("after"))
        filter.search = query.string("search")
        let statusNames = try query.list("status")
        do {
            filter.statuses = Set(try statusNames.map { text throws(InputError) in try TaskStatus.parse(text) })
        } catch {
            throw APIError(.badRequest, .invalidParameter, "status: \(error.message)")
        }
        filter.taskTypes = Set(try query.list("type"))
        filter.agents = Set(try query.list("agent"))
        filter.workerID = query.string("worker")
        filter.batchID = query.string("batch")
        let page: TaskPage
        do {
            page = try await store.taskPage(matching: filter)
        } catch let error as InputError {
            throw APIError(.badRequest, .invalidParameter, error.message)
        }
        return try JSONResponse.make(TaskListBody(tasks: page.tasks, nextAfter: page.nextAfter))
    }

    func show(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        return try JSONResponse.make(try await store.detail(of: id))
    }

    func cancel(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        var reason: String?
        if let body = try await JSONRequestBody.read(request, limit: 256 << 10, optional: true) {
            do {
                reason = try JSONValueDecoder.decode(CancelRequestBody.self, from: body).reason
            } catch {
                throw APIError(.badRequest, .invalidBody, TaskLines.describe(error))
            }
        }
        let result = try await store.cancel(id, reason: reason, by: Self.actor)
        return try JSONResponse.make(CancelBody(result))
    }

    func retry(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        return try JSONResponse.make(try await store.retry(id, by: Self.actor))
    }

    func events(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        _ = try await store.existingTask(id)
        return try JSONResponse.make(EventsBody(events: try await store.actions(for: id)))
    }
}

extension HTTPField.Name {
    /// Makes a submit idempotent: a retry with the same key and body adds nothing and returns the first one's tasks.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// `true` on the answer to such a retry.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
