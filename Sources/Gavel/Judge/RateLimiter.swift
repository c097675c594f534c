/// Requests-per-minute and tokens-per-minute token buckets shared by every judge call of a run.
///
/// Each bucket holds one second's worth (so a run starts without a burst of a whole minute's
/// calls) and refills continuously. Tokens are estimated before a call and corrected from
/// `usage` after it.
public actor RateLimiter {
    private let rpm: Double?
    private let tpm: Double?
    private let requestCapacity: Double
    private let tokenCapacity: Double
    private var requestTokens: Double
    private var tokenTokens: Double
    private var last: ContinuousClock.Instant
    private let clock = ContinuousClock()

    /// Limits per minute; nil means unlimited.
    public init(requestsPerMinute: Int?, tokensPerMinute: Int?) {
        rpm = requestsPerMinute.map(Double.init)
        tpm = tokensPerMinute.map(Double.init)
        requestCapacity = max(1, (rpm ?? 0) / 60)
        tokenCapacity = max(1, (tpm ?? 0) / 60)
        requestTokens = requestCapacity
        tokenTokens = tokenCapacity
        last = ContinuousClock().now
    }

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
            let needTokens = min(Double(tokens), tokenCapacity)
            let requestWait = rpm.map { requestTokens >= 1 ? 0 : (1 - requestTokens) / $0 * 60 } ?? 0
            let tokenWait = tpm.map { tokenTokens >= needTokens ? 0 : (needTokens - tokenTokens) / $0 * 60 } ?? 0
            let wait = max(requestWait, tokenWait)
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
}
