import AgentTurboCore
import Foundation
import HTTPTypes

/// Turns a `POST /v1/tasks` body (one task object, or an array of them) into tasks, checking every one before
/// anything is stored. Each task is measured as compact JSON against the per-task cap (413), then decoded with
/// the same rules as a JSON line of `submit --file` (unknown fields refused) and validated (400 `invalid_task`),
/// then checked against the server's agent profiles (422 `agent_unavailable`: an unknown profile, one that cannot
/// run yet, a prompt too long for it).
///
/// The body is read with `JSONSerialization`, which keeps integers exact (a `JSONValue` holds numbers as
/// doubles, so 2^53 + 1 or 2^63 would change on the way), and each task is decoded from its own exact text.
/// `run_after` takes only the two forms the OpenAPI document describes: an RFC 3339 timestamp or a delay
/// `+N[unit]`.
struct TaskSubmission {
    var tasks: [NewTask]
    /// The body was an array: the response is one too.
    var isBatch: Bool

    init(_ body: Data, maximumTaskBytes: Int, agents: AgentCatalog? = nil) throws(APIError) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw JSONRequestBody.notJSON()
        }
        let objects: [Any]
        switch parsed {
        case let elements as [Any]:
            guard !elements.isEmpty else {
                throw APIError(.badRequest, .invalidTask, "the array holds no tasks: send at least one task object")
            }
            objects = elements
            isBatch = true
        case is [String: Any]:
            objects = [parsed]
            isBatch = false
        default:
            throw APIError(
                .badRequest, .invalidTask,
                "the body must be a task object such as {\"task_description\": \"...\"} or an array of them"
            )
        }
        if let duplicate = DuplicateJSONKeys.first(in: body) {
            throw APIError(.badRequest, .invalidTask, duplicate.message(elementLabel: isBatch ? "task" : nil))
        }
        var tasks: [NewTask] = []
        tasks.reserveCapacity(objects.count)
        for (index, object) in objects.enumerated() {
            let label = isBatch ? "task \(index + 1): " : ""
            let task = try Self.task(object, label: label, maximumBytes: maximumTaskBytes)
            // The task is valid; whether this server can run it depends on its profiles: a 422.
            do {
                try agents?.check(task)
            } catch {
                throw APIError(.unprocessableContent, .agentUnavailable, label + error.message)
            }
            tasks.append(task)
        }
        self.tasks = tasks
    }

    private static func task(_ object: Any, label: String, maximumBytes: Int) throws(APIError) -> NewTask {
        guard let fields = object as? [String: Any] else {
            throw APIError(.badRequest, .invalidTask, "\(label)a task must be a JSON object, such as {\"task_description\": \"...\"}")
        }
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: fields)
        } catch {
            throw APIError(.badRequest, .invalidTask, "\(label)cannot be read: \(error)")
        }
        guard data.count <= maximumBytes else {
            throw APIError(
                .contentTooLarge, .payloadTooLarge,
                "\(label)the task is \(data.count) bytes of JSON, more than the limit of \(maximumBytes >> 20) MiB"
            )
        }
        do {
            if let field = Self.nullField(in: fields) {
                throw InputError("\(field) is null: leave it out to get the default")
            }
            if let field = Self.fieldWithNUL(in: fields) {
                throw InputError("\(field) contains a NUL character, which no agent can receive and PostgreSQL cannot store")
            }
            try Self.checkIntegerRanges(fields)
            // run_after in the API's two forms, read here; the rest as a JSON line of `submit --file`.
            var rest = fields
            var runAfter: Date?
            if let text = fields["run_after"] as? String {
                guard let date = RunAfterText.date(text) else {
                    throw InputError(
                        "run_after '\(text)' is neither a timestamp such as 2026-12-01T09:00:00Z nor a delay such as +30s, +15m or +2h"
                    )
                }
                runAfter = date
                rest["run_after"] = nil
            }
            var task = try JSONDecoder().decode(NewTask.self, from: try JSONSerialization.data(withJSONObject: rest))
            task.runAfter = runAfter ?? task.runAfter
            try task.validate()
            return task
        } catch {
            throw APIError(.badRequest, .invalidTask, label + TaskLines.describe(error))
        }
    }

    /// Integers beyond 64 bits would otherwise be reported by the decoder as JSON it cannot read.
    private static func checkIntegerRanges(_ fields: [String: Any]) throws(InputError) {
        let options = fields["agent_options"] as? [String: Any] ?? [:]
        let integers = [
            ("task_priority", fields["task_priority"]), ("timeout_seconds", fields["timeout_seconds"]),
            ("max_retries", fields["max_retries"]), ("agent_options.max_turns", options["max_turns"]),
        ]
        for case let (name, number as NSNumber) in integers where Int64(number.stringValue) == nil {
            if let value = Double(number.stringValue), value.rounded() == value, abs(value) < 9.2e18 {
                continue  // 1e3 or 5.0: an integer written another way
            }
            throw InputError("'\(name)' should be an integer of at most 64 bits, not \(number.stringValue)")
        }
    }

    /// The first field whose text (or one of whose texts, in a list or `agent_options`) holds U+0000.
    private static func fieldWithNUL(in fields: [String: Any]) -> String? {
        func holdsNUL(_ value: Any) -> Bool {
            switch value {
            case let text as String: text.contains("\u{0}")
            case let list as [Any]: list.contains(where: holdsNUL)
            case let object as [String: Any]: object.contains { $0.key.contains("\u{0}") || holdsNUL($0.value) }
            default: false
            }
        }
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if let nested = value as? [String: Any], let inner = fieldWithNUL(in: nested) {
                return "\(key).\(inner)"
            }
            if holdsNUL(value) {
                return key
            }
        }
        return nil
    }

    /// The first field (or `agent_options` field) whose value is `null`: the document gives every field a type,
    /// and a default is had by leaving the field out.
    private static func nullField(in fields: [String: Any]) -> String? {
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            if value is NSNull {
                return key
            }
            if let nested = value as? [String: Any], let inner = nullField(in: nested) {
                return "\(key).\(inner)"
            }
        }
        return nil
    }
}

/// The forms of `run_after` the API takes: an RFC 3339 date-time (any fraction of a second, `Z` or an offset),
/// or a delay `+N` with an optional unit (`ms`, `s`, `m`, `h`, `d`, `w`; seconds without one), N at most five
/// digits with up to three decimals.
enum RunAfterText {
    static let delayPattern = #"^\+[0-9]{1,5}(\.[0-9]{1,3})?(ms|s|m|h|d|w)?$"#
    static let timestampPattern =
        #"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|([+-])([0-9]{2}):([0-9]{2}))$"#

    /// The instant `text` names, `nil` when it is in neither form.
    static func date(_ text: String, now: Date = Date()) -> Date? {
        if text.range(of: delayPattern, options: .regularExpression) != nil {
            return (try? DurationText.seconds(String(text.dropFirst()), what: "run_after")).map { now.addingTimeInterval($0) }
        }
        return timestamp(text)
    }

    /// The instant of an RFC 3339 date-time, `nil` for anything else (a day that does not exist included).
    static func timestamp(_ text: String) -> Date? {
        guard let regex = try? NSRegularExpression(pattern: timestampPattern),
            let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        func part(_ index: Int) -> String? {
            Range(match.range(at: index), in: text).map { String(text[$0]) }
        }
        guard let year = part(1).flatMap(Int.init), let month = part(2).flatMap(Int.init), let day = part(3).flatMap(Int.init),
            let hour = part(4).flatMap(Int.init), let minute = part(5).flatMap(Int.init),
            let second = part(6).flatMap(Int.init), (1...12).contains(month), (0...23).contains(hour),
            (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let midnight = calendar.date(from: components),
            calendar.component(.day, from: midnight) == day, calendar.component(.month, from: midnight) == month
        else { return nil }
        var offset = 0
        if let sign = part(9), let hours = part(10).flatMap(Int.init), let minutes = part(11).flatMap(Int.init) {
            guard hours <= 23, minutes <= 59 else { return nil }
            offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        let fraction = part(7).flatMap { Double("0" + $0) } ?? 0
        // A leap second (:60) is the first instant of the next minute.
        let seconds = Double(hour * 3600 + minute * 60 + second) + fraction - Double(offset)
        return midnight.addingTimeInterval(seconds)
    }
}
