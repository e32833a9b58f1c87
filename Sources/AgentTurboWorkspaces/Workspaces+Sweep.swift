import AgentTurboCore
import Foundation

extension Workspaces {
    /// What one sweep found and did.
    public struct SweepResult: Sendable {
        /// Worktrees still on disk (running, kept, or kept because they could not be saved) and their size.
        public var usage = WorktreeUsage(count: 0, bytes: 0)
        /// A line per worktree removed.
        public var removed: [String] = []
        /// A line per worktree that should have gone but could not.
        public var problems: [String] = []
    }

    /// Goes through every task worktree under the root: one that no process holds (its attempt is over, or its
    /// worker died) is saved and removed once its retention time has passed; the others are counted. A worker
    /// runs it when it starts and then every minute.
    public func sweep(now: Date = Date()) async -> SweepResult {
        var result = SweepResult()
        let root = settings.root
        var pending: [String] = []
        for repositoryName in ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let folder = root + "/" + repositoryName
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            pending += names.sorted().filter { $0.hasSuffix(".json") }.map { folder + "/" + $0 }
        }
        // A lock can look held for a moment after its attempt let go: a process being started anywhere in the
        // worker (an agent, git) holds a copy of every open descriptor until it execs. Those found held are
        // looked at again after a pause, so an ended attempt's worktree is not left for the next sweep.
        for pause in Self.busyRechecks {
            guard !pending.isEmpty else { break }
            if pause > .zero {
                await sleepThroughCancellation(for: pause)
            }
            var held: [String] = []
            for markerPath in pending {
                switch await sweep(markerPath: markerPath, now: now, into: &result) {
                case .removed(let note): result.removed.append(note)
                case .held: held.append(markerPath)
                case .left: break
                }
            }
            pending = held
        }
        result.usage = usage()
        return result
    }

    /// The pauses before each look at the worktrees whose lock is held (the first look has none).
    static let busyRechecks: [Duration] = [.zero, .milliseconds(50), .milliseconds(250)]

    private enum SweepStep {
        case removed(String)
        /// Its lock is held: an attempt is using it (or a process being started holds a copy for a moment).
        case held
        /// Kept, or not a worktree marker.
        case left
    }

    /// Removes one worktree if its time has come.
    private func sweep(markerPath: String, now: Date, into result: inout SweepResult) async -> SweepStep {
        guard let found = WorkspaceMarker.read(markerPath) else { return .left }
        let lock: FileLock?
        do {
            lock = try FileLock.tryAcquire(String(markerPath.dropLast(5)) + ".lock")
        } catch {
            result.problems.append("\(found.path): \(error.message)")
            return .left
        }
        guard let lock else { return .held }
        defer { lock.release() }
        guard let marker = WorkspaceMarker.read(markerPath) else { return .left }  // removed meanwhile
        let due: Bool
        if marker.pinned {
            due = false
        } else if marker.finishedAt == nil {
            // Its worker died during the attempt. Wait until the supervisor has written the agent's end (it
            // stops the agent within seconds of its worker's death), or the attempt's folder is gone.
            due = marker.attemptFolder.map { folder in
                !FileManager.default.fileExists(atPath: folder) || FileManager.default.fileExists(atPath: folder + "/status")
            } ?? true
        } else {
            due = (marker.keepUntil ?? now) <= now
        }
        guard due else { return .left }
        guard let git = try? self.git.get() else { return .left }
        do {
            let repository = try await GitRepository.open(marker.repository, git: git, host: host)
            let note = try await WorktreeRemoval(
                repository: repository, marker: marker, markerPath: markerPath, identity: settings.identity
            ).run()
            lock.removeFile()
            return .removed("task \(marker.taskID): \(note)")
        } catch {
            result.problems.append("task \(marker.taskID): the worktree \(marker.path) is kept: \(error.message)")
            return .left
        }
    }

    /// Counts the worktrees under the root and the disk they take.
    public func usage() -> WorktreeUsage {
        var usage = WorktreeUsage(count: 0, bytes: 0)
        let root = settings.root
        for repositoryName in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let folder = root + "/" + repositoryName
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where !name.hasSuffix(".json") && !name.hasSuffix(".lock") && !name.hasSuffix(".tmp") && !name.hasSuffix(".index") {
                usage.count += 1
                usage.bytes += DiskUsage.bytes(of: folder + "/" + name)
            }
        }
        return usage
    }
}

extension Workspaces {
    /// The worktree of an attempt whose worker died (found by the attempt's folder), held for the caller as
    /// if it had been prepared for it: a worker that adopts the attempt's outcome saves and sums up its changes
    /// before recording it. `nil` when there is none, or another process holds it.
    public func takeOver(attemptFolder: String) async -> TaskWorkspace? {
        guard let git = try? self.git.get() else { return nil }
        let root = settings.root
        for repositoryName in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let folder = root + "/" + repositoryName
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".json") {
                let markerPath = folder + "/" + name
                // Waits a moment for the lock: a process being started can hold a copy of it briefly (see sweep).
                guard let marker = WorkspaceMarker.read(markerPath), marker.attemptFolder == attemptFolder,
                    marker.finishedAt == nil,
                    let lock = try? await FileLock.acquire(
                        String(markerPath.dropLast(5)) + ".lock", wait: .milliseconds(300), what: "the worktree of \(marker.taskID)"
                    )
                else { continue }
                guard let current = WorkspaceMarker.read(markerPath), current.attemptFolder == attemptFolder,
                    let repository = try? await GitRepository.open(current.repository, git: git, host: host)
                else {
                    lock.release()
                    return nil
                }
                return TaskWorkspace(
                    repository: repository, settings: settings, marker: current, markerPath: markerPath, lock: lock,
                    setup: nil, notes: []
                )
            }
        }
        return nil
    }
}
