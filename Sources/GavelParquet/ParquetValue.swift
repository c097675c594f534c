/// One value of a Parquet row: a leaf value, a list, or a record of a group's fields in schema order.
public indirect enum ParquetValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int32(Int32)
    case int64(Int64)
    case float(Float)
    case double(Double)
    /// A byte array (text, for a column annotated STRING), an INT96 or a fixed-length byte array.
    /// Read values share their page's memory (no copy per value).
    case bytes(ArraySlice<UInt8>)
    case list([ParquetValue])
    /// A group's fields, in the order of the schema's children.
    case record([ParquetValue])

    /// The bytes as UTF-8 text, when this is a byte array.
    public var text: String? {
        if case .bytes(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The items of a list.
    public var items: [ParquetValue]? {
        if case .list(let v) = self { return v }
        return nil
    }

    /// The fields of a record.
    public var fields: [ParquetValue]? {
        if case .record(let v) = self { return v }
        return nil
    }

    /// Text for a string.
    public static func text(_ s: String) -> ParquetValue { .bytes(ArraySlice(s.utf8)) }
}
