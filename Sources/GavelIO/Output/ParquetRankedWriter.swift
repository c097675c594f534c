import GavelJSON
import GavelParquet
import GavelScoring

/// Writes ranked rows as Parquet: each input row with `reward`, `metrics` and `logs` as the
/// ranking set them (ART's `ruler_score_group` fields, by the same rules as JSONL output:
/// `ScoreStage.annotate`), a `gavel` column (JSON text), and every other value unchanged.
///
/// Rows come straight from the input's decoded row groups with their annotations; no JSON is
/// written or read back but the small `metrics` and `gavel` texts.
///
/// `@unchecked Sendable`: the pipeline's writer task is its only user, and it hands the writer to
/// one `offload` at a time, awaiting each before the next, so no two threads ever touch it at once.
package final class ParquetRankedWriter: @unchecked Sendable {
    private let writer: ParquetFileWriter
    private let schema: ParquetSchema
    private let inputSchema: ParquetSchema
    private let firstName: String
    private let gavelField: Int
    /// The output as messages name it.
    private let outputName: String

    /// Starts a Parquet output to `sink` (named `outputName` in messages) with `first`'s schema (plus
    /// `gavel`). `codec`: nil keeps the input's codec where Gavel writes it, else ZSTD.
    init(first: ParquetInput, codec: ParquetCodec?, to sink: OutputSink, named outputName: String) throws {
        self.outputName = outputName
        let codec = codec ?? first.codec.flatMap { ParquetCodec.writable.contains($0) ? $0 : nil } ?? .zstd
        inputSchema = first.schema
        firstName = first.name
        do {
            schema = try Self.outputSchema(first.schema)
            writer = try ParquetFileWriter(
                output: { bytes throws(ParquetError) in
                    do { try sink.write(chunk: bytes) } catch { throw .io("\(error)") }
                }, schema: schema, codec: codec)
        } catch {
            throw OutputError("cannot write \(outputName): \(error)")
        }
        gavelField = schema.fieldIndex(ARTAnnotation.gavel) ?? 0
    }

    /// Throws unless `source`'s rows can go to this output (the same schema as the first input's).
    func check(_ source: ParquetInput) throws {
        guard source.schema == inputSchema else {
            throw OutputError("\(source.name) has another schema than \(firstName): write each to its own file (--output-dir)")
        }
    }

    /// Writes one input row: with its trajectory's annotation, or unchanged (and a null `gavel`) without one.
    package func write(
        _ row: [ParquetValue], art: ARTParquetSchema, annotation: ScoreStage.Annotation?, context: ScoreStage.EncodeContext
    ) throws {
        var fields = row
        var gavel: JSONValue?
        if let annotation {
            let original = Self.originals(fields, art: art)
            var ranked = original
            ScoreStage.annotate(&ranked, annotation, context: context)
            apply(ranked, original: original, art: art, to: &fields)
            gavel = ranked[ARTAnnotation.gavel]
        }
        if fields.count < schema.root.children.count { fields.append(.null) }
        fields[gavelField] = gavel.map { .text(JSONWriter.string($0)) } ?? .null
        do { try writer.write(.record(fields)) } catch { throw OutputError("cannot write \(outputName): \(error)") }
    }

    /// Writes the last row group and the footer.
    func finish() throws {
        do { try writer.finish() } catch { throw OutputError("cannot write \(outputName): \(error)") }
    }

    /// The input schema with a `gavel` text column at the end (unless it has one from an earlier ranking).
    static func outputSchema(_ input: ParquetSchema) throws(ParquetError) -> ParquetSchema {
        guard input.fieldIndex(ARTAnnotation.gavel) == nil else { return input }
        var root = input.root
        root.children.append(.optionalText(ARTAnnotation.gavel))
        return try ParquetSchema(root: root)
    }

    /// A row's `reward`, `metrics` and `logs` as ART's JSONL spells them (what `annotate` reads).
    private static func originals(_ fields: [ParquetValue], art: ARTParquetSchema) -> JSONObject {
        var o = JSONObject()
        if let r = art.reward { o[ARTAnnotation.reward] = ARTParquetSchema.reward(fields[r]) }
        if let m = art.metrics, case .bytes(let b) = fields[m], !b.isEmpty {
            o[ARTAnnotation.metrics] = (try? JSONParser.parse(b)) ?? .null
        } else {
            o[ARTAnnotation.metrics] = .object(JSONObject())
        }
        o[ARTAnnotation.logs] = .array((art.logs.flatMap { fields[$0].items } ?? []).map { $0.text.map(JSONValue.string) ?? .null })
        return o
    }

    /// Puts the ranking's `reward`, `metrics` and `logs` into the row, where they changed.
    private func apply(_ ranked: JSONObject, original: JSONObject, art: ARTParquetSchema, to fields: inout [ParquetValue]) {
        if let r = art.reward, let v = ranked[ARTAnnotation.reward], v != original[ARTAnnotation.reward] {
            let node = schema.root.children[r]
            switch (node.physicalType, v.doubleValue) {
            case (.double?, let d?): fields[r] = .double(d)
            case (.float?, let d?): fields[r] = .float(Float(d))
            default: break
            }
        }
        if let m = art.metrics, let v = ranked[ARTAnnotation.metrics], v != original[ARTAnnotation.metrics] {
            fields[m] = .text(JSONWriter.string(v))
        }
        if let l = art.logs, let v = ranked[ARTAnnotation.logs]?.arrayValue, ranked[ARTAnnotation.logs] != original[ARTAnnotation.logs] {
            fields[l] = .list(v.map { $0.stringValue.map(ParquetValue.text) ?? .null })
        }
    }
}
