import GavelJSON

/// A group's reference answers (`--reference PATH`): what the task says a right result is, shown
/// to the judge beside the trajectories.
public enum ReferenceAnswers {
    /// Whether `path` is a dotted JSON path Gavel can follow: names separated by single dots.
    public static func isValidPath(_ path: String) -> Bool {
        !path.isEmpty && path.utf8.count <= 500
            && path.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && !$0.contains(where: \.isWhitespace)
            }
    }

    /// The distinct values at the dotted `path` over `objects` (a group line and its trajectories,
    /// or a group's trajectory lines), null ones left out, ordered by their JSON text: the same
    /// answers whatever order a file lists a group's members in, so the prompt and its cache key
    /// do not depend on it.
    public static func find(at path: String, in objects: [JSONObject]) -> [JSONValue] {
        var seen: [String: JSONValue] = [:]
        for o in objects {
            guard let v = JSONValue.object(o).value(atPath: path), !v.isNull else { continue }
            seen[JSONWriter.string(v)] = v
        }
        return seen.keys.sorted().compactMap { seen[$0] }
    }

    /// Whether any of `objects` has a non-null value at `path`.
    public static func present(at path: String, in objects: [JSONObject?]) -> Bool {
        objects.contains { o in o.flatMap { JSONValue.object($0).value(atPath: path) }.map { !$0.isNull } ?? false }
    }
}
