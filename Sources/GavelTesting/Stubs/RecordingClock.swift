import Synchronization

/// A clock that never sleeps: each `sleep` returns at once, moves `now` to the deadline and is
/// recorded, so a unit test can check every wait a retry loop chose — Retry-After, backoff — with
/// no real time passing and no race against latency.
public final class RecordingClock: Clock, Sendable {
    public typealias Instant = ContinuousClock.Instant
    public typealias Duration = Swift.Duration

    private let state: Mutex<(now: Instant, sleeps: [Duration])>

    public init() { state = Mutex((ContinuousClock.now, [])) }

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The waits asked for, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { s in
            s.sleeps.append(max(.zero, s.now.duration(to: deadline)))
            if deadline > s.now { s.now = deadline }
        }
    }
}
