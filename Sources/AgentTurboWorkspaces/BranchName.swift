import Foundation

/// The branch of a task: the configured prefix followed by the task id, spelled so that git accepts it.
///
/// Task ids may hold `:` and `.` patterns git refuses in a ref (`..`, a leading `.`, a trailing `.lock`); those
/// characters are written as `%XX`, which no task id contains, so two ids never share a branch.
public enum BranchName {
    /// The default prefix: `agent-turbo/<task id>`.
    public static let defaultPrefix = "agent-turbo/"

    public static func make(prefix: String, taskID: String) -> String {
        prefix + escape(taskID)
    }

    /// The task id as one ref component.
    static func escape(_ id: String) -> String {
        var text = id.replacingOccurrences(of: ":", with: "%3A")
        while text.contains("..") {
            text = text.replacingOccurrences(of: "..", with: ".%2E")
        }
        if text.hasPrefix(".") {
            text = "%2E" + text.dropFirst()
        }
        if text.hasSuffix(".") {
            text = text.dropLast() + "%2E"
        }
        if text.hasSuffix(".lock") {
            text = text.dropLast(5) + "%2Elock"
        }
        return text
    }

    /// Checks a prefix from the config file: the rules of `git check-ref-format` that a prefix can break.
    public static func validatePrefix(_ prefix: String) throws(WorkspaceError) {
        let bad: (String) -> WorkspaceError = { why in
            WorkspaceError(.badBranchName, "the branch prefix '\(prefix)' \(why): use letters, digits, '-', '_', '.' and '/', such as 'agent-turbo/'")
        }
        guard prefix.count <= 100 else { throw bad("is longer than 100 characters") }
        guard !prefix.hasPrefix("/"), !prefix.hasPrefix("-"), !prefix.contains("//"), !prefix.contains("..") else {
            throw bad("starts with '/' or '-', or holds '//' or '..'")
        }
        let forbidden = Set(" ~^:?*[\\\t\n@{")
        guard !prefix.contains(where: { forbidden.contains($0) || $0.asciiValue.map { $0 < 32 || $0 == 127 } == true }) else {
            throw bad("holds a character git refuses in branch names")
        }
        for component in prefix.split(separator: "/") where component.hasPrefix(".") || component.hasSuffix(".lock") {
            throw bad("has a part that starts with '.' or ends with '.lock'")
        }
    }
}
