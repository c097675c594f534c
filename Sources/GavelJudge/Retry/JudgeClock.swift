/// The time a judge's retry loop and rate limiter wait on: the continuous clock, or a test's clock
/// that records each wait and returns at once.
public struct JudgeClock: Sendable {
    /// The current instant.
    public let now: @Sendable () -> ContinuousClock.Instant
    /// Waits `duration` (throws when the task is cancelled).
    public let sleep: @Sendable (Duration) async throws -> Void

    /// Real time.
    public static let continuous = JudgeClock(ContinuousClock())

    /// Any clock on the continuous clock's instants (a test's `RecordingClock`).
    public init<C: Clock & Sendable>(_ clock: C) where C.Instant == ContinuousClock.Instant {
        now = { clock.now }
        sleep = { try await clock.sleep(for: $0) }
    }
}
