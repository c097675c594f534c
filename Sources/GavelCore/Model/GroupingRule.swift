import GavelJSON

/// How trajectory lines are gathered into groups.
public enum GroupingRule: Sendable, Equatable {
    /// By the first of these dotted JSON paths that exists on the line.
    case keyPaths([String])
    /// Consecutive chunks of this many trajectory lines.
    case size(Int)

    /// The default: `group_id`, then `metadata.group_id`, then `metadata.scenario_id`.
    public static let `default` = GroupingRule.keyPaths(["group_id", "metadata.group_id", "metadata.scenario_id"])

    /// The group key of a trajectory object under a key-path rule, as text; nil if no path exists.
    public func key(of object: JSONObject) -> String? {
        guard case .keyPaths(let paths) = self else { return nil }
        let root = JSONValue.object(object)
        for path in paths {
            guard let v = root.value(atPath: path) else { continue }
            switch v {
            case .null: continue
            case .string(let s): return s
            case .number(let n): return n
            case .bool(let b): return String(b)
            case .array, .object: return JSONWriter.string(v)
            }
        }
        return nil
    }

    /// The key paths split at their dots, once per run (for checks that walk them on every line).
    public var pathParts: [[String]] {
        guard case .keyPaths(let paths) = self else { return [] }
        return paths.map { $0.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Words for error messages.
    package var describedPaths: String {
        switch self {
        case .keyPaths(let paths): return paths.joined(separator: ", ")
        case .size(let n): return "chunks of \(n)"
        }
    }
}
