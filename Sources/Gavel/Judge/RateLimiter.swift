/// Requests-per-minute and tokens-per-minute token buckets shared by every judge call of a run,
/// set by `--rpm`/`--tpm` or learned from the judge's rate-limit headers.
///
/// Each bucket holds one second's worth (so a run starts without a burst of a whole minute's
/// calls) and refills continuously. Tokens are estimated before a call and corrected from
/// `usage` after it. When the judge advertises its limits (`x-ratelimit-*`,
/// `anthropic-ratelimit-*`) and the user set none, the buckets take 95% of them, and never hold
/// more than the judge says remain; a `Retry-After` holds every call, not just the one that got it.
public actor RateLimiter {
    private var rpm: Double?
    private var tpm: Double?
    private let userRPM: Double?
    private let userTPM: Double?
    private var requestCapacity: Double
    private var tokenCapacity: Double
    private var requestTokens: Double
    private var tokenTokens: Double
    private var last: ContinuousClock.Instant
    private var pausedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    /// The share of an advertised limit that learned buckets use, leaving room for timing jitter.
    public static let margin = 0.95

    /// Limits per minute; nil means unlimited until the judge advertises one.
    public init(requestsPerMinute: Int?, tokensPerMinute: Int?) {
        rpm = requestsPerMinute.map(Double.init)
        tpm = tokensPerMinute.map(Double.init)
        userRPM = rpm
        userTPM = tpm
        requestCapacity = max(1, (rpm ?? 0) / 60)
        tokenCapacity = max(1, (tpm ?? 0) / 60)
        requestTokens = requestCapacity
        tokenTokens = tokenCapacity
        last = ContinuousClock().now
    }

    /// The limits in force now, per minute (the user's, or learned from the judge).
    public var limits: (requests: Double?, tokens: Double?) { (rpm, tpm) }

    private func refill() {
        let now = clock.now
        let minutes = (now - last).seconds / 60
        last = now
        if let rpm { requestTokens = min(requestCapacity, requestTokens + minutes * rpm) }
        if let tpm { tokenTokens = min(tokenCapacity, tokenTokens + minutes * tpm) }
    }

    /// Waits until one request and `tokens` tokens are available, then takes them.
    public func acquire(tokens: Int) async throws {
        while true {
            refill()
            let now = clock.now
            let pauseWait = pausedUntil.map { $0 > now ? ($0 - now).seconds : 0 } ?? 0
            let needTokens = min(Double(tokens), tokenCapacity)
            let requestWait = rpm.map { requestTokens >= 1 ? 0 : (1 - requestTokens) / $0 * 60 } ?? 0
            let tokenWait = tpm.map { tokenTokens >= needTokens ? 0 : (needTokens - tokenTokens) / $0 * 60 } ?? 0
            let wait = max(pauseWait, requestWait, tokenWait)
            if wait <= 0 {
                if rpm != nil { requestTokens -= 1 }
                if tpm != nil { tokenTokens -= needTokens }
                return
            }
            try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1))
        }
    }

    /// Corrects the token bucket once the real usage is known.
    public func settle(estimated: Int, actual: Int) {
        guard tpm != nil, actual > 0 else { return }
        tokenTokens = max(-tokenCapacity, min(tokenCapacity, tokenTokens + Double(estimated - actual)))
    }

    /// Takes the judge's advertised limits (unless the user set them) and what it says remains.
    public func learn(_ headers: RateLimitHeaders) {
        guard !headers.isEmpty else { return }
        refill()
        if userRPM == nil, let limit = headers.requestLimit, limit > 0 {
            let learned = Double(limit) * Self.margin
            if rpm != learned {
                rpm = learned
                requestCapacity = max(1, learned / 60)
                requestTokens = min(requestTokens, requestCapacity)
            }
        }
        if userTPM == nil, let limit = headers.tokenLimit, limit > 0 {
            let learned = Double(limit) * Self.margin
            if tpm != learned {
                tpm = learned
                tokenCapacity = max(1, learned / 60)
                tokenTokens = min(tokenTokens, tokenCapacity)
            }
        }
        if rpm != nil, let remaining = headers.requestsRemaining { requestTokens = min(requestTokens, Double(remaining)) }
        if tpm != nil, let remaining = headers.tokensRemaining { tokenTokens = min(tokenTokens, Double(remaining)) }
    }

    /// Holds every call for `delay` (a judge's `Retry-After`).
    public func pause(for delay: Duration) {
        let until = clock.now + delay
        if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
    }
}
