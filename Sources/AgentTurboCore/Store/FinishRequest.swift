import Foundation

/// One attempt's end, as a worker hands it to the store: the outcome, the output not stored yet (so that the
/// last of it and the outcome commit together), and a hold on the agent profile to set with it.
public struct FinishRequest: Sendable {
    public var attempt: AttemptRef
    public var outcome: AttemptOutcome
    public var output: [OutputPiece]
    /// Hold the profile back on every worker (invalid credentials, a limit), in the same transaction.
    public var hold: AgentHold?
    /// The outcome is what the agent did by itself (it was not stopped). Only such an outcome is still
    /// recorded after the rescuer took the task back, as long as no newer attempt was claimed: it is what
    /// happened, and it spares a run.
    public var isAgentsOwnOutcome: Bool
    /// The task's branch after the attempt (its head and diff summary), recorded with the outcome.
    public var workspace: WorkspaceReport?

    public init(
        attempt: AttemptRef, outcome: AttemptOutcome, output: [OutputPiece] = [], hold: AgentHold? = nil,
        isAgentsOwnOutcome: Bool = true, workspace: WorkspaceReport? = nil
    ) {
        self.attempt = attempt
        self.outcome = outcome
        self.output = output
        self.hold = hold
        self.isAgentsOwnOutcome = isAgentsOwnOutcome
        self.workspace = workspace
    }
}

/// What the store did with one ``FinishRequest``.
public enum FinishResult: Sendable {
    /// Recorded now; the task as it stands.
    case finished(AgentTask)
    /// This attempt's outcome was already recorded (a retry of a finish whose answer was lost).
    case alreadyRecorded(AgentTask)
    /// Not recorded: the attempt is no longer the worker's (`leaseLost`), or the task is gone.
    case refused(StoreError)

    /// The task, unless the finish was refused.
    public var task: AgentTask? {
        switch self {
        case .finished(let task), .alreadyRecorded(let task): task
        case .refused: nil
        }
    }
}
