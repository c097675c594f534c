import GavelJSON

/// Recognises the JSONL layouts Gavel reads and extracts the judge's view of each trajectory.
///
/// - A **group line** is `{"trajectories": [ {trajectory}, ... ], ...}` (ART's own logs).
/// - A **trajectory line** is an object with `messages_and_choices` (ART; items are chat messages
///   or OpenAI Choice objects, which count as their `message`) or `messages` (plain chat list).
public enum TrajectoryDecoder {
    /// What a line holds.
    public enum Line {
        case group(JSONObject, [Trajectory])
        case trajectory(JSONObject, Trajectory)
    }

    /// Top-level fields of a trajectory that Gavel reads or rewrites: a line that holds one of them
    /// twice is refused, since readers disagree on which copy counts.
    static let watchedFields = ["reward", "metrics", "logs", "gavel", "messages", "messages_and_choices", "tools"]

    /// Parses and classifies one line; errors name the file and line.
    ///
    /// - Parameters:
    ///   - keyPaths: the grouping rule's dotted paths, split into their parts (see
    ///     `GroupingRule.pathParts`), whose members may not be duplicated either.
    ///   - validate: false for a line read again after indexing already checked it (UTF-8 and
    ///     duplicate keys), so the per-line checks are paid once per run.
    ///   - canonical: false when only checking the line (the input scan): the messages then keep
    ///     their key order, and the judge stage, which reads the line again, pays for `canonical(_:)`.
    public static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int, keyPaths: [[String]] = [], validate: Bool = true,
        canonical: Bool = true
    ) throws(InputError) -> Line {
        if validate, let base = bytes.baseAddress, let bad = ByteScan.firstInvalidUTF8(base, end: bytes.count) {
            throw .invalidLine(path: path, line: line, "invalid UTF-8 at byte \(bad + 1) (expected UTF-8 text)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidLine(path: path, line: line, "\(error)")
        }
        guard case .object(let object) = value else {
            throw .invalidLine(path: path, line: line, "expected a JSON object, found \(value.typeName)")
        }
        if validate { try checkDuplicates(object, fields: ["trajectories"], keyPaths: keyPaths, path: path, line: line, context: "") }
        if let list = object["trajectories"] {
            guard case .array(let items) = list else {
                throw .invalidLine(path: path, line: line, "\"trajectories\" must be an array, found \(list.typeName)")
            }
            guard !items.isEmpty else { throw .invalidLine(path: path, line: line, "\"trajectories\" is empty") }
            var trajectories: [Trajectory] = []
            trajectories.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard case .object(let t) = item else {
                    throw .invalidLine(path: path, line: line, "trajectories[\(i)] must be an object, found \(item.typeName)")
                }
                trajectories.append(
                    try member(
                        t, path: path, line: line, context: "trajectories[\(i)]: ", keyPaths: keyPaths, validate: validate,
                        canonical: canonical))
            }
            return .group(object, trajectories)
        }
        return .trajectory(
            object, try member(object, path: path, line: line, context: "", keyPaths: keyPaths, validate: validate, canonical: canonical))
    }

    /// One trajectory object of a group (or a trajectory line), checked as every reader checks it:
    /// no field Gavel reads or rewrites given twice (unless `validate` is false: read again after a
    /// check), then its judge view. A service's request goes through here too.
    public static func member(
        _ object: JSONObject, path: String, line: Int, context: String, keyPaths: [[String]] = [], validate: Bool = true,
        canonical: Bool = true
    ) throws(InputError) -> Trajectory {
        if validate { try checkDuplicates(object, fields: watchedFields, keyPaths: keyPaths, path: path, line: line, context: context) }
        return try trajectory(object, path: path, line: line, context: context, canonical: canonical)
    }

    /// Throws `duplicate key "NAME"` if `object` holds one of `fields` twice, or a member along one of `keyPaths` twice.
    private static func checkDuplicates(
        _ object: JSONObject, fields: [String], keyPaths: [[String]], path: String, line: Int, context: String
    ) throws(InputError) {
        // Objects have a handful of members and the watch lists a handful of names: plain
        // comparisons, no hashing (this runs for every line, twice).
        func duplicate(in object: JSONObject, of names: [String]) -> String? {
            var seen: [String] = []
            for member in object.members where names.contains(member.key) {
                if seen.contains(member.key) { return member.key }
                seen.append(member.key)
            }
            return nil
        }
        if let key = duplicate(in: object, of: fields) {
            throw .invalidLine(path: path, line: line, context + "duplicate key \"\(key)\"")
        }
        for keyPath in keyPaths {
            var current = object
            var prefix = ""
            for name in keyPath {
                if duplicate(in: current, of: [name]) != nil {
                    throw .invalidLine(path: path, line: line, context + "duplicate key \"\(prefix)\(name)\"")
                }
                guard let next = current[name]?.objectValue else { break }
                current = next
                prefix += name + "."
            }
        }
    }

    /// The judge's view of one trajectory object.
    public static func trajectory(
        _ object: JSONObject, path: String, line: Int, context: String, canonical isCanonical: Bool = true
    ) throws(InputError) -> Trajectory {
        let field: String
        let list: JSONValue
        if let m = object["messages_and_choices"] {
            field = "messages_and_choices"
            list = m
        } else if let m = object["messages"] {
            field = "messages"
            list = m
        } else {
            throw .invalidLine(
                path: path, line: line,
                context + "no messages: expected \"messages_and_choices\" or \"messages\" (or a group line with \"trajectories\")")
        }
        guard case .array(let items) = list else {
            throw .invalidLine(path: path, line: line, context + "\"\(field)\" must be an array, found \(list.typeName)")
        }
        guard !items.isEmpty else { throw .invalidLine(path: path, line: line, context + "\"\(field)\" is empty") }
        var messages: [JSONValue] = []
        messages.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else {
                throw .invalidLine(path: path, line: line, context + "\(field)[\(i)] must be an object, found \(item.typeName)")
            }
            if let message = o["message"], o["finish_reason"] != nil || o["index"] != nil {
                // An OpenAI Choice: judge its message; logprobs and the rest stay out of the prompt.
                guard case .object = message else {
                    throw .invalidLine(path: path, line: line, context + "\(field)[\(i)].message must be an object")
                }
                messages.append(isCanonical ? canonical(message) : message)
            } else {
                guard o["role"] != nil else {
                    throw .invalidLine(
                        path: path, line: line,
                        context + "\(field)[\(i)] has no \"role\" (expected a chat message or a Choice with \"message\")")
                }
                messages.append(isCanonical ? canonical(item) : item)
            }
        }
        var tools = object["tools"]
        if let t = tools, t.isNull || t.arrayValue?.isEmpty == true { tools = nil }
        return Trajectory(messages: messages, tools: tools)
    }

    /// A message with its keys in one order: `role`, then `content`, then the rest (and every
    /// nested object's keys) sorted. Key order means nothing in JSON, so the judge's prompt, and
    /// the cache key made from it, should not depend on it: the same message read from ART's
    /// Parquet logs (which rebuild messages field by field) and from its JSONL logs (which kept
    /// each writer's order) is one prompt and one cache entry. A plain `{role, content}` message
    /// is returned unchanged.
    package static func canonical(_ message: JSONValue) -> JSONValue {
        guard case .object(let o) = message else { return message }
        if o.members.count == 2, o.members[0].key == "role", o.members[1].key == "content", o.members[1].value.arrayValue == nil {
            return message
        }
        func rank(_ key: String) -> Int { key == "role" ? 0 : key == "content" ? 1 : 2 }
        let members = o.members.sorted { a, b in
            rank(a.key) != rank(b.key) ? rank(a.key) < rank(b.key) : a.key < b.key
        }
        return .object(JSONObject(members.map { .init($0.key, sortedKeys($0.value)) }))
    }

    private static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let o): return .object(JSONObject(o.members.sorted { $0.key < $1.key }.map { .init($0.key, sortedKeys($0.value)) }))
        case .array(let a): return .array(a.map(sortedKeys))
        default: return value
        }
    }
}
