import Dispatch
import GavelSupport

/// Runs the score stage's encoding of output lines: in the calling task, on threads, or in a process pool.
public protocol ScoreExecutor: Sendable {
    /// A short name for logs and benchmarks.
    var name: String { get }
    /// Encodes the batch's lines, in order, as one JSONL chunk (each line ends with a newline).
    func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ByteChunk
    /// Starts encoding `batch` now and returns the task that yields its chunk.
    ///
    /// Batches started one after another begin in that order, so a caller that keeps several in
    /// flight and takes their chunks in order never waits on a batch stuck behind later ones.
    func start(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> Task<ByteChunk, any Error>
    /// Releases workers, if any.
    func shutdown() async
    /// Batches worth keeping in flight at once: 1 runs each batch to completion in the calling
    /// task (inline, and threads, which split each batch themselves); more for a process pool.
    var batchesInFlight: Int { get }
}

extension ScoreExecutor {
    public func start(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> Task<ByteChunk, any Error> {
        Task { try await encode(batch, context: context) }
    }
    public func shutdown() async {}
    public var batchesInFlight: Int { 1 }
}

/// The score stage in the calling task: no threads, no processes. Best for small runs.
public struct InlineScoreExecutor: ScoreExecutor {
    public init() {}
    public var name: String { "inline" }

    public func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ByteChunk {
        ByteChunk(try ScoreStage.encodeChunk(batch, context: context))
    }
}

/// The score stage on `threads` threads of one process (Dispatch's concurrentPerform, off the cooperative pool).
public struct ThreadScoreExecutor: ScoreExecutor {
    public let threads: Int
    public init(threads: Int) { self.threads = max(1, threads) }
    public var name: String { "thread" }

    public func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ByteChunk {
        let parts = try await parallelChunks(Array(batch.lines.indices)) {
            try ScoreStage.encodeChunk(batch, lines: ($0.first ?? 0)..<(($0.last ?? -1) + 1), context: context)
        }
        guard parts.count > 1 else { return ByteChunk(parts.first ?? []) }
        var joined: [UInt8] = []
        joined.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for p in parts { joined.append(contentsOf: p) }
        return ByteChunk(joined)
    }

    /// Runs `transform` on `threads` contiguous chunks of `items` in parallel; results in chunk order.
    private func parallelChunks<T: Sendable, R: Sendable>(
        _ items: [T], _ transform: @Sendable @escaping (ArraySlice<T>) throws -> R
    ) async throws -> [R] {
        guard items.count > 1, threads > 1 else { return [try transform(items[...])] }
        let chunks = min(threads, items.count)
        return try await offload {
            let results = ResultSlots<R>(count: chunks)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = items.count * c / chunks, hi = items.count * (c + 1) / chunks
                results.set(c, Result { try transform(items[lo..<hi]) })
            }
            return try results.values().map { try $0.get() }
        }
    }
}
