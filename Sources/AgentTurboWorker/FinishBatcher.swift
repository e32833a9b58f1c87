import AgentTurboCore
import Foundation

/// Records attempts' outcomes in as few transactions as possible (group commit): an outcome that arrives
/// while none is being written goes at once; those that arrive meanwhile go together in the next
/// transaction. Many short agents ending together cost one commit, not one each.
actor FinishBatcher {
    let store: any TaskStore
    let retryPolicy: RetryPolicy
    private var waiting: [(request: FinishRequest, continuation: CheckedContinuation<Result<FinishResult, any Error>, Never>)] = []
    private var writing = false

    /// Most attempts, and about the most output bytes, in one transaction.
    static let maximumAttempts = 64
    static let maximumOutputBytes = 4 << 20

    init(store: any TaskStore, retryPolicy: RetryPolicy) {
        self.store = store
        self.retryPolicy = retryPolicy
    }

    /// Records one attempt's end; throws when the transaction it went in failed as a whole.
    func finish(_ request: FinishRequest) async throws -> FinishResult {
        let result = await withCheckedContinuation { continuation in
            waiting.append((request, continuation))
            if !writing {
                writing = true
                // Not a child of the caller: an outcome being recorded is never cancelled with it.
                Task { await self.writeAll() }
            }
        }
        return try result.get()
    }

    private func writeAll() async {
        while !waiting.isEmpty {
            var count = 0
            var bytes = 0
            for entry in waiting {
                let size = entry.request.output.reduce(0) { $0 + $1.data.count }
                if count > 0, count >= Self.maximumAttempts || bytes + size > Self.maximumOutputBytes {
                    break
                }
                count += 1
                bytes += size
            }
            let batch = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            do {
                let results = try await store.finish(batch.map(\.request), retryPolicy: retryPolicy)
                for (entry, result) in zip(batch, results) {
                    entry.continuation.resume(returning: .success(result))
                }
            } catch let error as StoreError where error.code == .unavailable || batch.count == 1 {
                for entry in batch {
                    entry.continuation.resume(returning: .failure(error))
                }
            } catch {
                // One request the database refuses must not take the others down: each alone, then.
                for entry in batch {
                    do {
                        let result = try await store.finish([entry.request], retryPolicy: retryPolicy)[0]
                        entry.continuation.resume(returning: .success(result))
                    } catch {
                        entry.continuation.resume(returning: .failure(error))
                    }
                }
            }
        }
        writing = false
    }
}
