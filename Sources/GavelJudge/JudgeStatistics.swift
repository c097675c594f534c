import GavelCore
import Synchronization

/// Run-wide judge counters: calls, retries by cause, tokens and fallbacks. Thread-safe.
public final class JudgeStatistics: Sendable {
    /// A copy of the counters.
    public struct Snapshot: Sendable, Equatable {
        public var calls = 0
        public var retries: [RetryCause: Int] = [:]
        public var usage = TokenUsage()
        public var corrections = 0
        /// Answers brought to 0–1 from another scale, by why.
        public var rescales: [ScoreParser.Rescale: Int] = [:]
        /// Digit grades weighted by their logprobs, and those read as written (no logprobs sent,
        /// or the grade not a token of its own).
        public var gradesWeighted = 0
        public var gradesWritten = 0
        public init() {}
        public var rescaledAnswers: Int { rescales.values.reduce(0, +) }
        public var totalRetries: Int { retries.values.reduce(0, +) }
    }

    private let state = Mutex(Snapshot())

    /// Told how long each exchange with the judge took (answered or not by HTTP status; not the
    /// ones the transport failed), for a latency histogram.
    private let onExchange: (@Sendable (Duration) -> Void)?

    public init(onExchange: (@Sendable (Duration) -> Void)? = nil) { self.onExchange = onExchange }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func call(usage: TokenUsage, took duration: Duration? = nil) {
        if let duration { onExchange?(duration) }
        state.withLock {
            $0.calls += 1; $0.usage += usage
        }
    }
    func retry(_ cause: RetryCause) { state.withLock { $0.retries[cause, default: 0] += 1 } }
    func correction() { state.withLock { $0.corrections += 1 } }
    func rescaled(_ why: ScoreParser.Rescale) { state.withLock { $0.rescales[why, default: 0] += 1 } }
    /// Counts one answer's grades; returns whether these are the run's first grades read as written.
    func grades(weighted: Int, written: Int) -> Bool {
        state.withLock {
            let first = $0.gradesWritten == 0 && written > 0
            $0.gradesWeighted += weighted
            $0.gradesWritten += written
            return first
        }
    }
}
