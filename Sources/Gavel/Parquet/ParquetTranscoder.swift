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
enum ParquetTranscoder {
    /// Transcodes `path` (named `name` in messages) into the file open at `fd`.
    static func transcode(path: String, name: String, into fd: Int32) throws -> ParquetSource {
        let reader = try ParquetFileReader(path: path, name: name)
        let art: ARTParquetSchema
        do { art = try ARTParquetSchema(reader.schema) } catch { throw error.at(path: name) }
        let schema = reader.schema

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
        var out = LineOutput(fd: fd, name: name)
        var pending: [Int32: (group: JSONObject, trajectories: [JSONValue])] = [:]
        var lineOfGroup = [Int32](repeating: 0, count: firstRow.count)
        var inLineOrder: [Int32] = []
        var row = 0
        for g in 0..<reader.rowGroupCount {
            for value in try reader.readRowGroup(g) {
                let fields = value.fields ?? []
                let trajectory = try Self.trajectory(fields, art: art, schema: schema, name: name, row: row + 1)
                if art.groupIndex == nil {
                    try out.write(.object(trajectory), atLine: row + 1)
                } else {
                    let o = groupOfRow[row]
                    if pending[o] == nil {
                        pending[o] = (try Self.groupFields(fields, art: art, schema: schema, name: name, row: row + 1), [])
                    }
                    pending[o]?.trajectories.append(.object(trajectory))
                    if lastRow[Int(o)] == row, let done = pending.removeValue(forKey: o) {
                        var line = JSONObject()
                        line.members.append(.init("trajectories", .array(done.trajectories)))
                        line.members.append(contentsOf: done.group.members)
                        lineOfGroup[Int(o)] = Int32(try out.write(.object(line), atLine: firstRow[Int(o)] + 1))
                        inLineOrder.append(o)
                    }
                }
                row += 1
            }
        }
        try out.flush()
        return ParquetSource(
            path: path, name: name, schema: schema, rowCount: row, groupOfRow: groupOfRow, memberOfRow: memberOfRow,
            lineOfGroup: lineOfGroup, groupsInLineOrder: inLineOrder)
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

    /// One row as an ART trajectory object, the way ART's JSONL spelled it.
    static func trajectory(
        _ fields: [ParquetValue], art: ARTParquetSchema, schema: ParquetSchema, name: String, row: Int
    ) throws -> JSONObject {
        func text(_ i: Int?) -> String? { i.flatMap { fields[$0].text } }
        func json(_ i: Int?, _ column: String, object: Bool) throws -> JSONValue? {
            guard let s = text(i), !s.isEmpty else { return nil }
            guard let v = try? JSONParser.parse(Array(s.utf8)), !object || v.objectValue != nil else {
                throw InputError.invalidLine(
                    path: name, line: row, "column \(column): expected a JSON \(object ? "object" : "value"), got \(Self.excerpt(s))")
            }
            return v
        }
        var t = JSONObject()
        if let r = art.reward {
            switch fields[r] {
            case .double(let d): t.members.append(.init("reward", ParquetJSON.number(d)))
            case .float(let f): t.members.append(.init("reward", ParquetJSON.number(Double(f))))
            case .int64(let i): t.members.append(.init("reward", .number(String(i))))
            case .int32(let i): t.members.append(.init("reward", .number(String(i))))
            default: t.members.append(.init("reward", .null))
            }
        }
        t.members.append(.init("metrics", try json(art.metrics, "metrics", object: true) ?? .object(JSONObject())))
        t.members.append(.init("metadata", try json(art.metadata, "metadata", object: true) ?? .object(JSONObject())))
        var messages: [JSONValue] = []
        for item in fields[art.messages].items ?? [] {
            guard let m = item.fields else { continue }  // a null message holds nothing to judge
            func sub(_ i: Int?) -> ParquetValue { i.map { m[$0] } ?? .null }
            var message = JSONObject()
            message.members.append(.init("role", sub(art.role).text.map(JSONValue.string) ?? .null))
            message.members.append(.init("content", sub(art.content).text.map(JSONValue.string) ?? .null))
            var calls: JSONValue?
            if let s = sub(art.toolCalls).text, !s.isEmpty {
                guard let v = try? JSONParser.parse(Array(s.utf8)) else {
                    throw InputError.invalidLine(path: name, line: row, "column messages.tool_calls: expected JSON, got \(Self.excerpt(s))")
                }
                calls = v
                message.members.append(.init("tool_calls", v))
            }
            if let id = sub(art.toolCallID).text, !id.isEmpty { message.members.append(.init("tool_call_id", .string(id))) }
            if case .bool(true) = sub(art.trainable) {
                // ART keeps a model's Choice as a trainable message: write it back as a Choice.
                var choice = JSONObject()
                choice.members.append(.init("finish_reason", .string(calls == nil ? "stop" : "tool_calls")))
                choice.members.append(.init("index", .number("0")))
                choice.members.append(.init("message", .object(message)))
                messages.append(.object(choice))
            } else {
                messages.append(.object(message))
            }
        }
        t.members.append(.init("messages_and_choices", .array(messages)))
        if let tools = try json(art.tools, "tools", object: false), !tools.isNull { t.members.append(.init("tools", tools)) }
        let logs = (art.logs.flatMap { fields[$0].items } ?? []).map { $0.text.map(JSONValue.string) ?? .null }
        t.members.append(.init("logs", .array(logs)))
        if let g = try json(art.gavel, "gavel", object: true) { t.members.append(.init("gavel", g)) }
        return t
    }

    /// The group-level fields ART keeps on every row of a group, from the group's first row.
    static func groupFields(
        _ fields: [ParquetValue], art: ARTParquetSchema, schema: ParquetSchema, name: String, row: Int
    ) throws -> JSONObject {
        var g = JSONObject()
        for (index, key) in [(art.groupMetadata, "metadata"), (art.groupMetrics, "metrics")] {
            guard let i = index, let s = fields[i].text, !s.isEmpty else { continue }
            guard let v = try? JSONParser.parse(Array(s.utf8)), v.objectValue != nil else {
                throw InputError.invalidLine(path: name, line: row, "column group_\(key): expected a JSON object, got \(Self.excerpt(s))")
            }
            g.members.append(.init(key, v))
        }
        if let i = art.groupLogs, let items = fields[i].items {
            g.members.append(.init("logs", .array(items.map { $0.text.map(JSONValue.string) ?? .null })))
        }
        return g
    }

    static func excerpt(_ s: String) -> String {
        let cut = s.prefix(40)
        return "\"\(cut)\(cut.count < s.count ? "…" : "")\""
    }
}

/// Buffered JSON lines into a descriptor, each at the line number asked for when it can be.
private struct LineOutput {
    let fd: Int32
    let name: String
    var buffer: [UInt8] = []
    var lines = 0
    var writer = JSONWriter(reservingCapacity: 1 << 16)

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// Writes `value` at line `line` (blank lines before it) or, if that line is passed, the next; returns its line.
    @discardableResult
    mutating func write(_ value: JSONValue, atLine line: Int) throws -> Int {
        if line - 1 > lines {
            buffer.append(contentsOf: repeatElement(UInt8(ascii: "\n"), count: line - 1 - lines))
            lines = line - 1
        }
        writer.reset()
        writer.write(value)
        buffer.append(contentsOf: writer.bytes)
        buffer.append(UInt8(ascii: "\n"))
        lines += 1
        if buffer.count >= 1 << 20 { try flush() }
        return lines
    }

    mutating func flush() throws {
        guard FileDescriptorIO.writeAll(fd, buffer) else {
            throw InputError.cannotRead(path: name, reason: "cannot write a temporary file: \(String(cString: strerror(errno)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
