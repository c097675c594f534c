import Foundation
import GavelJSON
import GavelParquet

/// Parquet values as JSON, by their schema: records become objects, lists arrays, text strings.
public enum ParquetJSON {
    /// `value` (of the field `node`) as JSON. Byte arrays that are not text become base64 strings;
    /// non-finite floating-point numbers become `null`, as JSON has no other way to say them.
    public static func json(_ value: ParquetValue, node: ParquetSchema.Node) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int32(let i): return .number(String(i))
        case .int64(let i): return .number(String(i))
        case .float(let f): return f.isFinite ? .number("\(f)") : .null
        case .double(let d): return number(d)
        case .bytes(let b): return .string(node.isText ? String(decoding: b, as: UTF8.self) : Data(b).base64EncodedString())
        case .list(let items):
            let element = node.itemNode ?? node
            return .array(items.map { json($0, node: element) })
        case .record(let fields):
            var object = JSONObject()
            for (child, field) in zip(node.children, fields) { object.members.append(.init(child.name, json(field, node: child))) }
            return .object(object)
        }
    }

    /// A double as Python's `json.dumps` writes it (`0.0`, `1.5`, `1e-07`), so JSON written from an
    /// ART Parquet file reads like the JSONL ART itself wrote.
    public static func number(_ d: Double) -> JSONValue { d.isFinite ? .number("\(d)") : .null }
}
