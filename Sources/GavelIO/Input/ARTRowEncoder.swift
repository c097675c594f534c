import GavelCore
import GavelJSON
import GavelParquet
import GavelSupport

/// Reads rows of ART's Parquet schema: checks them, gives the judge's view of a trajectory, and
/// writes them as the JSON of ART's JSONL logs (the group lines of JSONL output and of `gavel eval`).
///
/// Every JSON text column (`metrics`, `metadata`, `tools`, `tool_calls`, `gavel`, the group's) is
/// checked once, when the input is scanned (`check`); what is read later is trusted.
struct ARTRowEncoder {
    let art: ARTParquetSchema
    let name: String
    /// Whether JSON text columns are checked before they are copied (false once a scan checked them).
    var checks = true
    /// The last JSON texts checked (a `tools` value repeats on every row of a run): compared, not hashed.
    private var checked: [ArraySlice<UInt8>] = []

    init(art: ARTParquetSchema, name: String) {
        self.art = art
        self.name = name
    }

    /// Checks one row's JSON text columns; returns how many messages it holds and, when `keyFields`,
    /// its fields but messages (what a grouping rule or a reference path may read).
    mutating func check(_ fields: [ParquetValue], row: Int, keyFields: Bool) throws -> (key: JSONObject?, messages: Int) {
        var key = keyFields ? JSONObject() : nil
        if let r = art.reward { key?.members.append(.init("reward", ARTParquetSchema.reward(fields[r]))) }
        for (index, column) in [(art.metrics, "metrics"), (art.metadata, "metadata")] {
            let parsed = try validated(index.map { fields[$0] }, column: column, row: row, object: true, parse: keyFields)
            key?.members.append(.init(column, parsed ?? .object(JSONObject())))
        }
        var count = 0
        for item in fields[art.messages].items ?? [] {
            guard let m = item.fields else { continue }
            count += 1
            if let c = art.toolCalls { try validated(m[c], column: "messages.tool_calls", row: row, object: false, parse: false) }
        }
        if let t = art.tools { try validated(fields[t], column: "tools", row: row, object: false, parse: false) }
        if let g = art.gavel, let parsed = try validated(fields[g], column: "gavel", row: row, object: true, parse: keyFields) {
            key?.members.append(.init("gavel", parsed))
        }
        return (key, count)
    }

    /// Checks a group's own JSON columns (`group_metadata`, `group_metrics`) and returns them parsed.
    mutating func checkGroupFields(_ fields: [ParquetValue], row: Int) throws -> JSONObject {
        var object = JSONObject()
        for (index, key) in [(art.groupMetadata, "metadata"), (art.groupMetrics, "metrics")] {
            guard let i = index, let v = try validated(fields[i], column: "group_\(key)", row: row, object: true, parse: true) else {
                continue
            }
            object.members.append(.init(key, v))
        }
        return object
    }

    /// The judge's view of a checked row: the same messages and tools as `TrajectoryDecoder` reads
    /// from the row's JSON (`trajectory(_:row:into:keyFields:)`), so a group read from Parquet or from
    /// ART's JSONL is one prompt and one cache entry.
    func judgeView(_ fields: [ParquetValue]) -> Trajectory {
        var messages: [JSONValue] = []
        for item in fields[art.messages].items ?? [] {
            guard let m = item.fields else { continue }
            func sub(_ i: Int?) -> ParquetValue { i.map { m[$0] } ?? .null }
            var message = JSONObject()
            message.members.append(.init("role", Self.string(sub(art.role))))
            message.members.append(.init("content", Self.string(sub(art.content))))
            if case .bytes(let calls) = sub(art.toolCalls), !calls.isEmpty {
                message.members.append(.init("tool_calls", (try? JSONParser.parse(calls)) ?? .null))
            }
            if case .bytes(let id) = sub(art.toolCallID), !id.isEmpty {
                message.members.append(.init("tool_call_id", Self.string(.bytes(id))))
            }
            messages.append(TrajectoryDecoder.canonical(.object(message)))
        }
        var tools: JSONValue?
        if let t = art.tools, case .bytes(let b) = fields[t], !b.isEmpty, let parsed = try? JSONParser.parse(b),
            !parsed.isNull, parsed.arrayValue?.isEmpty != true
        {
            tools = parsed
        }
        return Trajectory(messages: messages, tools: tools)
    }

    /// A text value as a JSON string (null for null; invalid UTF-8 replaced, as Parquet's STRING is UTF-8).
    private static func string(_ value: ParquetValue) -> JSONValue {
        guard case .bytes(let b) = value else { return .null }
        return .string(String(decoding: b, as: UTF8.self))
    }

    /// A value for messages: its first 40 characters, quoted.
    static func excerpt(_ s: String) -> String {
        let cut = s.prefix(40)
        return "\"\(cut)\(cut.count < s.count ? "…" : "")\""
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
        let parsed = checks || parse ? try validated(value, column: column, row: row, object: object, parse: parse) : nil
        w.append(raw: b)
        return (true, parsed)
    }

    /// Checks a JSON text column's value (null or empty text is no value); returns it parsed when
    /// asked (or when it had to be parsed anyway).
    @discardableResult
    private mutating func validated(
        _ value: ParquetValue?, column: String, row: Int, object: Bool, parse: Bool
    ) throws -> JSONValue? {
        guard case .bytes(let b)? = value, !b.isEmpty else { return nil }
        guard parse || !checked.contains(b) else { return nil }  // equal slices of one dictionary entry compare by identity first
        let valid = b.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { ByteScan.firstInvalidUTF8($0, end: buf.count) == nil } ?? true
        }
        let parsed = valid ? try? JSONParser.parse(b) : nil
        guard let v = parsed, !object || v.objectValue != nil else {
            let what = object ? "a JSON object" : "JSON"
            throw InputError.invalidLine(
                path: name, line: row, "column \(column): expected \(what), got \(Self.excerpt(String(decoding: b, as: UTF8.self)))")
        }
        if checked.count == 4 { checked.removeFirst() }
        checked.append(b)
        return v
    }
}
