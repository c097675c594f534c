import Synchronization

/// A run's spending limit (`--max-cost`): calls reserve their estimated price before they start
/// and settle at what they cost; a call whose estimate would take the spend past the limit is
/// not started.
public final class SpendingLimit: Sendable {
    /// What has been spent and reserved so far, in US dollars.
    public struct State: Sendable, Equatable {
        public var spent = 0.0
        public var reserved = 0.0
        /// Calls refused because they would have passed the limit.
        public var refused = 0
    }

    /// The limit in US dollars.
    public let limit: Double
    private let state = Mutex(State())

    public init(limit: Double) { self.limit = limit }

    /// Reserves `estimate` dollars for a call; false (and nothing reserved) when spent, reserved
    /// and the estimate together would pass the limit.
    public func reserve(_ estimate: Double) -> Bool {
        state.withLock { s in
            guard s.spent + s.reserved + estimate <= limit else {
                s.refused += 1
                return false
            }
            s.reserved += estimate
            return true
        }
    }

    /// Whether `estimate` would fit now (a look, nothing reserved).
    public func fits(_ estimate: Double) -> Bool { state.withLock { $0.spent + $0.reserved + estimate <= limit } }

    /// Settles a reservation of `estimate` at the call's actual `cost` (0 for a call that failed
    /// without an answer).
    public func settle(reserved estimate: Double, cost: Double) {
        state.withLock { s in
            s.reserved = max(0, s.reserved - estimate)
            s.spent += cost
        }
    }

    /// What has been spent and reserved so far.
    public var snapshot: State { state.withLock { $0 } }
}
