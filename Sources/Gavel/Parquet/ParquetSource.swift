import GavelParquet

/// A Parquet input, as Gavel read it: what the writer needs to put ranked rows back in place.
public struct ParquetSource: Sendable {
    /// The file on disk, and as the user named it.
    public let path: String
    public let name: String
    public let schema: ParquetSchema
    public let rowCount: Int
    /// How the file was compressed (its first column chunk's codec), if Gavel reads that codec.
    public let codec: ParquetCodec?
    /// Per row, in file order: its group (by position among the file's groups) and its place in it.
    /// Empty when the file has no `group_index` and each row became its own trajectory line.
    let groupOfRow: [Int32]
    let memberOfRow: [Int32]
    /// The group lines in the order they were written, for the input index and the writer (nil
    /// for one trajectory line per row).
    let groupLines: [ParquetTranscoder.GroupLine]?

    /// True when rows were written as ART group lines (the file has `group_index`).
    var hasGroups: Bool { groupLines != nil }
}
