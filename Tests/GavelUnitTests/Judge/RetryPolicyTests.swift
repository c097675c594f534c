import Foundation
import GavelHTTP
import Testing

@testable import GavelJudge

/// The retry policy on its own: which answers are retried, how long each wait is, when to stop.
@Suite("Retry policy: backoff with jitter, Retry-After, the retry limit")
struct RetryPolicyTests {
    @Test("full jitter: uniform up to base·2^failures, capped; the jitter's ends give 0 and the cap")
    func backoff() {
        let top = RetryPolicy(maxRetries: 6, baseBackoff: .milliseconds(500), maxBackoff: .seconds(30), jitter: { 1 })
        #expect((0...7).map { top.backoff(afterFailures: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30].map { .milliseconds(Int($0 * 1000)) })
        #expect(top.backoff(afterFailures: 1_000) == .seconds(30))
        let none = RetryPolicy(maxRetries: 6, jitter: { 0 })
        #expect(none.backoff(afterFailures: 5) == .zero)
        let half = RetryPolicy(maxRetries: 6, baseBackoff: .seconds(1), maxBackoff: .seconds(30), jitter: { 0.5 })
        #expect(half.backoff(afterFailures: 2) == .seconds(2))
    }

    @Test("the wait is what the server asked when that is longer than the backoff")
    func delay() {
        let p = RetryPolicy(maxRetries: 3, baseBackoff: .seconds(1), maxBackoff: .seconds(30), jitter: { 1 })
        #expect(p.delay(afterFailures: 0, asked: .seconds(7)) == .seconds(7))
        #expect(p.delay(afterFailures: 4, asked: .seconds(7)) == .seconds(16))
        #expect(p.delay(afterFailures: 0, asked: nil) == .seconds(1))
    }

    @Test("retries up to maxRetries; 429, 408 and 5xx are retryable, other answers are not")
    func limits() {
        let p = RetryPolicy(maxRetries: 2)
        #expect(p.allowsRetry(afterFailures: 1) && p.allowsRetry(afterFailures: 2) && !p.allowsRetry(afterFailures: 3))
        #expect(!RetryPolicy(maxRetries: 0).allowsRetry(afterFailures: 1))
        #expect([429, 408, 500, 502, 503, 599].allSatisfy(RetryPolicy.isRetryable))
        #expect(![200, 400, 401, 403, 404, 413, 422, 600].contains(where: RetryPolicy.isRetryable))
    }

    @Test("Retry-After: retry-after-ms first, then seconds or an HTTP date against now, at most five minutes")
    func retryAfter() {
        func response(_ headers: [(name: String, value: String)]) -> HTTPResponse { HTTPResponse(status: 429, headers: headers) }
        #expect(RetryPolicy.retryAfter(response([("retry-after", "7")])) == .seconds(7))
        #expect(RetryPolicy.retryAfter(response([("retry-after-ms", "250"), ("retry-after", "7")])) == .milliseconds(250))
        #expect(RetryPolicy.retryAfter(response([("retry-after", "86400")])) == .seconds(300))
        #expect(RetryPolicy.retryAfter(response([("retry-after", "soon")])) == nil)
        #expect(RetryPolicy.retryAfter(response([])) == nil)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let date = formatter.string(from: now.addingTimeInterval(42))
        #expect(RetryPolicy.retryAfter(response([("retry-after", date)]), now: now) == .seconds(42))
        #expect(RetryPolicy.retryAfter(response([("retry-after", formatter.string(from: now.addingTimeInterval(-5)))]), now: now) == .zero)
    }
}
