import Synchronization

/// A run's spending limit (`--max-cost`): calls reserve their estimated price before they start
/// and settle at what they cost; a call whose estimate would take the spend past the limit is
/// not started. A service's limit may hold per window of time (`--max-cost-window`): what was
/// spent starts again from zero when a window ends.
public final class SpendingLimit: Sendable {
    /// What has been spent and reserved so far, in US dollars.
    public struct State: Sendable, Equatable {
        /// Spent in the current window (over the whole run without windows).
        public var spent = 0.0
        public var reserved = 0.0
        /// Calls refused because they would have passed the limit.
        public var refused = 0
        /// Spent over every window.
        public var totalSpent = 0.0
        /// When the current window began (seconds on the limit's clock).
        public var windowStart = 0.0
    }

    /// The limit in US dollars.
    public let limit: Double
    /// Seconds per window, or nil for one limit over the whole run.
    public let window: Double?
    private let now: @Sendable () -> Double
    private let state: Mutex<State>

    /// - Parameters:
    ///   - window: seconds after which what was spent counts from zero again (nil: never).
    ///   - now: the clock, in seconds (monotonic; injected by tests).
    public init(limit: Double, window: Double? = nil, now: @escaping @Sendable () -> Double = SpendingLimit.monotonicSeconds) {
        self.limit = limit
        self.window = window
        self.now = now
        var initial = State()
        initial.windowStart = now()
        self.state = Mutex(initial)
    }

    /// Seconds on the system's monotonic clock, since the first use.
    public static func monotonicSeconds() -> Double { (ContinuousClock.now - origin).seconds }
    private static let origin = ContinuousClock.now

    /// Starts a new window (or several) when the current one has ended.
    private func roll(_ s: inout State) {
        guard let window, window > 0 else { return }
        let t = now()
        guard t >= s.windowStart + window else { return }
        s.windowStart += ((t - s.windowStart) / window).rounded(.down) * window
        s.spent = 0
    }

    /// Seconds until the current window ends (nil without windows).
    public var secondsLeftInWindow: Double? {
        guard let window else { return nil }
        return state.withLock { s in
            roll(&s)
            return max(0, s.windowStart + window - now())
        }
    }

    /// Reserves `estimate` dollars for a call; false (and nothing reserved) when spent, reserved
    /// and the estimate together would pass the limit.
    public func reserve(_ estimate: Double) -> Bool {
        state.withLock { s in
            roll(&s)
            guard s.spent + s.reserved + estimate <= limit else {
                s.refused += 1
                return false
            }
            s.reserved += estimate
            return true
        }
    }

    /// Whether `estimate` would fit now (a look, nothing reserved).
    public func fits(_ estimate: Double) -> Bool {
        state.withLock { s in
            roll(&s)
            return s.spent + s.reserved + estimate <= limit
        }
    }

    /// Settles a reservation of `estimate` at the call's actual `cost` (0 for a call that failed
    /// without an answer).
    public func settle(reserved estimate: Double, cost: Double) {
        state.withLock { s in
            roll(&s)
            s.reserved = max(0, s.reserved - estimate)
            s.spent += cost
            s.totalSpent += cost
        }
    }

    /// What has been spent and reserved so far.
    public var snapshot: State {
        state.withLock { s in
            roll(&s)
            return s
        }
    }
}
