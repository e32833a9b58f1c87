/// Waits for `duration` even when the calling task is cancelled.
///
/// `try? await Task.sleep(for:)` returns at once in a cancelled task, so a polling loop built on it spins
/// without ever suspending: a few such loops hold every thread of the cooperative pool, and the task they
/// poll for (a lock holder, a process reaper) can no longer run. Loops that must go on until something
/// outside them happens wait with this instead.
public func sleepThroughCancellation(for duration: Duration) async {
    await Task.detached {
        try? await Task.sleep(for: duration)
    }.value
}
