/// A value of Thrift's compact protocol, kept generic so the footer can be read and written back.
///
/// Parquet's footer and page headers are Thrift structs. Gavel reads them into this tree and picks
/// the fields it needs by id; the schema elements it writes back keep every field they came with.
public indirect enum ThriftValue: Sendable, Equatable {
    case bool(Bool)
    /// An integer with its compact type id (3 byte, 4 i16, 5 i32, 6 i64).
    case int(Int64, type: UInt8)
    case double(Double)
    case binary([UInt8])
    /// A list (or set) with its element type id.
    case list(elementType: UInt8, [ThriftValue])
    /// A map with its key and value type ids.
    case map(keyType: UInt8, valueType: UInt8, [(ThriftValue, ThriftValue)])
    case structure(ThriftStruct)

    public static func == (a: ThriftValue, b: ThriftValue) -> Bool {
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x, let t), .int(let y, let u)): return x == y && t == u
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.binary(let x), .binary(let y)): return x == y
        case (.list(let t, let x), .list(let u, let y)): return t == u && x == y
        case (.map(let k, let v, let x), .map(let l, let w, let y)):
            return k == l && v == w && x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.structure(let x), .structure(let y)): return x == y
        default: return false
        }
    }

    static func i32(_ v: Int) -> ThriftValue { .int(Int64(v), type: 5) }
    static func i64(_ v: Int) -> ThriftValue { .int(Int64(v), type: 6) }
    static func string(_ s: String) -> ThriftValue { .binary(Array(s.utf8)) }

    var intValue: Int? {
        if case .int(let v, _) = self, let i = Int(exactly: v) { return i }
        return nil
    }
    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    var stringValue: String? {
        if case .binary(let b) = self { return String(decoding: b, as: UTF8.self) }
        return nil
    }
    var structValue: ThriftStruct? {
        if case .structure(let s) = self { return s }
        return nil
    }
    var listValue: [ThriftValue]? {
        if case .list(_, let items) = self { return items }
        return nil
    }

    /// The compact protocol's type id for this value.
    var typeID: UInt8 {
        switch self {
        case .bool: return 1
        case .int(_, let t): return t
        case .double: return 7
        case .binary: return 8
        case .list: return 9
        case .map: return 11
        case .structure: return 12
        }
    }
}

/// A Thrift struct: its fields by id, in the order they were read or set.
public struct ThriftStruct: Sendable, Equatable {
    public private(set) var fields: [(id: Int16, value: ThriftValue)] = []

    public init() {}

    public static func == (a: ThriftStruct, b: ThriftStruct) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.id == $1.id && $0.value == $1.value }
    }

    public subscript(id: Int16) -> ThriftValue? {
        get { fields.first { $0.id == id }?.value }
        set {
            if let i = fields.firstIndex(where: { $0.id == id }) {
                if let newValue { fields[i].value = newValue } else { fields.remove(at: i) }
            } else if let newValue {
                fields.append((id, newValue))
            }
        }
    }

    func int(_ id: Int16) -> Int? { self[id]?.intValue }
    func string(_ id: Int16) -> String? { self[id]?.stringValue }
    func structure(_ id: Int16) -> ThriftStruct? { self[id]?.structValue }
    func list(_ id: Int16) -> [ThriftValue]? { self[id]?.listValue }

    /// The fields sorted by id, as the compact writer needs them (ids as deltas).
    var sortedFields: [(id: Int16, value: ThriftValue)] { fields.sorted { $0.id < $1.id } }
}
