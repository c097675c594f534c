import GavelHTTP

/// Requests-per-minute and tokens-per-minute token buckets shared by every judge call of a run,
/// set by `--rpm`/`--tpm` or learned from the judge's rate-limit headers.
///
/// Each bucket holds one second's worth (so a run starts without a burst of a whole minute's
/// calls) and refills continuously. Tokens are estimated before a call and corrected from
/// `usage` after it. When the judge advertises its limits (`x-ratelimit-*`,
/// `anthropic-ratelimit-*`) and the user set none, the buckets take 95% of them, and never hold
/// more than the judge says remain; a `Retry-After` holds every call, not just the one that got it.
public actor RateLimiter {
    /// One per-minute allowance: the limit in force, whether the user set it, and what is left now.
    struct Bucket {
        /// Per minute; nil means unlimited (until the judge advertises a limit).
        private(set) var perMinute: Double?
        let setByUser: Bool
        private(set) var capacity: Double
        var level: Double

        init(perMinute: Int?) {
            self.perMinute = perMinute.map(Double.init)
            setByUser = perMinute != nil
            capacity = max(1, (self.perMinute ?? 0) / 60)
            level = capacity
        }

        mutating func refill(minutes: Double) {
            if let perMinute { level = min(capacity, level + minutes * perMinute) }
        }

        /// Seconds until `amount` is available (0 when it is, or when unlimited).
        func wait(for amount: Double) -> Double {
            guard let perMinute, level < amount else { return 0 }
            return (amount - level) / perMinute * 60
        }

        mutating func take(_ amount: Double) { if perMinute != nil { level -= amount } }

        /// Takes 95% of an advertised limit unless the user set one, and no more than `remaining`.
        mutating func learn(limit: Int?, remaining: Int?) {
            if !setByUser, let limit, limit > 0 {
                let learned = Double(limit) * RateLimiter.margin
                if perMinute != learned {
                    perMinute = learned
                    capacity = max(1, learned / 60)
                    level = min(level, capacity)
                }
            }
            if perMinute != nil, let remaining { level = min(level, Double(remaining)) }
        }
    }

    private var requests: Bucket
    private var tokens: Bucket
    private var last: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant?
    private let clock: JudgeClock

    /// The share of an advertised limit that learned buckets use, leaving room for timing jitter.
    public static let margin = 0.95

    /// Limits per minute; nil means unlimited until the judge advertises one.
    /// `clock`: what waits are measured and slept on (a test's clock never sleeps).
    public init(requestsPerMinute: Int?, tokensPerMinute: Int?, clock: JudgeClock = .continuous) {
        requests = Bucket(perMinute: requestsPerMinute)
        tokens = Bucket(perMinute: tokensPerMinute)
        self.clock = clock
        last = clock.now()
    }

    /// The limits in force now, per minute (the user's, or learned from the judge).
    public var limits: (requests: Double?, tokens: Double?) { (requests.perMinute, tokens.perMinute) }

    private func refill() {
        let now = clock.now()
        let minutes = (now - last).seconds / 60
        last = now
        requests.refill(minutes: minutes)
        tokens.refill(minutes: minutes)
    }

    /// Waits until one request and `tokens` tokens are available, then takes them.
    public func acquire(tokens count: Int) async throws {
        while true {
            refill()
            let now = clock.now()
            let pauseWait = pausedUntil.map { $0 > now ? ($0 - now).seconds : 0 } ?? 0
            let needTokens = min(Double(count), tokens.capacity)
            let wait = max(pauseWait, requests.wait(for: 1), tokens.wait(for: needTokens))
            if wait <= 0 {
                requests.take(1)
                tokens.take(needTokens)
                return
            }
            try await clock.sleep(.milliseconds(Int(wait * 1000) + 1))
        }
    }

    /// Corrects the token bucket once the real usage is known.
    public func settle(estimated: Int, actual: Int) {
        guard tokens.perMinute != nil, actual > 0 else { return }
        tokens.level = max(-tokens.capacity, min(tokens.capacity, tokens.level + Double(estimated - actual)))
    }

    /// Takes the judge's advertised limits (unless the user set them) and what it says remains.
    public func learn(_ headers: RateLimitHeaders) {
        guard !headers.isEmpty else { return }
        refill()
        requests.learn(limit: headers.requestLimit, remaining: headers.requestsRemaining)
        tokens.learn(limit: headers.tokenLimit, remaining: headers.tokensRemaining)
    }

    /// Holds every call for `delay` (a judge's `Retry-After`).
    public func pause(for delay: Duration) {
        let until = clock.now() + delay
        if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
    }
}
