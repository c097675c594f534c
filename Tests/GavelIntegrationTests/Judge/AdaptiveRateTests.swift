import Foundation
import GavelTesting
import Testing

@testable import GavelHTTP
@testable import GavelJudge

/// Pacing to a judge's limits without `--rpm`: its headers when it sends them, 429s when not.
@Suite("Adaptive rate limits: x-ratelimit headers, Retry-After, AIMD")
struct AdaptiveRateTests {
    @Test("OpenAI and Anthropic rate-limit headers are read, durations and dates alike")
    func headers() {
        let openai = RateLimitHeaders(
            HTTPResponse(
                status: 200,
                headers: [
                    ("x-ratelimit-limit-requests", "3000"), ("x-ratelimit-remaining-requests", "2999"),
                    ("x-ratelimit-reset-requests", "20ms"),
                    ("x-ratelimit-limit-tokens", "150000"), ("x-ratelimit-remaining-tokens", "149000"),
                    ("x-ratelimit-reset-tokens", "6m0s"),
                ]))
        #expect(openai.requestLimit == 3000 && openai.requestsRemaining == 2999 && openai.requestsReset == .milliseconds(20))
        #expect(openai.tokenLimit == 150_000 && openai.tokensRemaining == 149_000 && openai.tokensReset == .seconds(360))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let anthropic = RateLimitHeaders(
            HTTPResponse(
                status: 200,
                headers: [
                    ("anthropic-ratelimit-requests-limit", "50"), ("anthropic-ratelimit-requests-remaining", "0"),
                    ("anthropic-ratelimit-requests-reset", "2027-01-15T08:00:02Z"),
                ]), now: now)
        #expect(anthropic.requestLimit == 50 && anthropic.requestsRemaining == 0 && anthropic.requestsReset == .seconds(2))
        #expect(RateLimitHeaders(HTTPResponse(status: 200, headers: [])).isEmpty)
        for (text, ms) in [("1s", 1000), ("1h2m3.5s", 3_723_500), ("0.25", 250), ("450ms", 450)] {
            #expect(RateLimitHeaders.duration(text) == .milliseconds(ms), "\(text)")
        }
        #expect(RateLimitHeaders.duration("soon") == nil && RateLimitHeaders.duration("5x") == nil)
    }

    @Test("the limiter takes 95% of an advertised limit unless the user set one, and never more than remains")
    func learning() async throws {
        let learned = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil)
        var h = RateLimitHeaders()
        h.requestLimit = 600
        h.requestsRemaining = 0
        h.tokenLimit = 60000
        await learned.learn(h)
        let limits = await learned.limits
        #expect(limits.requests == 570 && limits.tokens == 57000)
        let user = RateLimiter(requestsPerMinute: 100, tokensPerMinute: nil)
        await user.learn(h)
        #expect(await user.limits.requests == 100)
    }

    @Test("the window halves on a 429 once per round trip and widens by one per window of answers")
    func window() async {
        let w = AdaptiveWindow(maximum: 64)
        var tickets: [AdaptiveWindow.Ticket] = []
        for _ in 0..<16 { tickets.append(await w.acquire()) }
        await w.release(tickets.removeFirst(), .rateLimited)
        #expect(await w.size == 8)
        // A second 429 from a call sent before the decrease says nothing new.
        await w.release(tickets.removeFirst(), .rateLimited)
        #expect(await w.size == 8)
        for t in tickets { await w.release(t, .answered) }
        #expect(await w.size == 9)
        let fresh = await w.acquire()
        await w.release(fresh, .rateLimited)
        #expect(await w.size == 1)
        await w.release(await w.acquire(), .failed)
        #expect(await w.size == 1)
    }

    @Test("a judge limited to 3000 requests a minute that says so: no --rpm; after the first wave, no 429s")
    func pacedByHeaders() async throws {
        let data = SyntheticTrajectories(groups: 200, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(latencyMs: 20, limitRPM: 3000)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL,
                    "--concurrency", "64", "--cache", "off", "--max-retries", "20",
                ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let s = sim.stats.snapshot
            let limited = s.faults["rate_limited"] ?? 0
            // The first wave goes out before any header is seen (64 calls into a burst of 50); after
            // that Gavel paces to the headers, so the 429s are those of the first wave at most.
            #expect(limited <= 64 - 50 + 4, "\(limited) of \(s.requests) requests answered 429")
            #expect(s.requests - limited == 200)
        }
        #expect(try parseJSONL(try dir.read("out.jsonl")).allSatisfy { ($0["gavel"] as? [String: Any])?["score"] != nil })
    }

    @Test("a judge that hides its limits: 429s narrow the window and every group is still judged")
    func pacedByWindow() async throws {
        let data = SyntheticTrajectories(groups: 60, groupSize: 2, toolTurns: 1, toolResultChars: 10)
        let dir = try TempDir()
        let input = try dir.write("in.jsonl", data.trajectoryLines())
        try await withSimulator(.init(latencyMs: 20, limitRPM: 600, hideLimitHeaders: true)) { sim in
            let r = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL,
                    "--concurrency", "32", "--cache", "off", "--max-retries", "20",
                ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let s = sim.stats.snapshot
            #expect(s.requests - (s.faults["rate_limited"] ?? 0) == 60)
            #expect(!(sim.stats.snapshot.recentBodies.isEmpty))
        }
    }
}
