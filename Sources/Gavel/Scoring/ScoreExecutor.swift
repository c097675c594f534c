import Dispatch

/// Runs the score stage's work: in the calling task, on threads, or in a process pool.
public protocol ScoreExecutor: Sendable {
    /// A short name for logs and benchmarks.
    var name: String { get }
    /// Combines each group's samples.
    func combine(_ groups: [ScoreStage.GroupSamples], mode: AdvantageMode) async throws -> [ScoreStage.GroupScores]
    /// Encodes each line, in order.
    func encode(_ lines: [ScoreStage.LineJob], context: ScoreStage.EncodeContext) async throws -> [[UInt8]]
    /// Releases workers, if any.
    func shutdown() async
}

extension ScoreExecutor {
    public func shutdown() async {}
}

/// The score stage in the calling task: no threads, no processes. Best for small runs.
public struct InlineScoreExecutor: ScoreExecutor {
    public init() {}
    public var name: String { "inline" }

    public func combine(_ groups: [ScoreStage.GroupSamples], mode: AdvantageMode) async throws -> [ScoreStage.GroupScores] {
        groups.map { ScoreStage.combine($0, mode: mode) }
    }

    public func encode(_ lines: [ScoreStage.LineJob], context: ScoreStage.EncodeContext) async throws -> [[UInt8]] {
        try lines.map { job throws(InputError) in try ScoreStage.encode(job, context: context) }
    }
}

/// The score stage on `threads` threads of one process (Dispatch's concurrentPerform, off the cooperative pool).
public struct ThreadScoreExecutor: ScoreExecutor {
    public let threads: Int
    public init(threads: Int) { self.threads = max(1, threads) }
    public var name: String { "thread" }

    public func combine(_ groups: [ScoreStage.GroupSamples], mode: AdvantageMode) async throws -> [ScoreStage.GroupScores] {
        try await parallelMap(groups) { ScoreStage.combine($0, mode: mode) }
    }

    public func encode(_ lines: [ScoreStage.LineJob], context: ScoreStage.EncodeContext) async throws -> [[UInt8]] {
        try await parallelMap(lines) { try ScoreStage.encode($0, context: context) }
    }

    /// Maps `items` in `threads` contiguous chunks in parallel, keeping order.
    private func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable @escaping (T) throws -> R) async throws -> [R] {
        guard items.count > 1, threads > 1 else { return try items.map(transform) }
        let chunks = min(threads, items.count)
        return try await offload {
            let results = ResultSlots<R>(count: chunks)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = items.count * c / chunks, hi = items.count * (c + 1) / chunks
                results.set(c, Result { try items[lo..<hi].map(transform) })
            }
            return try results.values().flatMap { try $0.get() }
        }
    }
}

/// Write-once slots filled from several threads, each slot by exactly one thread.
final class ResultSlots<R>: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<Result<[R], any Error>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// Sets slot `i`; distinct slots are distinct memory, so threads never share a write.
    func set(_ i: Int, _ r: Result<[R], any Error>) { slots[i] = r }

    /// The slots, read after every writer has finished (`concurrentPerform` joins them).
    func values() -> [Result<[R], any Error>] { slots.map { $0 ?? .success([]) } }
}
