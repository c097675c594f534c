import GavelCore
import GavelJSON

/// The JSON schema of a judge answer for a given set of ids: `{"scores": [{trajectory_id, explanation, score}]}`
/// for explained answers, without `explanation` for the others, and with a leading `summary` for brief ones.
enum ScoresSchema {
    /// The schema with `trajectory_id` pinned to `ids` and the item count fixed.
    static func schema(ids: [String], answer: JudgeMode.Answer = .explained) -> JSONValue {
        var properties: [(String, JSONValue)] = [
            ("trajectory_id", .object(JSONObject(pairs: ["type": .string("string"), "enum": .array(ids.map { .string($0) })])))
        ]
        if answer == .explained { properties.append(("explanation", .object(JSONObject(pairs: ["type": .string("string")])))) }
        properties.append(
            ("score", .object(JSONObject(pairs: ["type": .string("number"), "minimum": .int(0), "maximum": .int(1)]))))
        let item: JSONValue = .object(
            JSONObject(pairs: [
                "type": .string("object"),
                "properties": .object(JSONObject(properties.map { JSONObject.Member($0.0, $0.1) })),
                "required": .array(properties.map { .string($0.0) }),
                "additionalProperties": .bool(false),
            ]))
        var top: [(String, JSONValue)] = []
        if answer == .brief { top.append(("summary", .object(JSONObject(pairs: ["type": .string("string")])))) }
        top.append(
            (
                "scores",
                .object(
                    JSONObject(pairs: [
                        "type": .string("array"),
                        "items": item,
                        "minItems": .int(ids.count),
                        "maxItems": .int(ids.count),
                    ]))
            ))
        return .object(
            JSONObject(pairs: [
                "type": .string("object"),
                "properties": .object(JSONObject(top.map { JSONObject.Member($0.0, $0.1) })),
                "required": .array(top.map { .string($0.0) }),
                "additionalProperties": .bool(false),
            ]))
    }
}
