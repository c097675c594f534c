import Foundation
import GavelHTTP

/// What a judge says about its rate limits in response headers: OpenAI's `x-ratelimit-*`
/// (also sent by Azure, OpenRouter, Groq, Together and most proxies) and Anthropic's
/// `anthropic-ratelimit-*`.
public struct RateLimitHeaders: Sendable, Equatable {
    /// Requests allowed per minute, requests left now, and when the allowance is whole again.
    public var requestLimit: Int?
    public var requestsRemaining: Int?
    public var requestsReset: Duration?
    /// The same for tokens.
    public var tokenLimit: Int?
    public var tokensRemaining: Int?
    public var tokensReset: Duration?

    public init() {}

    /// Whether the response carried any of these headers.
    public var isEmpty: Bool { self == RateLimitHeaders() }

    /// Reads the headers of `response`; `now` is the time Anthropic's RFC 3339 resets count from.
    public init(_ response: HTTPResponse, now: Date = Date()) {
        // Most judges send none of these: one pass over the names before any look-up.
        guard response.headers.contains(where: { $0.name.hasPrefix("x-ratelimit-") || $0.name.hasPrefix("anthropic-ratelimit-") }) else {
            return
        }
        func int(_ names: String...) -> Int? {
            for n in names { if let v = response.header(n).flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) { return v } }
            return nil
        }
        func reset(_ names: String...) -> Duration? {
            for n in names {
                guard let v = response.header(n)?.trimmingCharacters(in: .whitespaces) else { continue }
                if let d = Self.duration(v) { return d }
                if let date = Self.rfc3339(v) { return .milliseconds(Int(max(0, date.timeIntervalSince(now)) * 1000)) }
            }
            return nil
        }
        requestLimit = int("x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit")
        requestsRemaining = int("x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining")
        requestsReset = reset("x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset")
        tokenLimit = int("x-ratelimit-limit-tokens", "anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-input-tokens-limit")
        tokensRemaining = int(
            "x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-input-tokens-remaining")
        tokensReset = reset("x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-input-tokens-reset")
    }

    /// A duration as OpenAI writes it: `1s`, `6m0s`, `20ms`, `1h2m3.5s`, or plain seconds.
    static func duration(_ text: String) -> Duration? {
        if let seconds = Double(text), seconds >= 0 { return .milliseconds(Int(seconds * 1000)) }
        var total = 0.0
        var number = ""
        var i = text.startIndex
        var sawUnit = false
        while i < text.endIndex {
            let c = text[i]
            if c.isNumber || c == "." {
                number.append(c)
                i = text.index(after: i)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[i...]
            let (scale, length): (Double, Int)
            if rest.hasPrefix("ms") {
                (scale, length) = (0.001, 2)
            } else if rest.hasPrefix("h") {
                (scale, length) = (3600, 1)
            } else if rest.hasPrefix("m") {
                (scale, length) = (60, 1)
            } else if rest.hasPrefix("s") {
                (scale, length) = (1, 1)
            } else {
                return nil
            }
            total += value * scale
            number = ""
            sawUnit = true
            i = text.index(i, offsetBy: length)
        }
        guard sawUnit, number.isEmpty else { return nil }
        return .milliseconds(Int(total * 1000))
    }

    private static func rfc3339(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}
