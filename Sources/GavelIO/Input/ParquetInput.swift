import Dispatch
import GavelCore
import GavelJSON
import GavelParquet
import GavelSupport
import Synchronization

/// An ART Parquet file as a run reads it: scanned once for its groups, then each group's rows
/// decoded again when the judge or the writer needs them. No temporary JSONL: the judge's view of
/// a trajectory is built from the decoded values, and JSON is written only for JSONL output.
///
/// Memory: a few integers per row and a small object per group (its key fields), plus the decoded
/// rows of at most `cachedRowGroups` row groups. ART's files write each group's rows together, so a
/// run that judges and writes groups in order decodes each row group about once.
///
/// Files without `group_index` are one trajectory per row, grouped like trajectory lines.
public final class ParquetInput: Sendable {
    /// One group of the file (or one row, without `group_index`): what the input index needs.
    struct Group: Sendable {
        var firstRow: Int
        var lastRow: Int
        var count: Int
        /// The group's fields and its first trajectory without messages: enough to find its key.
        var keyObject: JSONObject
        /// Why it cannot be judged (a trajectory without messages), if so.
        var problem: InputError?
        /// Bytes of message text and tool calls, roughly what its JSON holds (for the score stage's sizing).
        var textBytes: Int
        /// How messages name it: the line of its first row (rows count from 1, as lines do).
        var line: Int { firstRow + 1 }
    }

    /// The file on disk, and as the user named it.
    public let path: String
    public let name: String
    public let schema: ParquetSchema
    public let rowCount: Int
    /// How the file was compressed (its first column chunk's codec), if Gavel reads that codec.
    public let codec: ParquetCodec?
    package let art: ARTParquetSchema
    /// The groups by ordinal (order of first appearance; for a file without `group_index`, by row).
    let groups: [Group]
    /// Ordinals in the order of their groups' last rows: the order a reader meets complete groups, and
    /// the order of the lines of JSONL output.
    let lineOrder: [Int32]
    /// Per row: its group's ordinal and its place in the group (empty without `group_index`).
    let groupOfRow: [Int32]
    let memberOfRow: [Int32]
    /// The first row of each row group, and the row count as the last element.
    package let rowGroupStarts: [Int]

    /// Row groups kept decoded: the judge's groups, the JSONL writer and the Parquet writer each
    /// work near one place of the file.
    static let cachedRowGroups = 3

    private struct Cache {
        let reader: ParquetFileReader
        /// Most recently used last.
        var rowGroups: [(index: Int, rows: [ParquetValue])] = []
    }

    private let cache: Mutex<Cache>

    /// True when the file has `group_index` (its groups are ART group lines).
    var hasGroups: Bool { art.groupIndex != nil }

    /// Opens `path` (named `name` in messages) and scans it: every row is decoded once, its JSON
    /// columns checked, and its group noted.
    init(path: String, name: String) throws {
        let reader: ParquetFileReader
        let art: ARTParquetSchema
        do throws(ParquetError) {
            reader = try ParquetFileReader(path: path, name: name)
            do { art = try ARTParquetSchema(reader.schema) } catch { throw error.at(path: name) }
        } catch {
            throw InputError.parquet(error)
        }
        var groups: [Group] = []
        var ordinal: [String: Int32] = [:]
        var groupOfRow: [Int32] = [], memberOfRow: [Int32] = []
        var starts: [Int] = []
        var row = 0
        var lastDecoded: (Int, [ParquetValue])?
        for g in 0..<reader.rowGroupCount {
            starts.append(row)
            let rows: [ParquetValue]
            do { rows = try reader.readRowGroup(g) } catch { throw InputError.parquet(error) }
            // Each row's group, in order (cheap); then the rows' checks, in parallel; then the groups' bookkeeping.
            var ordinals: [Int32] = []
            ordinals.reserveCapacity(rows.count)
            var firsts: [Bool] = []
            firsts.reserveCapacity(rows.count)
            var known = groups.count  // groups met so far, counting this row group's new ones
            for value in rows {
                // Without group_index, every row starts a group of its own.
                var o = Int32(known)
                if let gi = art.groupIndex {
                    let key = Self.groupKey(value.fields?[gi] ?? .null)
                    if let existing = ordinal[key] { o = existing } else { ordinal[key] = o }
                }
                firsts.append(Int(o) == known)
                if Int(o) == known { known += 1 }
                ordinals.append(o)
            }
            let checks = try Self.check(rows, firstRow: row, firsts: firsts, art: art, name: name)
            for i in rows.indices {
                let o = ordinals[i], c = checks[i]
                if firsts[i] {
                    groups.append(
                        Group(firstRow: row, lastRow: row, count: 0, keyObject: c.key ?? JSONObject(), problem: nil, textBytes: 0))
                }
                var group = groups[Int(o)]
                if art.groupIndex != nil {
                    groupOfRow.append(o)
                    memberOfRow.append(Int32(group.count))
                }
                if c.messages == 0, group.problem == nil {
                    group.problem =
                        art.groupIndex == nil
                        ? .invalidLine(path: name, line: row + 1, "\"messages_and_choices\" is empty (row \(row + 1) has no messages)")
                        : .invalidLine(
                            path: name, line: group.firstRow + 1,
                            "trajectories[\(group.count)]: \"messages_and_choices\" is empty (row \(row + 1) has no messages)")
                }
                group.textBytes += c.textBytes
                group.count += 1
                group.lastRow = row
                groups[Int(o)] = group
                row += 1
            }
            lastDecoded = (g, rows)
        }
        starts.append(row)
        self.path = path
        self.name = name
        self.schema = reader.schema
        self.rowCount = row
        self.codec = reader.codec
        self.art = art
        self.groups = groups
        self.lineOrder = groups.indices.sorted { groups[$0].lastRow < groups[$1].lastRow }.map { Int32($0) }
        self.groupOfRow = groupOfRow
        self.memberOfRow = memberOfRow
        self.rowGroupStarts = starts
        // The last row group read stays decoded: a file of one row group is decoded once in all.
        var cache = Cache(reader: reader)
        if let (g, rows) = lastDecoded { cache.rowGroups.append((g, rows)) }
        self.cache = Mutex(cache)
    }

    /// A group key's text: the same `group_index` value always gives the same text.
    static func groupKey(_ value: ParquetValue) -> String {
        switch value {
        case .int64(let v): return String(v)
        case .int32(let v): return String(v)
        case .null: return "null"
        case .bytes(let b): return "b:" + String(decoding: b, as: UTF8.self)
        default: return "\(value)"
        }
    }

    /// What the scan learns of one row: its key object (the first row of a group), its messages, its size.
    private struct RowCheck: Sendable {
        var key: JSONObject?
        var messages = 0
        var textBytes = 0
    }

    /// Checks a row group's rows (`firsts`: which rows start a group), on two threads for a large
    /// row group; throws the problem of the earliest row that has one.
    private static func check(
        _ rows: [ParquetValue], firstRow: Int, firsts: [Bool], art: ARTParquetSchema, name: String
    ) throws -> [RowCheck] {
        @Sendable func run(_ range: Range<Int>) throws -> [RowCheck] {
            var encoder = ARTRowEncoder(art: art, name: name)
            return try range.map { i in
                let fields = rows[i].fields ?? []
                let row = firstRow + i + 1
                let (keyFields, messages) = try encoder.check(fields, row: row, keyFields: firsts[i])
                var key: JSONObject?
                if firsts[i] {
                    if art.groupIndex != nil {
                        var object = try encoder.checkGroupFields(fields, row: row)
                        object.members.append(.init("trajectories", .array([.object(keyFields ?? JSONObject())])))
                        key = object
                    } else {
                        key = keyFields
                    }
                }
                return RowCheck(key: key, messages: messages, textBytes: textBytes(fields, art: art))
            }
        }
        let parts = rows.count >= 1024 ? 2 : 1
        guard parts > 1 else { return try run(rows.indices) }
        let results = ResultSlots<[RowCheck]>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            results.set(p, Result { try run((rows.count * p / parts)..<(rows.count * (p + 1) / parts)) })
        }
        // Parts are in row order and each stops at its first problem: the first failed part has the earliest.
        return try results.values().flatMap { try $0.get() }
    }

    private static func textBytes(_ fields: [ParquetValue], art: ARTParquetSchema) -> Int {
        var n = 200
        for item in fields[art.messages].items ?? [] {
            guard let m = item.fields else { continue }
            n += 40
            for i in [art.content, art.toolCalls] {
                if let i, case .bytes(let b) = m[i] { n += b.count }
            }
        }
        return n
    }

    // MARK: Rows

    /// The number of row groups.
    package var rowGroupCount: Int { rowGroupStarts.count - 1 }

    /// The decoded rows of row group `g` (each a `.record`), from the cache or the file.
    package func rows(inRowGroup g: Int) throws -> [ParquetValue] {
        try cache.withLock { cache in
            if let i = cache.rowGroups.firstIndex(where: { $0.index == g }) {
                let hit = cache.rowGroups.remove(at: i)
                cache.rowGroups.append(hit)
                return hit.rows
            }
            let rows: [ParquetValue]
            do throws(ParquetError) { rows = try cache.reader.readRowGroup(g) } catch { throw InputError.parquet(error) }
            if cache.rowGroups.count >= Self.cachedRowGroups { cache.rowGroups.removeFirst() }
            cache.rowGroups.append((g, rows))
            return rows
        }
    }

    /// Row `row`'s group (its ordinal; without `group_index`, the row itself) and its member position.
    package func place(ofRow row: Int) -> (group: Int, member: Int) {
        hasGroups ? (Int(groupOfRow[row]), Int(memberOfRow[row])) : (row, 0)
    }

    /// The row groups kept decoded, least recently used first (for tests).
    var cachedRowGroupIndices: [Int] { cache.withLock { $0.rowGroups.map(\.index) } }

    /// The row group holding `row`.
    private func rowGroup(of row: Int) -> Int {
        var lo = 0, hi = rowGroupCount - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if rowGroupStarts[mid] <= row { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The fields of group `o`'s rows, in member order.
    func rows(ofGroup o: Int) throws -> [[ParquetValue]] {
        let group = groups[o]
        var out: [[ParquetValue]] = []
        out.reserveCapacity(group.count)
        var row = group.firstRow
        while row <= group.lastRow {
            let g = rowGroup(of: row)
            let rows = try self.rows(inRowGroup: g)
            let start = rowGroupStarts[g]
            let end = min(group.lastRow + 1, rowGroupStarts[g + 1])
            for r in row..<end where place(ofRow: r).group == o {
                out.append(rows[r - start].fields ?? [])
            }
            row = end
        }
        return out
    }

    /// The judge's view of group `o`'s trajectories, in member order.
    func trajectories(ofGroup o: Int) throws -> [Trajectory] {
        let encoder = ARTRowEncoder(art: art, name: name)
        return try rows(ofGroup: o).map { encoder.judgeView($0) }
    }

    /// Group `o` as the JSON of ART's JSONL logs: a group line, or one trajectory (no newline).
    func line(ofGroup o: Int) throws -> [UInt8] {
        try Self.line(rows: rows(ofGroup: o), art: art, name: name)
    }

    /// Rows of one group as the JSON of ART's JSONL logs.
    static func line(rows: [[ParquetValue]], art: ARTParquetSchema, name: String) throws -> [UInt8] {
        var encoder = ARTRowEncoder(art: art, name: name)
        encoder.checks = false
        var w = JSONWriter(reservingCapacity: 1 << 14)
        guard art.groupIndex != nil else {
            if let row = rows.first { _ = try encoder.trajectory(row, row: 0, into: &w, keyFields: false) }
            return w.take()
        }
        w.append(raw: "{\"trajectories\":[".utf8)
        for (i, row) in rows.enumerated() {
            if i > 0 { w.append(raw: ",".utf8) }
            _ = try encoder.trajectory(row, row: 0, into: &w, keyFields: false)
        }
        w.append(raw: "]".utf8)
        if let first = rows.first { _ = try encoder.groupFields(first, row: 0, into: &w) }
        w.append(raw: "}".utf8)
        return w.take()
    }
}
