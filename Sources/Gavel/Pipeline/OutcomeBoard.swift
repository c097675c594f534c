import Synchronization

/// Where judged groups' outcomes are posted as they finish, so the writer can stream output in
/// input order while later groups are still being judged.
final class OutcomeBoard: Sendable {
    private struct State {
        var outcomes: [GroupOutcome?]
        var waiters: [Int: [CheckedContinuation<GroupOutcome, Never>]] = [:]
    }

    private let state: Mutex<State>

    init(groups: Int) { state = Mutex(State(outcomes: Array(repeating: nil, count: groups))) }

    /// Posts group `g`'s outcome (the first post wins) and wakes whoever waits for it.
    func post(_ g: Int, _ outcome: GroupOutcome) {
        let waiters = state.withLock { s -> [CheckedContinuation<GroupOutcome, Never>] in
            guard s.outcomes[g] == nil else { return [] }
            s.outcomes[g] = outcome
            return s.waiters.removeValue(forKey: g) ?? []
        }
        for w in waiters { w.resume(returning: outcome) }
    }

    /// Group `g`'s outcome if it is posted.
    func posted(_ g: Int) -> GroupOutcome? { state.withLock { $0.outcomes[g] } }

    /// Whether group `g` is posted.
    func isPosted(_ g: Int) -> Bool { state.withLock { $0.outcomes[g] != nil } }

    /// Waits for group `g`'s outcome.
    func outcome(_ g: Int) async -> GroupOutcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> GroupOutcome? in
                if let o = s.outcomes[g] { return o }
                s.waiters[g, default: []].append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Every outcome (unposted ones as nil).
    var all: [GroupOutcome?] { state.withLock { $0.outcomes } }
}
