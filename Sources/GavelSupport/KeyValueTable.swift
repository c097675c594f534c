/// Rows of `key  value` with the keys padded to one width: summaries, plans and listings.
public struct KeyValueTable: Sendable {
    public var rows: [(key: String, value: String)]

    public init(_ rows: [(String, String)]) { self.rows = rows.map { (key: $0.0, value: $0.1) } }

    /// The rows as lines (each ending in a newline), each starting with `indent`.
    public func render(indent: String = "  ") -> String {
        let width = rows.map(\.key.count).max() ?? 0
        var text = ""
        for row in rows {
            text += indent + row.key + String(repeating: " ", count: width - row.key.count) + "  " + row.value + "\n"
        }
        return text
    }
}
