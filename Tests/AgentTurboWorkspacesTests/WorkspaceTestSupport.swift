import AgentTurboCore
import AgentTurboTestSupport
import Foundation
import Testing

@testable import AgentTurboWorkspaces

/// A repository and a worktree root of their own for one test, and shortcuts through the workspace API.
struct WorkspaceFixture {
    let repo: GitFixture
    let root: String
    var settings: WorkspaceSettings

    init(files: [String: String] = ["README.md": "# fixture\n", "notes.txt": "first line\n"]) throws {
        repo = try GitFixture(files: files)
        root = repo.directory.file("worktrees")
        settings = WorkspaceSettings(root: root)
    }

    var workspaces: Workspaces {
        Workspaces(settings: settings, environment: ProcessInfo.processInfo.environment, host: "test-host")
    }

    func request(_ taskID: String, attempt: Int = 1, base: String? = nil, recorded: WorkspaceReport? = nil, repo path: String? = nil) -> Workspaces.Request {
        Workspaces.Request(
            taskID: taskID, attempt: attempt, workerID: "test-worker", repo: path ?? repo.path, base: base,
            recorded: recorded, attemptFolder: nil
        )
    }

    func prepare(_ taskID: String, attempt: Int = 1, base: String? = nil, recorded: WorkspaceReport? = nil) async throws -> TaskWorkspace {
        try await workspaces.prepare(request(taskID, attempt: attempt, base: base, recorded: recorded))
    }

    /// The fixture's repository as the workspace code opens it.
    func repository() async throws -> GitRepository {
        try await GitRepository.open(repo.path, git: GitCommand(environment: ProcessInfo.processInfo.environment), host: "test-host")
    }

    /// Takes the repository's worktree lock, as another agent-turbo process adding a worktree holds it.
    func holdRepositoryLock() async throws -> FileLock {
        let lockPath = try await repository().lockPath
        return try #require(try FileLock.tryAcquire(lockPath))
    }

    /// Folders under the root that are worktrees (not markers or locks).
    func worktreeFolders() -> [String] {
        GitFixture.worktreeFolders(under: root)
    }

    func remove() {
        repo.remove()
    }
}

/// Throws the workspace error's code, for `#expect(throws:)`-style checks with a readable message.
func workspaceErrorCode(_ body: () async throws -> Void) async -> WorkspaceError.Code? {
    do {
        try await body()
        return nil
    } catch let error as WorkspaceError {
        return error.code
    } catch {
        Issue.record("not a WorkspaceError: \(error)")
        return nil
    }
}
