import GavelJSON
import GavelParquet
import GavelSupport
import Glibc

/// Turns an ART Parquet file into the JSONL Gavel ranks: one ART group line per `group_index`.
///
/// Streams one row group at a time; only groups whose rows are not all read yet stay in memory
/// (one, for ART's files, which write each group's rows together). A group's line is written at
/// the line number of its first row where it can be (padding with blank lines, which the input
/// scan skips), so a message's `FILE:LINE` names the row. Files without `group_index` become one
/// trajectory line per row, grouped like any trajectory lines.
///
/// JSON is written straight from the column values; the JSON text columns (`metrics`, `metadata`,
/// `tools`, `tool_calls`) are checked and copied as they are. The lines' offsets, group keys and
/// problems go to the input index directly, so the run does not parse them again to index them.
enum ParquetTranscoder {
    /// One group line as written: where it is, and what the index needs to know about it.
    struct GroupLine: Sendable {
        /// The group (by position among the file's groups, as in `ParquetSource.groupOfRow`).
        var group: Int32
        var line: Int
        var offset: Int
        var length: Int
        var count: Int
        /// The group's fields and its first trajectory without its messages: enough to find its key.
        var keyObject: JSONObject
        /// Why the line cannot be judged (no messages), if so.
        var problem: InputError?
    }

    /// Transcodes `path` (named `name` in messages) into the file open at `fd`.
    static func transcode(path: String, name: String, into fd: Int32) throws -> ParquetSource {
        let reader = try ParquetFileReader(path: path, name: name)
        let art: ARTParquetSchema
        do { art = try ARTParquetSchema(reader.schema) } catch { throw error.at(path: name) }

        // Pass 1: the group of every row (one small column), so a group's line is written once its last row is read.
        var groupOfRow: [Int32] = [], memberOfRow: [Int32] = [], lastRow: [Int] = [], firstRow: [Int] = []
        if let gi = art.groupIndex {
            var ordinal: [String: Int32] = [:]
            var sizes: [Int32] = []
            var row = 0
            for g in 0..<reader.rowGroupCount {
                for value in try reader.readRowGroup(g, fields: [gi]) {
                    let key = Self.groupKey(value.fields?[gi] ?? .null)
                    let o: Int32
                    if let existing = ordinal[key] {
                        o = existing
                        lastRow[Int(o)] = row
                    } else {
                        o = Int32(sizes.count)
                        ordinal[key] = o
                        sizes.append(0)
                        firstRow.append(row)
                        lastRow.append(row)
                    }
                    groupOfRow.append(o)
                    memberOfRow.append(sizes[Int(o)])
                    sizes[Int(o)] += 1
                    row += 1
                }
            }
        }

        // Pass 2: every row, written as its group completes.
        struct Pending {
            var trajectories = JSONWriter(reservingCapacity: 1 << 14)
            var groupFields: [UInt8] = []
            var keyObject = JSONObject()
            var count = 0
            var problem: InputError?
        }
        var out = LineOutput(fd: fd, name: name)
        var encoder = RowEncoder(art: art, name: name)
        var pending: [Int32: Pending] = [:]
        var lines: [GroupLine] = []
        var row = 0
        for g in 0..<reader.rowGroupCount {
            for value in try reader.readRowGroup(g) {
                let fields = value.fields ?? []
                if art.groupIndex == nil {
                    var w = JSONWriter(reservingCapacity: 4096)
                    _ = try encoder.trajectory(fields, row: row + 1, into: &w, keyFields: false)
                    _ = try out.write(w.bytes, atLine: row + 1)
                    row += 1
                    continue
                }
                let o = groupOfRow[row]
                var group = pending.removeValue(forKey: o) ?? Pending()  // out of the table, so appending copies nothing
                if group.count == 0 {
                    group.trajectories.append(raw: "{\"trajectories\":[".utf8)
                    var w = JSONWriter(reservingCapacity: 256)
                    group.keyObject = try encoder.groupFields(fields, row: row + 1, into: &w)
                    group.groupFields = w.bytes
                } else {
                    group.trajectories.append(raw: ",".utf8)
                }
                let (keyFields, empty) = try encoder.trajectory(
                    fields, row: row + 1, into: &group.trajectories, keyFields: group.count == 0)
                if let keyFields { group.keyObject.members.append(.init("trajectories", .array([.object(keyFields)]))) }
                if empty, group.problem == nil {
                    group.problem = .invalidLine(
                        path: name, line: firstRow[Int(o)] + 1,
                        "trajectories[\(group.count)]: \"messages_and_choices\" is empty (row \(row + 1) has no messages)")
                }
                group.count += 1
                if lastRow[Int(o)] == row {
                    var bytes = group.trajectories.take()
                    bytes.append(UInt8(ascii: "]"))
                    bytes.append(contentsOf: group.groupFields)
                    bytes.append(UInt8(ascii: "}"))
                    let (line, offset) = try out.write(bytes, atLine: firstRow[Int(o)] + 1)
                    lines.append(
                        GroupLine(
                            group: o, line: line, offset: offset, length: bytes.count, count: group.count, keyObject: group.keyObject,
                            problem: group.problem.map { $0.atLine(line) }))
                } else {
                    pending[o] = group
                }
                row += 1
            }
        }
        try out.flush()
        return ParquetSource(
            path: path, name: name, schema: reader.schema, rowCount: row, codec: reader.codec, groupOfRow: groupOfRow,
            memberOfRow: memberOfRow,
            groupLines: art.groupIndex == nil ? nil : lines)
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

    static func excerpt(_ s: String) -> String {
        let cut = s.prefix(40)
        return "\"\(cut)\(cut.count < s.count ? "…" : "")\""
    }
}

/// Writes rows of ART's schema as the JSON of ART's JSONL logs.
private struct RowEncoder {
    let art: ARTParquetSchema
    let name: String
    /// The last JSON texts checked (a `tools` value repeats on every row of a run): compared, not hashed.
    private var checked: [ArraySlice<UInt8>] = []

    init(art: ARTParquetSchema, name: String) {
        self.art = art
        self.name = name
    }

    /// Writes one row as an ART trajectory object; returns its fields but messages (when
    /// `keyFields`, for the group key) and whether it has no messages.
    mutating func trajectory(
        _ fields: [ParquetValue], row: Int, into w: inout JSONWriter, keyFields: Bool
    ) throws -> (JSONObject?, Bool) {
        var key = keyFields ? JSONObject() : nil
        w.append(raw: "{".utf8)
        if let r = art.reward {
            let value = ARTParquetSchema.reward(fields[r])
            w.append(raw: "\"reward\":".utf8)
            w.write(value)
            key?.members.append(.init("reward", value))
            w.append(raw: ",".utf8)
        }
        for (index, column) in [(art.metrics, "metrics"), (art.metadata, "metadata")] {
            w.append(raw: "\"\(column)\":".utf8)
            let (wrote, parsed) = try json(index.map { fields[$0] }, column: column, row: row, object: true, parse: keyFields, into: &w)
            if !wrote { w.append(raw: "{}".utf8) }
            key?.members.append(.init(column, parsed ?? .object(JSONObject())))
            w.append(raw: ",".utf8)
        }
        w.append(raw: "\"messages_and_choices\":[".utf8)
        var count = 0
        for item in fields[art.messages].items ?? [] {
            guard let m = item.fields else { continue }  // a null message holds nothing to judge
            if count > 0 { w.append(raw: ",".utf8) }
            count += 1
            func sub(_ i: Int?) -> ParquetValue { i.map { m[$0] } ?? .null }
            let trainable = sub(art.trainable) == .bool(true)
            let calls = sub(art.toolCalls)
            let hasCalls = calls.text.map { !$0.isEmpty } ?? false
            if trainable {
                // ART keeps a model's Choice as a trainable message: write it back as a Choice.
                w.append(raw: "{\"finish_reason\":\"\(hasCalls ? "tool_calls" : "stop")\",\"index\":0,\"message\":".utf8)
            }
            w.append(raw: "{\"role\":".utf8)
            text(sub(art.role), into: &w)
            w.append(raw: ",\"content\":".utf8)
            text(sub(art.content), into: &w)
            if hasCalls {
                w.append(raw: ",\"tool_calls\":".utf8)
                try json(calls, column: "messages.tool_calls", row: row, object: false, parse: false, into: &w)
            }
            if case .bytes(let id) = sub(art.toolCallID), !id.isEmpty {
                w.append(raw: ",\"tool_call_id\":".utf8)
                text(.bytes(id), into: &w)
            }
            w.append(raw: (trainable ? "}}" : "}").utf8)
        }
        w.append(raw: "]".utf8)
        if let t = art.tools, case .bytes(let b) = fields[t], !b.isEmpty {
            w.append(raw: ",\"tools\":".utf8)
            try json(fields[t], column: "tools", row: row, object: false, parse: false, into: &w)
        }
        w.append(raw: ",\"logs\":[".utf8)
        for (i, log) in (art.logs.flatMap { fields[$0].items } ?? []).enumerated() {
            if i > 0 { w.append(raw: ",".utf8) }
            text(log, into: &w)
        }
        w.append(raw: "]".utf8)
        if let g = art.gavel, case .bytes(let b) = fields[g], !b.isEmpty {
            w.append(raw: ",\"gavel\":".utf8)
            if let parsed = try json(fields[g], column: "gavel", row: row, object: true, parse: keyFields, into: &w).parsed {
                key?.members.append(.init("gavel", parsed))
            }
        }
        w.append(raw: "}".utf8)
        return (key, count == 0)
    }

    /// Writes the group-level fields (`,"metadata":…,"metrics":…,"logs":[…]`) and returns them parsed.
    mutating func groupFields(_ fields: [ParquetValue], row: Int, into w: inout JSONWriter) throws -> JSONObject {
        var object = JSONObject()
        for (index, key) in [(art.groupMetadata, "metadata"), (art.groupMetrics, "metrics")] {
            guard let i = index, case .bytes(let b) = fields[i], !b.isEmpty else { continue }
            w.append(raw: ",\"\(key)\":".utf8)
            if let v = try json(fields[i], column: "group_\(key)", row: row, object: true, parse: true, into: &w).parsed {
                object.members.append(.init(key, v))
            }
        }
        if let i = art.groupLogs, let items = fields[i].items {
            w.append(raw: ",\"logs\":[".utf8)
            for (k, item) in items.enumerated() {
                if k > 0 { w.append(raw: ",".utf8) }
                text(item, into: &w)
            }
            w.append(raw: "]".utf8)
        }
        return object
    }

    /// Writes a text value as a JSON string (null for null; invalid UTF-8 replaced, as Parquet's STRING is UTF-8).
    private func text(_ value: ParquetValue, into w: inout JSONWriter) {
        guard case .bytes(let b) = value else {
            w.append(raw: "null".utf8)
            return
        }
        b.withUnsafeBufferPointer { buf in
            if let base = buf.baseAddress, ByteScan.firstInvalidUTF8(base, end: buf.count) != nil {
                w.write(string: String(decoding: buf, as: UTF8.self))
            } else {
                w.write(utf8: buf)
            }
        }
    }

    /// Copies a JSON text column into the output after checking it; returns whether it wrote
    /// anything (null or empty text writes nothing) and the value parsed, when asked (or when it
    /// had to be parsed anyway).
    @discardableResult
    private mutating func json(
        _ value: ParquetValue?, column: String, row: Int, object: Bool, parse: Bool, into w: inout JSONWriter
    ) throws -> (wrote: Bool, parsed: JSONValue?) {
        guard case .bytes(let b)? = value, !b.isEmpty else { return (false, nil) }
        var parsed: JSONValue?
        if parse || !checked.contains(b) {  // equal slices of one dictionary entry compare by identity first
            let valid = b.withUnsafeBufferPointer { buf in
                buf.baseAddress.map { ByteScan.firstInvalidUTF8($0, end: buf.count) == nil } ?? true
            }
            parsed = valid ? try? JSONParser.parse(b) : nil
            guard let v = parsed, !object || v.objectValue != nil else {
                let what = object ? "a JSON object" : "JSON"
                throw InputError.invalidLine(
                    path: name, line: row,
                    "column \(column): expected \(what), got \(ParquetTranscoder.excerpt(String(decoding: b, as: UTF8.self)))")
            }
            if checked.count == 4 { checked.removeFirst() }
            checked.append(b)
        }
        w.append(raw: b)
        return (true, parsed)
    }
}

/// Buffered lines into a descriptor, each at the line number asked for when it can be.
private struct LineOutput {
    let fd: Int32
    let name: String
    var buffer: [UInt8] = []
    var lines = 0
    var offset = 0

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// Writes `bytes` as line `line` (blank lines before it) or, if that line is passed, the next;
    /// returns its line number and byte offset.
    mutating func write(_ bytes: [UInt8], atLine line: Int) throws -> (line: Int, offset: Int) {
        if line - 1 > lines {
            let blanks = line - 1 - lines
            buffer.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: blanks))
            lines = line - 1
            offset += blanks
        }
        let at = offset
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: "\n"))
        lines += 1
        offset += bytes.count + 1
        if buffer.count >= 1 << 20 { try flush() }
        return (lines, at)
    }

    mutating func flush() throws {
        guard FileDescriptorIO.writeAll(fd, buffer) else {
            throw InputError.cannotRead(path: name, reason: "cannot write a temporary file: \(String(cString: strerror(errno)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
