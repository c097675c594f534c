import GavelParquet

/// A Parquet input, as Gavel read it: what the writer needs to put ranked rows back in place.
public struct ParquetSource: Sendable {
    /// The file on disk, and as the user named it.
    public let path: String
    public let name: String
    public let schema: ParquetSchema
    public let rowCount: Int
    /// Per row, in file order: its group (by position among the file's groups) and its place in it.
    /// Empty when the file has no `group_index` and each row became its own trajectory line.
    let groupOfRow: [Int32]
    let memberOfRow: [Int32]
    /// Per group: the line of the transcoded JSONL it was written to (1-based).
    let lineOfGroup: [Int32]
    /// The groups in the order their lines were written.
    let groupsInLineOrder: [Int32]
    /// The group lines as written, for the input index (nil for one trajectory line per row).
    let groupLines: [ParquetTranscoder.GroupLine]?

    /// True when rows were written as ART group lines (the file has `group_index`).
    var hasGroups: Bool { !groupOfRow.isEmpty || rowCount == 0 }
}
