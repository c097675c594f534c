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

    /// Parses and classifies one line; errors name the file and line.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int) throws(InputError) -> Line {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidLine(path: path, line: line, "\(error)")
        }
        guard case .object(let object) = value else {
            throw .invalidLine(path: path, line: line, "expected a JSON object, found \(value.typeName)")
        }
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
                trajectories.append(try trajectory(t, path: path, line: line, context: "trajectories[\(i)]: "))
            }
            return .group(object, trajectories)
        }
        return .trajectory(object, try trajectory(object, path: path, line: line, context: ""))
    }

    /// The judge's view of one trajectory object.
    public static func trajectory(_ object: JSONObject, path: String, line: Int, context: String) throws(InputError) -> Trajectory {
        let field: String
        let list: JSONValue
        if let m = object["messages_and_choices"] {
            field = "messages_and_choices"
            list = m
        } else if let m = object["messages"] {
            field = "messages"
            list = m
        } else {
            throw .invalidLine(path: path, line: line, context + "no messages: expected \"messages_and_choices\" or \"messages\" (or a group line with \"trajectories\")")
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
                messages.append(message)
            } else {
                guard o["role"] != nil else {
                    throw .invalidLine(path: path, line: line, context + "\(field)[\(i)] has no \"role\" (expected a chat message or a Choice with \"message\")")
                }
                messages.append(item)
            }
        }
        var tools = object["tools"]
        if let t = tools, t.isNull || t.arrayValue?.isEmpty == true { tools = nil }
        return Trajectory(messages: messages, tools: tools)
    }
}
