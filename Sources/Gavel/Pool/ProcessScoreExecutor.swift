/// The score stage in worker processes: isolation from crashes and every core for big files.
public final class ProcessScoreExecutor: ScoreExecutor {
    public let pool: ProcessPool
    /// Groups per combine frame.
    private let groupsPerFrame = 8192

    public init(pool: ProcessPool) { self.pool = pool }
    public var name: String { "process" }
    public var batchesInFlight: Int { 2 * pool.configuration.workers }

    public func combine(_ groups: [ScoreStage.GroupSamples], mode: AdvantageMode) async throws -> [ScoreStage.GroupScores] {
        guard !groups.isEmpty else { return [] }
        // Batch many groups per frame; spread the batches over the workers.
        let chunk = max(1, min(groupsPerFrame, (groups.count + pool.configuration.workers - 1) / pool.configuration.workers))
        let pool = self.pool
        return try await withThrowingTaskGroup(of: (Int, [ScoreStage.GroupScores]).self) { tasks in
            for (i, start) in stride(from: 0, to: groups.count, by: chunk).enumerated() {
                let slice = Array(groups[start..<min(groups.count, start + chunk)])
                tasks.addTask { (i, try PoolProtocol.combineReply(try await pool.submit(PoolProtocol.combineRequest(slice, mode: mode)).frame)) }
            }
            var parts: [(Int, [ScoreStage.GroupScores])] = []
            for try await p in tasks { parts.append(p) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    public func encode(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) async throws -> ScoreChunk {
        try await start(batch, context: context).value
    }

    /// Queues the batch with the pool before returning (in call order), then awaits its reply in a task.
    public func start(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> Task<ScoreChunk, any Error> {
        let reply = pool.enqueue(PoolProtocol.encodeRequest(batch, context: context))
        return Task { try PoolProtocol.encodeChunk(try await reply.value()) }
    }

    public func shutdown() async {
        let pool = self.pool
        try? await offload { pool.shutdown() }
    }
}
