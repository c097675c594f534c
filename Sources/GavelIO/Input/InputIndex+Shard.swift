import GavelCore

extension InputIndex {
    /// This index cut down to the groups of `shard` (records renumbered, in input order).
    package func restricted(to shard: Shard) -> InputIndex {
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
