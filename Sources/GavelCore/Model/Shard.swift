import GavelSupport

/// One of `count` deterministic parts of a run: the groups whose key hashes to `index` modulo
/// `count` (FNV-1a, 64-bit, over the key's UTF-8), so every line of a group — across files too —
/// lands in the same shard on every machine.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Whether the group with `key` belongs to this shard.
    public func holds(key: String) -> Bool {
        Int(FNV1a.hash(key) % UInt64(count)) == index
    }

    public var description: String { "\(index)/\(count)" }

    /// The field each shard output line carries: its input position `[file, line]`, removed by `gavel merge`.
    public static let positionField = "gavel_position"
    /// The first line of a shard's output: `{"gavel_shard": {...}}`.
    public static let headerField = "gavel_shard"
}
