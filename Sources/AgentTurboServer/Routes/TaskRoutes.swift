import AgentTurboCore
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
        let body = try await JSONRequestBody.read(request, limit: limits.maximumRequestBytes)
        let submission = try TaskSubmission(body ?? .null, maximumTaskBytes: limits.maximumTaskBytes, agents: agents)
        let added: [AgentTask]
        do {
            added = try await store.submit(submission.tasks, by: Self.actor)
        } catch let error as InputError {
            throw APIError(.badRequest, .invalidTask, error.message)
        }
        if submission.isBatch {
            return try JSONResponse.make(added, status: .created)
        }
        var response = try JSONResponse.make(added[0], status: .created)
        response.headers[.location] = "/v1/tasks/\(added[0].taskID)"
        return response
    }

    func list(_ request: Request) async throws -> Response {
        let query = try QueryParameters(request, allowed: ["status", "type", "agent", "worker", "batch", "limit", "after"])
        let limit = try query.int("limit", in: 1...TaskFilter.maximumLimit) ?? TaskFilter.defaultLimit
        var filter = TaskFilter(limit: limit, after: query.string("after"))
        do {
            filter.statuses = Set(try query.list("status").map { text throws(InputError) in try TaskStatus.parse(text) })
        } catch {
            throw APIError(.badRequest, .invalidParameter, "status: \(error.message)")
        }
        filter.taskTypes = Set(query.list("type"))
        filter.agents = Set(query.list("agent"))
        filter.workerID = query.string("worker")
        filter.batchID = query.string("batch")
        if let after = filter.after, try await store.task(after) == nil {
            throw APIError(.badRequest, .invalidParameter, "after names no task: '\(after)' does not exist")
        }
        // One more than asked tells whether another page follows, so the last page never comes back empty.
        filter.limit = limit + 1
        var tasks = try await store.tasks(matching: filter)
        var nextAfter: String?
        if tasks.count > limit {
            tasks.removeLast(tasks.count - limit)
            nextAfter = tasks.last?.taskID
        }
        return try JSONResponse.make(TaskListBody(tasks: tasks, nextAfter: nextAfter))
    }

    func show(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let task = try await store.existingTask(id)
        let detail = TaskDetail(task: task, attempts: try await store.attempts(for: id), actions: try await store.actions(for: id))
        return try JSONResponse.make(detail)
    }

    func cancel(_ request: Request, id: String) async throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        var reason: String?
        if let body = try await JSONRequestBody.read(request, limit: 64 << 10, optional: true) {
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
