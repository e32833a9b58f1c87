import AgentTurboAgents
import Testing

@testable import AgentTurboWorker

/// The attempt's lifecycle with a clock the test drives: no processes, no sleeping.
@Suite("Attempt lifecycle")
struct AttemptLifecycleTests {
    let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    func at(_ seconds: Double) -> MonotonicInstant { start + .seconds(fractional: seconds) }

    func lifecycle(timeout: Double = 3, killGrace: Double = 5, lease: Double = 60, fenceMargin: Double = 7) -> AttemptLifecycle {
        var lifecycle = AttemptLifecycle(
            timing: .init(timeout: .seconds(fractional: timeout), killGrace: .seconds(fractional: killGrace), fenceMargin: .seconds(fractional: fenceMargin)),
            leaseValidUntil: at(lease)
        )
        #expect(lifecycle.started(at: start).isEmpty)
        return lifecycle
    }

    @Test("An agent that ends in time is what it did; nothing is signalled")
    func natural() {
        var attempt = lifecycle()
        #expect(attempt.advance(to: at(2.9)).isEmpty)
        #expect(attempt.ended(at: at(2.9)) == .natural)
        #expect(attempt.nextWakeup == nil)
    }

    @Test("The deadline asks the agent to stop, the grace kills it, a silent supervisor is killed too")
    func deadline() {
        var attempt = lifecycle(timeout: 3, killGrace: 5)
        #expect(attempt.nextWakeup == at(3))
        #expect(attempt.advance(to: at(3)) == [.terminate])
        #expect(attempt.nextWakeup == at(8))
        #expect(attempt.advance(to: at(7.9)).isEmpty)
        #expect(attempt.advance(to: at(8)) == [.kill])
        #expect(attempt.advance(to: at(12.9)).isEmpty)
        #expect(attempt.advance(to: at(13)) == [.forceKill])
        #expect(attempt.advance(to: at(100)).isEmpty)
        #expect(attempt.ended(at: at(13.1)) == .stopped(.timeout(seconds: 3)))
    }

    @Test("An agent that ended before its deadline is recorded as it ended, however late the worker noticed")
    func endedBeforeTheDeadline() {
        var attempt = lifecycle(timeout: 3)
        // The worker was busy (storing 20 MB, a loaded machine) and the deadline fired first.
        #expect(attempt.advance(to: at(3.4)) == [.terminate])
        #expect(attempt.ended(at: at(2.9)) == .natural)
    }

    @Test("An agent that ended before the drain's stop is recorded as it ended, not requeued")
    func endedBeforeTheDrain() {
        var attempt = lifecycle(timeout: 300)
        #expect(attempt.requestStop(.shutdown, at: at(1)) == [.terminate])
        #expect(attempt.ended(at: at(0.999)) == .natural)
        var other = lifecycle(timeout: 300)
        _ = other.requestStop(.shutdown, at: at(1))
        #expect(other.ended(at: at(1.2)) == .stopped(.shutdown))
        // Its supervisor saw its end late (descheduled on a loaded machine) but never signalled it: its own end.
        var late = lifecycle(timeout: 300)
        _ = late.requestStop(.shutdown, at: at(1))
        #expect(late.ended(at: at(1.2), stopDelivered: false) == .natural)
        var signalled = lifecycle(timeout: 300)
        _ = signalled.requestStop(.shutdown, at: at(1))
        #expect(signalled.ended(at: at(1.2), stopDelivered: true) == .stopped(.shutdown))
    }

    @Test("The first reason wins; a second shutdown signal kills at once")
    func firstReasonWins() {
        var attempt = lifecycle(timeout: 300, killGrace: 600)
        #expect(attempt.requestStop(.cancelRequested, at: at(1)) == [.terminate])
        #expect(attempt.requestStop(.shutdown, at: at(2)).isEmpty)
        #expect(attempt.requestStop(.shutdown, immediately: true, at: at(3)) == [.kill])
        #expect(attempt.requestStop(.shutdown, immediately: true, at: at(4)).isEmpty)
        #expect(attempt.ended(at: at(3.1)) == .stopped(.cancelRequested))
    }

    @Test("A lease that cannot be renewed stops the agent early enough that it is gone before the lease runs out")
    func fence() {
        var attempt = lifecycle(timeout: 3600, killGrace: 5, lease: 60, fenceMargin: 7)
        #expect(attempt.nextWakeup == at(53))
        #expect(attempt.advance(to: at(52.9)).isEmpty)
        #expect(attempt.advance(to: at(53)) == [.terminate])
        // Killed within half the margin: before the lease ends, whatever the kill grace.
        #expect(attempt.nextWakeup == at(56.5))
        #expect(attempt.advance(to: at(56.5)) == [.kill])
        #expect(attempt.ended(at: at(56.6)) == .stopped(.fenced))
    }

    @Test("A renewal moves the fence; one that comes late does not shorten the lease")
    func renewal() {
        var attempt = lifecycle(timeout: 3600, lease: 60, fenceMargin: 7)
        attempt.leaseRenewed(validUntil: at(75))
        #expect(attempt.advance(to: at(53)).isEmpty)
        attempt.leaseRenewed(validUntil: at(70))
        #expect(attempt.nextWakeup == at(68))
    }

    @Test("A lease lost to another worker kills at once")
    func leaseLost() {
        var attempt = lifecycle(timeout: 3600)
        #expect(attempt.requestStop(.leaseLost, at: at(10)) == [.terminate, .kill])
        #expect(attempt.ended(at: at(10.1)) == .stopped(.leaseLost))
    }

    @Test("A stop asked for before the agent started is delivered as it starts")
    func stopBeforeStart() {
        var attempt = AttemptLifecycle(
            timing: .init(timeout: .seconds(10), killGrace: .seconds(5), fenceMargin: .seconds(7)), leaseValidUntil: at(60)
        )
        #expect(attempt.requestStop(.cancelRequested, at: at(0)).isEmpty)
        #expect(attempt.nextWakeup == nil)
        #expect(attempt.started(at: at(0.1)) == [.terminate])
        var killed = AttemptLifecycle(
            timing: .init(timeout: .seconds(10), killGrace: .seconds(5), fenceMargin: .seconds(7)), leaseValidUntil: at(60)
        )
        _ = killed.requestStop(.shutdown, immediately: true, at: at(0))
        #expect(killed.started(at: at(0.1)) == [.terminate, .kill])
    }

    @Test("Once the agent ended nothing more is signalled")
    func nothingAfterTheEnd() {
        var attempt = lifecycle(timeout: 1)
        _ = attempt.ended(at: at(0.5))
        #expect(attempt.advance(to: at(100)).isEmpty)
        #expect(attempt.requestStop(.cancelRequested, at: at(100)).isEmpty)
    }

    @Test("Lease arithmetic: the defaults ride out a 30 s outage; a short lease still fences before it ends")
    func leaseTiming() {
        let standard = LeaseTiming(leaseSeconds: 60, killGraceSeconds: 5)
        #expect(standard.renewInterval == .seconds(15))
        #expect(standard.fenceMargin == .seconds(7))
        #expect(standard.rescueGrace == .seconds(5))
        // The last renewal before an outage was at most one interval before it: the agent may run this long
        // into the outage before the fence.
        #expect(standard.lease - standard.renewInterval - standard.fenceMargin >= .seconds(30))
        let short = LeaseTiming(leaseSeconds: 5, killGraceSeconds: 5)
        #expect(short.fenceMargin == .milliseconds(2500))
        #expect(short.renewalDeadline < short.lease)
    }
}
