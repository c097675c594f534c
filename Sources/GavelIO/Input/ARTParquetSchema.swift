import GavelJSON
import GavelParquet

/// Where ART's fields sit in a Parquet file's schema (`art.utils.trajectory_logging`): one row per
/// trajectory, `group_index` naming its group, `messages` a list of flat message structs.
package struct ARTParquetSchema: Sendable {
    let groupIndex: Int?
    let groupMetadata: Int?
    let groupMetrics: Int?
    let groupLogs: Int?
    let reward: Int?
    let metrics: Int?
    let metadata: Int?
    let tools: Int?
    let logs: Int?
    let messages: Int
    /// Gavel's own column, in a file Gavel ranked.
    let gavel: Int?
    /// Within a message struct: each field's position.
    let role: Int?, content: Int?, toolCalls: Int?, toolCallID: Int?, trainable: Int?

    /// A `reward` value as JSON, the way ART's JSONL wrote it (null when absent or not a number).
    static func reward(_ value: ParquetValue) -> JSONValue {
        switch value {
        case .double(let d): return ParquetJSON.number(d)
        case .float(let f): return ParquetJSON.number(Double(f))
        case .int64(let i): return .number(String(i))
        case .int32(let i): return .number(String(i))
        default: return .null
        }
    }

    /// Finds ART's fields in `schema`, or says what is missing.
    init(_ schema: ParquetSchema) throws(ParquetError) {
        func field(_ name: String) -> Int? { schema.fieldIndex(name) }
        guard let m = field("messages") else {
            throw ParquetError.schema(
                column: "messages", "not found: expected ART's trajectory schema (one row per trajectory, a messages list)")
        }
        let node = schema.root.children[m]
        guard let item = node.itemNode, !item.isLeaf else {
            throw ParquetError.schema(column: "messages", "expected a list of message structs (role, content, tool_calls, ...)")
        }
        func sub(_ name: String) -> Int? { item.children.firstIndex { $0.name == name } }
        guard sub("role") != nil else { throw ParquetError.schema(column: "messages", "its messages have no role field") }
        messages = m
        role = sub("role")
        content = sub("content")
        toolCalls = sub("tool_calls")
        toolCallID = sub("tool_call_id")
        trainable = sub("trainable")
        groupIndex = field("group_index")
        groupMetadata = field("group_metadata")
        groupMetrics = field("group_metrics")
        groupLogs = field("group_logs")
        reward = field("reward")
        metrics = field("metrics")
        metadata = field("metadata")
        tools = field("tools")
        logs = field("logs")
        gavel = field("gavel")
    }
}
