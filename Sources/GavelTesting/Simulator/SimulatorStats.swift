import Synchronization

/// Counters of what the simulator received and injected; safe to read from any thread.
public final class SimulatorStats: Sendable {
    /// A snapshot of the counters.
    public struct Snapshot: Sendable, Equatable {
        /// Judge requests received (chat completions and messages), faults included.
        public var requests = 0
        public var openAIRequests = 0
        public var anthropicRequests = 0
        /// Requests answered with scores (quirky shapes included).
        public var scored = 0
        /// Faults injected, by kind (`429`, `500`, `malformed`, `wrong_ids`, `drop`, `hang`, `out_of_range`, `unsupported_parameter`,
        /// `rate_limited`, `slow_body`, `schema_rejected`, `unauthorized`).
        public var faults: [String: Int] = [:]
        /// Quirky answers, by kind (`fenced`, `prose`, `scale10`, `fraction_string`).
        public var quirks: [String: Int] = [:]
        /// Most requests in flight at once.
        public var maxInFlight = 0
        /// Prompt and completion tokens reported in `usage`.
        public var promptTokens = 0
        public var completionTokens = 0
        /// Arrival times of judge requests (monotonic seconds), the first `SimulatorStats.arrivalsKept`.
        public var arrivals: [Double] = []
        /// Batches created (OpenAI and Anthropic), and the requests answered inside them (not in `requests`).
        public var batches = 0
        public var batchRequests = 0
        /// Request bodies of the last few requests, newest last (at most 8), for tests that inspect prompts.
        public var recentBodies: [String] = []
    }

    /// A task waiting in `wait(until:timeout:)` for its condition to hold.
    private struct Waiter {
        var condition: @Sendable (Snapshot) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
        /// The timeout's task, cancelled when the condition holds first.
        var deadline: Task<Void, Never>?
    }

    private struct State {
        var snapshot = Snapshot()
        var inFlight = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// How many arrival times are kept (8 bytes each): enough for a rate-limit benchmark of minutes.
    public static let arrivalsKept = 20_000

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0.snapshot } }

    func update(_ body: (inout Snapshot) -> Void) {
        let ready = state.withLock { state -> [Waiter] in
            body(&state.snapshot)
            let snapshot = state.snapshot
            let ids = state.waiters.filter { $0.value.condition(snapshot) }.keys
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in ready {
            waiter.deadline?.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    /// Returns true once `condition` holds for the counters — checked now and at every change the
    /// simulator counts, so a test waits for an event (the first held request, say) without polling —
    /// or false after `timeout`, so a test that never sees it still ends.
    public func wait(until condition: @escaping @Sendable (Snapshot) -> Bool, timeout: Duration = .seconds(60)) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLock { state -> Int? in
                if condition(state.snapshot) { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = Waiter(condition: condition, continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            let deadline = Task {
                try? await Task.sleep(for: timeout)  // the deadline, not a poll
                state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
            let stillWaiting = state.withLock { state -> Bool in
                state.waiters[id]?.deadline = deadline
                return state.waiters[id] != nil
            }
            if !stillWaiting { deadline.cancel() }
        }
    }

    func begin() {
        state.withLock {
            $0.inFlight += 1
            $0.snapshot.maxInFlight = max($0.snapshot.maxInFlight, $0.inFlight)
        }
    }

    func end() { state.withLock { $0.inFlight -= 1 } }

    func remember(body: String) {
        state.withLock {
            $0.snapshot.recentBodies.append(body)
            if $0.snapshot.recentBodies.count > 8 { $0.snapshot.recentBodies.removeFirst() }
        }
    }

    /// Zeroes every counter.
    public func reset() {
        state.withLock {
            let waiters = $0.waiters
            $0 = State()
            $0.waiters = waiters
        }
    }

    /// The snapshot as a JSON document (for `GET /stats`).
    public var json: String {
        let s = snapshot
        func dict(_ d: [String: Int]) -> String {
            "{" + d.keys.sorted().map { "\"\($0)\":\(d[$0] ?? 0)" }.joined(separator: ",") + "}"
        }
        return """
            {"requests":\(s.requests),"openai_requests":\(s.openAIRequests),"anthropic_requests":\(s.anthropicRequests),\
            "scored":\(s.scored),"faults":\(dict(s.faults)),"quirks":\(dict(s.quirks)),"max_in_flight":\(s.maxInFlight),\
            "prompt_tokens":\(s.promptTokens),"completion_tokens":\(s.completionTokens),\
            "batches":\(s.batches),"batch_requests":\(s.batchRequests)}
            """
    }
}
