import AgentTurboCore
import Foundation

/// How a worker makes and keeps task worktrees: the `worktrees` section of the config file.
///
/// ```json
/// {"worktrees": {"root": "/var/lib/agent-turbo/worktrees", "branch_prefix": "agent-turbo/", "after_run": "commit",
///                "retention": "0s",
///                "repositories": {"/srv/app": {"copy": [".env"], "setup": ["npm", "ci"], "setup_timeout": "10m"}}}}
/// ```
public struct WorkspaceSettings: Sendable {
    /// Worktrees are made under this folder, one folder per repository.
    public var root: String
    /// Branches are named this followed by the task id.
    public var branchPrefix = BranchName.defaultPrefix
    public var afterRun = AfterRun.commit
    /// How long a worktree is kept after its attempt; `nil`: 0 when the changes are committed, a day when left.
    public var retentionSeconds: Double?
    /// Who commits when git has no identity configured.
    public var identity = GitIdentity.agentTurbo
    /// Per repository: files to copy in and a setup command.
    public var repositories: [String: RepositorySetup] = [:]
    /// The longest one git command may take (a checkout of a very large repository).
    public var gitTimeout: Duration = .seconds(600)

    public init(root: String) {
        self.root = root
    }

    /// What happens to an attempt's changes.
    public enum AfterRun: String, Sendable, Hashable, Codable {
        /// Committed on the task's branch; the worktree folder is removed (after the retention time).
        case commit
        /// Left uncommitted in the worktree for a person to look at; kept for the retention time, then committed
        /// and removed, so that nothing is lost.
        case leave
    }

    /// How long a finished attempt's worktree stays.
    public var retention: Double {
        retentionSeconds ?? (afterRun == .commit ? 0 : 86400)
    }

    /// The setup of the repository at `path` (the task's path or the repository's root), if configured.
    func setup(forRepository paths: [String]) -> RepositorySetup? {
        let wanted = Set(paths.map(Self.resolved))
        return repositories.first { wanted.contains(Self.resolved($0.key)) }?.value
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }
}

/// What a repository's worktrees get before the agent starts.
public struct RepositorySetup: Sendable, Hashable {
    /// Paths relative to the repository's root, copied to the same place in each worktree (never committed).
    public var copy: [String] = []
    /// A program and its arguments, run in the worktree (no shell: give `["sh", "-c", "..."]` for one).
    public var setup: [String]?
    public var setupTimeoutSeconds: Double = 600

    public init(copy: [String] = [], setup: [String]? = nil, setupTimeoutSeconds: Double = 600) {
        self.copy = copy
        self.setup = setup
        self.setupTimeoutSeconds = setupTimeoutSeconds
    }
}

extension WorkspaceSettings {
    /// The `worktrees` section of a config file's JSON (other sections are not looked at); defaults where it is
    /// absent. Relative paths are refused.
    public static func load(configJSON data: Data?, defaultRoot: String) throws(InputError) -> WorkspaceSettings {
        var settings = WorkspaceSettings(root: defaultRoot)
        guard let data else { return settings }
        let section: Section?
        do {
            section = try JSONDecoder().decode(File.self, from: data).worktrees
        } catch let error as InputError {
            throw InputError("worktrees: \(error.message)")
        } catch {
            throw InputError("the worktrees section is not valid: \(TaskLines.describe(error))")
        }
        guard let section else { return settings }
        if let root = section.root {
            guard root.hasPrefix("/") else { throw InputError("worktrees.root must be an absolute path, not '\(root)'") }
            settings.root = root
        }
        if let prefix = section.branchPrefix {
            do {
                try BranchName.validatePrefix(prefix)
            } catch {
                throw InputError("worktrees.branch_prefix: \(error.message)")
            }
            settings.branchPrefix = prefix
        }
        settings.afterRun = section.afterRun ?? settings.afterRun
        settings.retentionSeconds = try section.retention.map { text throws(InputError) in
            try DurationText.seconds(text, what: "worktrees.retention")
        }
        if let author = section.commitAuthor {
            settings.identity = try Self.identity(author)
        }
        for (path, entry) in section.repositories ?? [:] {
            settings.repositories[path] = try entry.validated(path: path)
        }
        return settings
    }

    /// `Name <email>`.
    static func identity(_ text: String) throws(InputError) -> GitIdentity {
        let parts = text.split(separator: "<", maxSplits: 1)
        guard parts.count == 2, text.hasSuffix(">"), !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw InputError("worktrees.commit_author must read 'Name <email>', not '\(text)'")
        }
        return GitIdentity(name: parts[0].trimmingCharacters(in: .whitespaces), email: String(parts[1].dropLast()))
    }

    private struct File: Decodable {
        var worktrees: Section?
    }

    private struct Section: Decodable {
        var root: String?
        var branchPrefix: String?
        var afterRun: AfterRun?
        var retention: String?
        var commitAuthor: String?
        var repositories: [String: RepositoryEntry]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case root
            case branchPrefix = "branch_prefix"
            case afterRun = "after_run"
            case retention
            case commitAuthor = "commit_author"
            case repositories
        }

        init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "worktrees")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            root = try c.decodeIfPresent(String.self, forKey: .root)
            branchPrefix = try c.decodeIfPresent(String.self, forKey: .branchPrefix)
            afterRun = try c.decodeIfPresent(AfterRun.self, forKey: .afterRun)
            retention = try c.decodeIfPresent(String.self, forKey: .retention)
            commitAuthor = try c.decodeIfPresent(String.self, forKey: .commitAuthor)
            repositories = try c.decodeIfPresent([String: RepositoryEntry].self, forKey: .repositories)
        }
    }

    private struct RepositoryEntry: Decodable {
        var copy: [String]?
        var setup: [String]?
        var setupTimeout: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case copy
            case setup
            case setupTimeout = "setup_timeout"
        }

        init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue), in: "a repository of worktrees.repositories")
            let c = try decoder.container(keyedBy: CodingKeys.self)
            copy = try c.decodeIfPresent([String].self, forKey: .copy)
            setup = try c.decodeIfPresent([String].self, forKey: .setup)
            setupTimeout = try c.decodeIfPresent(String.self, forKey: .setupTimeout)
        }

        func validated(path: String) throws(InputError) -> RepositorySetup {
            let name = "worktrees.repositories[\"\(path)\"]"
            guard path.hasPrefix("/") else {
                throw InputError("\(name): the repository must be named by its absolute path")
            }
            var setup = RepositorySetup()
            for file in copy ?? [] {
                let parts = file.split(separator: "/")
                guard !file.isEmpty, !file.hasPrefix("/"), !file.contains("\0"), !parts.contains(".."), !parts.isEmpty else {
                    throw InputError("\(name).copy: '\(file)' must be a path inside the repository, such as .env or config/local.yml")
                }
                setup.copy.append(file)
            }
            if let command = self.setup {
                guard let program = command.first, !program.isEmpty, !command.contains(where: { $0.contains("\0") }) else {
                    throw InputError("\(name).setup must be a program and its arguments, such as [\"npm\", \"ci\"]")
                }
                setup.setup = command
            }
            if let timeout = setupTimeout {
                let seconds = try DurationText.seconds(timeout, what: "\(name).setup_timeout")
                guard seconds >= 1 else { throw InputError("\(name).setup_timeout must be at least 1 second") }
                setup.setupTimeoutSeconds = seconds
            }
            return setup
        }
    }
}
