/// Why a Parquet file could not be read or written, with the file and column it concerns.
///
/// Messages read `FILE: column X: what` (or `FILE: what` when no column is involved).
public struct ParquetError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case notParquet, corrupt, unsupported, io, invalidValue, schema
    }

    private let code: Code
    /// The file concerned, as the user named it (empty until the file reader adds it).
    public private(set) var path: String
    /// The dotted column path, when one column is concerned.
    public private(set) var column: String?
    /// What went wrong.
    public let detail: String

    private init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
        self.path = ""
        self.column = nil
    }

    /// The file does not start and end with `PAR1`.
    static func notParquet(_ detail: String) -> ParquetError { ParquetError(.notParquet, detail) }
    /// The bytes contradict themselves: a truncated file, a bad offset, an undecodable page.
    static func corrupt(_ detail: String) -> ParquetError { ParquetError(.corrupt, detail) }
    /// Valid Parquet that Gavel does not read (an encoding, a codec, encryption).
    static func unsupported(_ detail: String) -> ParquetError { ParquetError(.unsupported, detail + " is not supported") }
    /// The operating system refused a read or a write.
    public static func io(_ detail: String) -> ParquetError { ParquetError(.io, detail) }
    /// The schema lacks what a reader of it needs (a column, a shape).
    public static func schema(column: String, _ detail: String) -> ParquetError {
        var e = ParquetError(.schema, detail)
        e.column = column
        return e
    }
    /// A value does not fit the schema it is written under.
    public static func invalidValue(_ detail: String) -> ParquetError { ParquetError(.invalidValue, detail) }

    /// True when the file is valid Parquet that uses something Gavel does not read.
    public var isUnsupported: Bool { code == .unsupported }
    /// True when the file is not Parquet at all.
    public var isNotParquet: Bool { code == .notParquet }

    /// This error, naming `path` (and `column`, when not already named).
    public func at(path: String, column: String? = nil) -> ParquetError {
        var e = self
        if e.path.isEmpty { e.path = path }
        if e.column == nil { e.column = column }
        return e
    }

    public var description: String {
        var parts: [String] = []
        if !path.isEmpty { parts.append(path) }
        if let column { parts.append("column \(column)") }
        parts.append(detail)
        return parts.joined(separator: ": ")
    }
}
