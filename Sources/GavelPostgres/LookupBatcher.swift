/// Gathers the lookups that arrive while a query is out into the next query: the first lookup
/// of a quiet moment goes at once (after one yield, for the lookups of the same moment); those
/// that come while it runs share the one after. No timer, no polling.
actor LookupBatcher {
    private let query: @Sendable ([String]) async throws -> [String: String]
    private var pending: [(keys: [String], continuation: CheckedContinuation<[String: String], any Error>)] = []
    private var running = false

    init(query: @escaping @Sendable ([String]) async throws -> [String: String]) { self.query = query }

    /// The entries found for `keys` (with those of the lookups batched alongside).
    func fetch(_ keys: [String]) async throws -> [String: String] {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((keys, continuation))
            if !running {
                running = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        await Task.yield()
        while !pending.isEmpty {
            let batch = pending
            pending = []
            let keys = Array(Set(batch.flatMap(\.keys)))
            do {
                let found = try await query(keys)
                for item in batch { item.continuation.resume(returning: found) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        running = false
    }
}
