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

extension InputIndex {
    /// This index cut down to the groups of `shard` (records renumbered, in input order).
    func restricted(to shard: Shard) -> InputIndex {
        var out = InputIndex()
        out.skipped = skipped
        var newGroup: [Int32: Int32] = [:]
        var newRecord: [Int: Int] = [:]
        for (g, group) in groups.enumerated() where shard.holds(key: group.key) {
            newGroup[Int32(g)] = Int32(out.groups.count)
            out.groups.append(group)
        }
        for (r, record) in records.enumerated() {
            guard let g = newGroup[record.group] else { continue }
            var copy = record
            copy.group = g
            newRecord[r] = out.records.count
            out.records.append(copy)
        }
        for g in out.groups.indices {
            switch out.groups[g].source {
            case .lines(let rs): out.groups[g].source = .lines(rs.compactMap { newRecord[$0] })
            case .groupLine(let r, let n): out.groups[g].source = .groupLine(record: newRecord[r] ?? r, count: n)
            }
        }
        return out
    }
}
