import Foundation
import GavelHTTP
import GavelSupport

/// When a failed judge call is tried again and after how long: at most `maxRetries` retries, each
/// after full-jitter exponential backoff (`baseBackoff` doubling up to `maxBackoff`), and never
/// sooner than the server asked (`Retry-After`). The waiting itself is the caller's, on its clock.
public struct RetryPolicy: Sendable {
    public var maxRetries: Int
    public var baseBackoff: Duration
    public var maxBackoff: Duration
    /// The jitter: a number in 0...1 for each backoff (random; a test fixes it).
    var jitter: @Sendable () -> Double

    public init(
        maxRetries: Int, baseBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(30),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxRetries = maxRetries
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
    }

    /// The policy a judge's settings describe.
    public init(_ settings: JudgeSettings) {
        self.init(maxRetries: settings.maxRetries, baseBackoff: settings.baseBackoff, maxBackoff: settings.maxBackoff)
    }

    /// Whether the statuses are worth another try: rate limited, request timeout, server errors.
    public static func isRetryable(status: Int) -> Bool {
        status == 429 || status == 408 || (500...599).contains(status)
    }

    /// Whether a call that has failed `failures` times may be tried again.
    public func allowsRetry(afterFailures failures: Int) -> Bool { failures <= maxRetries }

    /// The backoff after `failures` earlier failures: uniform in 0...min(maxBackoff, baseBackoff·2^failures).
    public func backoff(afterFailures failures: Int) -> Duration {
        let base = baseBackoff.seconds * pow(2, Double(min(max(0, failures), 20)))
        let cap = min(maxBackoff.seconds, base)
        return .milliseconds(Int(min(1, max(0, jitter())) * max(0, cap) * 1000))
    }

    /// The wait before the next try: the backoff, or what the server asked if that is longer.
    public func delay(afterFailures failures: Int, asked: Duration?) -> Duration {
        max(asked ?? .zero, backoff(afterFailures: failures))
    }

    /// The longest wait a server's `Retry-After` is honoured for.
    public static let longestAsked: Duration = .seconds(300)

    /// `retry-after-ms` (OpenAI's finer form), else `Retry-After` as seconds or an HTTP date
    /// (against `now`), capped at `longestAsked`; nil when the answer asks nothing readable.
    public static func retryAfter(_ response: HTTPResponse, now: Date = Date()) -> Duration? {
        let cap = longestAsked.seconds
        if let ms = response.header("retry-after-ms").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }), ms >= 0 {
            return .milliseconds(Int(min(ms, cap * 1000)))
        }
        guard let value = response.header("retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int(min(seconds, cap) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int(min(cap, max(0, date.timeIntervalSince(now))) * 1000))
    }
}
