/// How many judge calls may be on the wire at once, adapted to a judge that answers 429 without
/// saying its limits: additive increase, multiplicative decrease (as TCP does), so a run settles
/// just under the judge's limit.
///
/// Starts wide open (the pipeline's `--concurrency` bounds it); each 429 from a call sent after the
/// last decrease halves the window, and every window's worth of answered calls widens it by one.
actor AdaptiveWindow {
    /// A held slot: when its call went out.
    struct Ticket: Sendable {
        fileprivate let sentAt: ContinuousClock.Instant
    }

    private var limit: Double
    private let maximum: Double
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var lastDecrease: ContinuousClock.Instant
    private let clock = ContinuousClock()

    init(maximum: Int) {
        self.maximum = Double(max(1, maximum))
        self.limit = self.maximum
        self.lastDecrease = clock.now
    }

    /// The window's size now.
    var size: Int { Int(limit) }

    /// Waits for a slot.
    func acquire() async -> Ticket {
        if inFlight < Int(limit) {
            inFlight += 1
        } else {
            await withCheckedContinuation { waiters.append($0) }
        }
        return Ticket(sentAt: clock.now)
    }

    /// How a call ended, as far as the window cares.
    enum Outcome: Sendable { case answered, rateLimited, failed }

    /// Frees a slot: a 429 narrows the window, an answer widens it, a failed call leaves it.
    func release(_ ticket: Ticket, _ outcome: Outcome) {
        inFlight -= 1
        if outcome == .rateLimited {
            // One decrease per round trip: later 429s of calls sent before it say nothing new.
            if ticket.sentAt > lastDecrease {
                limit = max(1, min(limit, Double(inFlight + 1)) / 2)
                lastDecrease = clock.now
            }
        } else if outcome == .answered {
            limit = min(maximum, limit + 1 / limit)
        }
        while inFlight < Int(limit), !waiters.isEmpty {
            inFlight += 1
            waiters.removeFirst().resume()
        }
    }
}
