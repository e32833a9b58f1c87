import AgentTurboCore
import AgentTurboWorkspaces
import Foundation
import Logging
import Synchronization

extension Worker {
    /// Once at start (after adoption), after each worktree attempt, and every `workspaceSweepInterval`: saves
    /// and removes the task worktrees on this host that no attempt holds and whose retention time has passed
    /// (those a dead worker left included), and measures the disk the others take for the heartbeat.
    func workspaceSweepLoop() async {
        while !Task.isCancelled {
            let result = await workspaces.sweep()
            worktreeUsage.withLock { $0 = result.usage }
            for line in result.removed {
                logger.info("worktree cleanup: \(line)")
            }
            for line in result.problems {
                logger.warning("worktree cleanup: \(line)")
            }
            await sweepWake.wait(timeout: .seconds(configuration.workspaceSweepInterval))
        }
    }
}
