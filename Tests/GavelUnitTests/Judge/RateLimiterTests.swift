import GavelHTTP
import GavelTesting
import Testing

@testable import GavelJudge

/// The rate limiter on a clock that never sleeps: each wait it chose is recorded, so the buckets'
/// pacing, a judge's Retry-After and learned limits are checked exactly.
@Suite("Rate limiter: buckets, pauses and learned limits, on a recording clock")
struct RateLimiterTests {
    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    @Test("60 requests a minute: a second's worth at once, then one a second")
    func requestPacing() async throws {
        let clock = RecordingClock()
        let limiter = RateLimiter(requestsPerMinute: 60, tokensPerMinute: nil, clock: JudgeClock(clock))
        for _ in 0..<4 { try await limiter.acquire(tokens: 0) }
        let waits = clock.sleeps.map(Self.seconds)
        #expect(waits.count == 3)
        #expect(waits.allSatisfy { abs($0 - 1) < 0.01 }, "\(waits)")
    }

    @Test("tokens: a call's estimate waits for the bucket; an estimate above a second's worth waits for a full bucket only")
    func tokenPacing() async throws {
        let clock = RecordingClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6000, clock: JudgeClock(clock))  // 100 a second
        try await limiter.acquire(tokens: 100)
        try await limiter.acquire(tokens: 50)
        try await limiter.acquire(tokens: 10_000)
        let waits = clock.sleeps.map(Self.seconds)
        #expect(waits.count == 2)
        #expect(abs(waits[0] - 0.5) < 0.01 && abs(waits[1] - 1) < 0.01, "\(waits)")
    }

    @Test("a Retry-After holds every caller until it has passed; a shorter one does not cut it short")
    func pause() async throws {
        let clock = RecordingClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: JudgeClock(clock))
        await limiter.pause(for: .seconds(5))
        await limiter.pause(for: .seconds(2))
        try await limiter.acquire(tokens: 10)
        try await limiter.acquire(tokens: 10)
        let waits = clock.sleeps.map(Self.seconds)
        #expect(waits.count == 1 && abs(waits[0] - 5) < 0.01, "\(waits)")
    }

    @Test("unlimited until the judge advertises a limit: then 95% of it, never above what it says remains")
    func learned() async throws {
        let clock = RecordingClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: JudgeClock(clock))
        for _ in 0..<50 { try await limiter.acquire(tokens: 0) }
        #expect(clock.sleeps.isEmpty)
        await limiter.learn(
            RateLimitHeaders(
                HTTPResponse(status: 200, headers: [("x-ratelimit-limit-requests", "600"), ("x-ratelimit-remaining-requests", "0")])))
        #expect(await limiter.limits.requests == 570)
        try await limiter.acquire(tokens: 0)
        let waits = clock.sleeps.map(Self.seconds)
        #expect(waits.count == 1 && abs(waits[0] - 60.0 / 570) < 0.01, "\(waits)")
    }
}
