/// A wake-up that coalesces: any number of `signal()` calls wake one `wait` once. A wait also ends at its
/// timeout, which is how polling stays the fallback.
actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation = 0

    nonisolated func signal() {
        Task { await self.fire(generation: nil) }
    }

    func wait(timeout: Duration) async {
        if pending {
            pending = false
            return
        }
        generation += 1
        let current = generation
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.fire(generation: current)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiter = continuation
            }
        } onCancel: {
            Task { await self.fire(generation: nil) }
        }
        timer.cancel()
    }

    /// `generation` is set by a timer, which only ends the wait it was started for.
    private func fire(generation: Int?) {
        if let generation, generation != self.generation {
            return
        }
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else if generation == nil {
            pending = true
        }
    }
}
