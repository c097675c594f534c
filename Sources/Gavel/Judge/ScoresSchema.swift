import GavelJSON

/// The JSON schema of a judge answer for a given set of ids: `{"scores": [{trajectory_id, explanation, score}]}`.
enum ScoresSchema {
    /// The schema with `trajectory_id` pinned to `ids` and the item count fixed.
    static func schema(ids: [String]) -> JSONValue {
        let item: JSONValue = .object(
            JSONObject(pairs: [
                "type": .string("object"),
                "properties": .object(
                    JSONObject(pairs: [
                        "trajectory_id": .object(JSONObject(pairs: ["type": .string("string"), "enum": .array(ids.map { .string($0) })])),
                        "explanation": .object(JSONObject(pairs: ["type": .string("string")])),
                        "score": .object(JSONObject(pairs: ["type": .string("number"), "minimum": .int(0), "maximum": .int(1)])),
                    ])),
                "required": .array([.string("trajectory_id"), .string("explanation"), .string("score")]),
                "additionalProperties": .bool(false),
            ]))
        return .object(
            JSONObject(pairs: [
                "type": .string("object"),
                "properties": .object(
                    JSONObject(pairs: [
                        "scores": .object(
                            JSONObject(pairs: [
                                "type": .string("array"),
                                "items": item,
                                "minItems": .int(ids.count),
                                "maxItems": .int(ids.count),
                            ]))
                    ])),
                "required": .array([.string("scores")]),
                "additionalProperties": .bool(false),
            ]))
    }
}
