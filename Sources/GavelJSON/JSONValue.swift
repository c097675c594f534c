/// A JSON value that keeps object keys in their original order and numbers as written.
///
/// Keeping order and number text lets Gavel pass a trajectory's fields through unchanged
/// and render prompts deterministically.
public enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    /// A number, kept as its literal text (e.g. `0.50`, `1e3`) so re-encoding does not alter it.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A number value from a `Double`; non-finite values become `null`.
    public static func double(_ d: Double) -> JSONValue {
        guard d.isFinite else { return .null }
        if d == d.rounded(), abs(d) < 1e15 { return .number(String(Int64(d))) }
        return .number("\(d)")
    }

    /// A number value from an integer.
    public static func int(_ i: Int) -> JSONValue { .number(String(i)) }

    /// The object, if this is one.
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    /// The text, if this is a string.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The number as a finite `Double`, if this is a number (`NaN`, `Infinity` and overflowing numbers give nil).
    public var doubleValue: Double? {
        guard case .number(let n) = self, let d = Double(n), d.isFinite else { return nil }
        return d
    }
    /// The number as an `Int`, if this is a whole number that fits one.
    public var intValue: Int? { doubleValue.flatMap { Int(exactly: $0.rounded()) } }
    /// Whether this is `null`.
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// Follows a dotted path (`metadata.group_id`) through nested objects.
    public func value(atPath path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            current = current?[String(part)]
        }
        return current
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON object's members in their original order.
public struct JSONObject: Sendable, Equatable, Hashable {
    /// One key and its value.
    public struct Member: Sendable, Equatable, Hashable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public var members: [Member]

    public init(_ members: [Member] = []) { self.members = members }

    /// Builds an object from key/value pairs, in order.
    public init(pairs: KeyValuePairs<String, JSONValue>) {
        members = pairs.map { Member($0.key, $0.value) }
    }

    /// The value of the first member named `key`; setting replaces it in place or appends it.
    public subscript(key: String) -> JSONValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append(Member(key, newValue))
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }
}
