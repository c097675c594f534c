import GavelJSON
import GavelParquet

/// Writes ranked rows back as Parquet: each input row with `reward`, `metrics` and `logs` as the
/// ranking set them (ART's `ruler_score_group` fields), a `gavel` column (JSON text), and every
/// other value unchanged.
///
/// Reads the ranked JSONL the pipeline wrote (group lines, in input order) beside the input files,
/// one row group at a time; only groups with rows still to come stay in memory.
enum ParquetRankedWriter {
    /// Writes `sources`' rows, ranked by the lines of `rankedPath`, to `sink`. `skippedLines` holds,
    /// per source, the transcoded lines the input scan skipped (`--on-invalid skip`): their rows
    /// are written unchanged, with a null `gavel`.
    /// `codec`: how to compress the output; nil keeps the first input's codec where Gavel writes it, else ZSTD.
    static func write(
        sources: [ParquetSource], rankedPath: String, skippedLines: [Set<Int>], codec: ParquetCodec? = nil, to sink: OutputSink
    ) throws {
        guard let first = sources.first else { return }
        let codec = codec ?? first.codec.flatMap { ParquetCodec.writable.contains($0) ? $0 : nil } ?? .zstd
        let schema = try outputSchema(first.schema)
        let gavelField = schema.fieldIndex("gavel") ?? 0
        let writer = try ParquetFileWriter(
            output: { bytes throws(ParquetError) in
                do { try sink.write(chunk: bytes) } catch { throw .io("\(error)") }
            }, schema: schema, codec: codec)
        let ranked = try LineReader(path: rankedPath)
        var rankedLines = RankedLines(reader: ranked)
        for (s, source) in sources.enumerated() {
            guard source.schema == first.schema else {
                throw OutputError("\(source.name) has another schema than \(first.name): write each to its own file (--output-dir)")
            }
            let reader = try ParquetFileReader(path: source.path, name: source.name)
            let art = try ARTParquetSchema(reader.schema)
            // The ranked lines of this source, in order: the groups (or rows) whose lines were not skipped.
            let skipped = skippedLines[s]
            let skippedGroups = Set((source.groupLines ?? []).filter { skipped.contains($0.line) }.map(\.group))
            var lineQueue: [Int32] =
                source.groupLines?.filter { !skipped.contains($0.line) }.map(\.group)
                ?? (0..<Int32(source.rowCount)).filter { !skipped.contains(Int($0) + 1) }
            lineQueue.reverse()
            var open: [Int32: [JSONValue]] = [:]
            var remaining: [Int32: Int] = [:]
            if source.hasGroups { for o in source.groupOfRow { remaining[o, default: 0] += 1 } }
            var row = 0
            for g in 0..<reader.rowGroupCount {
                for value in try reader.readRowGroup(g) {
                    var fields = value.fields ?? []
                    let key = source.hasGroups ? source.groupOfRow[row] : Int32(row)
                    let member = source.hasGroups ? Int(source.memberOfRow[row]) : 0
                    // Read ranked lines up to this row's group (ART's files: exactly the next line).
                    let wasSkipped = source.hasGroups ? skippedGroups.contains(key) : skipped.contains(Int(key) + 1)
                    while open[key] == nil, lineQueue.last != nil, !wasSkipped {
                        let next = lineQueue.removeLast()
                        open[next] = try rankedLines.next(source.name)
                    }
                    let rankedTrajectory = open[key].flatMap { member < $0.count ? $0[member].objectValue : nil }
                    if let t = rankedTrajectory {
                        apply(t, original: originals(fields, art: art), art: art, schema: schema, to: &fields)
                    }
                    if fields.count < schema.root.children.count { fields.append(.null) }
                    if let t = rankedTrajectory, let gavel = t["gavel"] {
                        fields[gavelField] = .text(JSONWriter.string(gavel))
                    } else {
                        fields[gavelField] = .null
                    }
                    try writer.write(.record(fields))
                    if source.hasGroups {
                        remaining[key, default: 1] -= 1
                        if remaining[key] == 0 { open[key] = nil }
                    } else {
                        open[key] = nil
                    }
                    row += 1
                }
            }
        }
        try writer.finish()
    }

    /// The input schema with a `gavel` text column at the end (unless it has one from an earlier ranking).
    static func outputSchema(_ input: ParquetSchema) throws -> ParquetSchema {
        guard input.fieldIndex("gavel") == nil else { return input }
        var root = input.root
        root.children.append(.optionalText("gavel"))
        return try ParquetSchema(root: root)
    }

    /// A row's `reward`, `metrics` and `logs` as the transcoded JSON spelled them.
    private static func originals(_ fields: [ParquetValue], art: ARTParquetSchema) -> JSONObject {
        var o = JSONObject()
        if let r = art.reward { o["reward"] = ARTParquetSchema.reward(fields[r]) }
        if let m = art.metrics, case .bytes(let b) = fields[m], !b.isEmpty {
            o["metrics"] = (try? JSONParser.parse(b)) ?? .null
        } else {
            o["metrics"] = .object(JSONObject())
        }
        o["logs"] = .array((art.logs.flatMap { fields[$0].items } ?? []).map { $0.text.map(JSONValue.string) ?? .null })
        return o
    }

    /// Puts the ranking's `reward`, `metrics` and `logs` into the row, where they changed.
    private static func apply(
        _ ranked: JSONObject, original: JSONObject, art: ARTParquetSchema, schema: ParquetSchema, to fields: inout [ParquetValue]
    ) {
        if let r = art.reward, let v = ranked["reward"], v != original["reward"] {
            let node = schema.root.children[r]
            switch (node.physicalType, v.doubleValue) {
            case (.double?, let d?): fields[r] = .double(d)
            case (.float?, let d?): fields[r] = .float(Float(d))
            default: break
            }
        }
        if let m = art.metrics, let v = ranked["metrics"], v != original["metrics"] {
            fields[m] = .text(JSONWriter.string(v))
        }
        if let l = art.logs, let v = ranked["logs"]?.arrayValue, ranked["logs"] != original["logs"] {
            fields[l] = .list(v.map { $0.stringValue.map(ParquetValue.text) ?? .null })
        }
    }
}

/// The non-blank lines of the ranked JSONL, parsed, in order.
private struct RankedLines {
    let reader: LineReader
    var buffered: [JSONValue] = []

    init(reader: LineReader) { self.reader = reader }

    /// The trajectories of the next ranked line (a group line, or one trajectory line).
    mutating func next(_ name: String) throws -> [JSONValue] {
        var found: JSONValue?
        try reader.forEachLine { line in
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
            found = try JSONParser.parse(line.bytes)
            return false
        }
        guard let value = found else { throw OutputError("the ranked output of \(name) ended early") }
        if let items = value["trajectories"]?.arrayValue { return items }
        return [value]
    }
}
