import AgentTurboCore
import Foundation
import HTTPTypes

/// Turns a `POST /v1/tasks` body (one task object, or an array of them) into tasks, checking every one before
/// anything is stored. Each task is measured as compact JSON against the per-task cap (413), then decoded with
/// the same rules as a JSON line of `submit --file` (unknown fields refused) and validated (400 `invalid_task`).
struct TaskSubmission {
    var tasks: [NewTask]
    /// The body was an array: the response is one too.
    var isBatch: Bool

    init(_ body: JSONValue, maximumTaskBytes: Int, agents: AgentCatalog? = nil) throws(APIError) {
        let objects: [JSONValue]
        switch body {
        case .array(let elements):
            guard !elements.isEmpty else {
                throw APIError(.badRequest, .invalidTask, "the array holds no tasks: send at least one task object")
            }
            objects = elements
            isBatch = true
        case .object:
            objects = [body]
            isBatch = false
        default:
            throw APIError(
                .badRequest, .invalidTask,
                "the body must be a task object such as {\"task_description\": \"...\"} or an array of them"
            )
        }
        let encoder = JSONEncoder()
        let decoder = JSONDecoder()
        var tasks: [NewTask] = []
        tasks.reserveCapacity(objects.count)
        for (index, object) in objects.enumerated() {
            let label = isBatch ? "task \(index + 1): " : ""
            guard case .object = object else {
                throw APIError(.badRequest, .invalidTask, "\(label)a task must be a JSON object, such as {\"task_description\": \"...\"}")
            }
            let data: Data
            do {
                data = try encoder.encode(object)
            } catch {
                throw APIError(.badRequest, .invalidTask, "\(label)cannot be read: \(error)")
            }
            guard data.count <= maximumTaskBytes else {
                throw APIError(
                    .contentTooLarge, .payloadTooLarge,
                    "\(label)the task is \(data.count) bytes of JSON, more than the limit of \(maximumTaskBytes >> 20) MiB"
                )
            }
            do {
                let task = try decoder.decode(NewTask.self, from: data)
                try task.validate()
                try agents?.check(task)
                tasks.append(task)
            } catch {
                throw APIError(.badRequest, .invalidTask, label + TaskLines.describe(error))
            }
        }
        self.tasks = tasks
    }
}
