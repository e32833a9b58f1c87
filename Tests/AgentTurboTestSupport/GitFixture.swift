import Foundation

/// A real git repository in a temporary folder, with a first commit, for tests of task worktrees; and git run
/// directly to look at what they left.
public struct GitFixture: Sendable {
    public let directory: TemporaryDirectory
    /// The main checkout.
    public let path: String

    /// A repository holding `files` (path → content) in its first commit on `main`.
    public init(files: [String: String] = ["README.md": "# fixture\n", "notes.txt": "first line\n"], prefix: String = "agent-turbo-git") throws {
        directory = try TemporaryDirectory(prefix: prefix)
        path = directory.file("repo")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.git(in: path, ["init", "--quiet", "--initial-branch=main"])
        try Self.git(in: path, ["config", "user.name", "Fixture"])
        try Self.git(in: path, ["config", "user.email", "fixture@example.invalid"])
        for (file, content) in files {
            try write(file, content)
        }
        try Self.git(in: path, ["add", "--all"])
        try Self.git(in: path, ["commit", "--quiet", "-m", "first"])
    }

    public func write(_ file: String, _ content: String, in folder: String? = nil) throws {
        let target = (folder ?? path) + "/" + file
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path, withIntermediateDirectories: true
        )
        try content.write(toFile: target, atomically: true, encoding: .utf8)
    }

    /// Runs git in the main checkout; throws with git's message if it fails.
    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        try Self.git(in: path, arguments)
    }

    /// Local branches.
    public func branches() throws -> [String] {
        try git(["for-each-ref", "--format=%(refname:short)", "refs/heads"]).split(separator: "\n").map(String.init)
    }

    /// A file as a branch (or any commit) holds it; `nil` if it does not.
    public func file(_ name: String, at ref: String) -> String? {
        try? git(["show", "\(ref):\(name)"])
    }

    /// The main checkout's `git status --porcelain` (empty when untouched) and its HEAD.
    public func mainState() throws -> (status: String, head: String, branch: String) {
        (try git(["status", "--porcelain", "--untracked-files=all"]), try git(["rev-parse", "HEAD"]),
         try git(["symbolic-ref", "--short", "HEAD"]))
    }

    @discardableResult
    public static func git(in folder: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw GitFixtureError(message: "git \(arguments.joined(separator: " ")): \(String(decoding: errorData, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func remove() {
        directory.remove()
    }

    /// Task worktree folders under a worktree root (`<root>/<repository>/<task>`), not their markers or locks.
    public static func worktreeFolders(under root: String) -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? [])
                .filter { !$0.hasSuffix(".json") && !$0.hasSuffix(".lock") }
                .map { root + "/" + folder + "/" + $0 }
        }
    }
}

public struct GitFixtureError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
