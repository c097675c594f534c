import GavelCore
import GavelIO
import GavelJSON

/// Reads `gavel rank` output (trajectory lines or group lines) back into groups, for `gavel eval`.
public enum RankedFiles {
    /// The groups of `paths`, in order of first appearance, with the reference reward read at
    /// `truthPath` (a dotted JSON path on each trajectory), and how many trajectories lack it.
    ///
    /// A line that is not Gavel output (no `gavel` object) is an error naming its file and line.
    public static func read(
        _ paths: [String], truthPath: String, excerptLimit: Int = 240
    ) throws -> (groups: [RankedGroup], truthMissing: Int) {
        var groups: [RankedGroup] = []
        var index: [String: Int] = [:]
        var truthMissing = 0
        // Through an input set: Parquet output (Gavel's `gavel` column) reads like JSONL output.
        let inputs = try InputSet(paths: paths)
        for f in inputs.names.indices {
            let path = inputs.names[f]
            try inputs.forEachLine(file: f, maxLineBytes: 64 << 20) { line in
                let value: JSONValue
                do {
                    value = try JSONParser.parse(line.bytes)
                } catch {
                    throw InputError.invalidLine(path: path, line: line.number, "invalid JSON: \(error)")
                }
                guard case .object(let object) = value else {
                    throw InputError.invalidLine(path: path, line: line.number, "expected a JSON object, got \(value.typeName)")
                }
                let trajectories: [JSONObject]
                if case .array(let items)? = object["trajectories"] {
                    trajectories = items.compactMap(\.objectValue)
                } else {
                    trajectories = [object]
                }
                for t in trajectories {
                    guard case .object(let gavel)? = t["gavel"], case .string(let key)? = gavel["group"] else {
                        throw InputError.invalidLine(
                            path: path, line: line.number,
                            "expected Gavel output: a trajectory has no \"gavel\" object with a group (rank the file with gavel rank first)"
                        )
                    }
                    let truth = JSONValue.object(t).value(atPath: truthPath).flatMap(Self.number)
                    if truth == nil { truthMissing += 1 }
                    let score = gavel["score"]?.doubleValue
                    let samples = gavel["samples"]?.arrayValue?.compactMap(\.doubleValue) ?? score.map { [$0] } ?? []
                    let slots = gavel["slots"]?.arrayValue?.compactMap(\.intValue) ?? []
                    let member = RankedGroup.Member(
                        score: score, samples: samples, slots: slots, truth: truth, rank: gavel["rank"]?.intValue,
                        advantage: gavel["advantage"]?.doubleValue, explanation: gavel["explanation"]?.stringValue ?? "",
                        excerpt: Self.lastMessage(t).map { Self.excerpt($0, limit: excerptLimit) } ?? "")
                    let id = "\(f)\u{0}\(key)"
                    if let g = index[id] {
                        groups[g].members.append(member)
                    } else {
                        index[id] = groups.count
                        groups.append(
                            RankedGroup(
                                key: key, file: f, members: [member], failure: gavel["error"]?.stringValue,
                                judge: gavel["judge"]?.stringValue, cached: gavel["cached"] == .bool(true)))
                        groups[groups.count - 1].answer = gavel["answer"]?.stringValue
                    }
                }
                return true
            }
        }
        return (groups, truthMissing)
    }

    /// The content of a trajectory's last message (ART's `messages_and_choices` or `messages`; a
    /// Choice's message), as text.
    static func lastMessage(_ t: JSONObject) -> String? {
        guard let last = (t["messages_and_choices"] ?? t["messages"])?.arrayValue?.last?.objectValue else { return nil }
        let message = last["message"]?.objectValue ?? last
        switch message["content"] {
        case .string(let s)?: return s
        case nil, .null?: return message["tool_calls"].map { JSONWriter.string($0) }
        case let other?: return JSONWriter.string(other)
        }
    }

    /// The first `limit` characters of `text`, with an ellipsis when cut.
    static func excerpt(_ text: String, limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// A reference reward as a number: JSON numbers, and booleans as 1 and 0.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .bool(let b): return b ? 1 : 0
        default: return value.doubleValue
        }
    }
}
