import GavelPool
import GavelSupport

/// The score stage in worker processes: isolation from crashes and every core for big files.
public final class ProcessScoreExecutor: ScoreExecutor {
    public let pool: ProcessPool

    public init(pool: ProcessPool) { self.pool = pool }
    public var name: String { "process" }
    public var batchesInFlight: Int { 2 * pool.configuration.workers }

    public func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ByteChunk {
        try await start(batch, context: context).value
    }

    /// Queues the batch with the pool before returning (in call order), then awaits its reply in a task.
    public func start(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> Task<ByteChunk, any Error> {
        let reply = pool.enqueue(ScorePoolMessages.encodeRequest(batch, context: context))
        return Task { try await reply.value() }
    }

    public func shutdown() async {
        let pool = self.pool
        try? await offload { pool.shutdown() }
    }
}
