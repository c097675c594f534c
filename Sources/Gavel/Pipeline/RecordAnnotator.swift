/// Adds a trajectory's judgement to its original record, ART-compatibly, keeping every field.
///
/// Scored: `reward` = judge score, `metrics.independent_reward` = the original reward (kept if
/// already there), `metrics.ruler_score` = judge score, `logs` += the explanation, and
/// `gavel: {group, score, rank, advantage, zero_variance, explanation, judge, cached}`.
/// Unscored: only `gavel: {group, error}`; the original fields stay as they were.
struct RecordAnnotator: Sendable {
    var judgeName: String
    var advantage: AdvantageMode

    func annotate(_ object: inout JSONObject, group: String, outcome: GroupOutcome, member: Int) {
        guard outcome.error == nil, member < outcome.scores.count, let stats = outcome.statistics else {
            object["gavel"] = .object(JSONObject(pairs: [
                "group": .string(group),
                "error": .string(outcome.error ?? "not judged"),
            ]))
            return
        }
        let score = outcome.scores[member]
        let explanation = outcome.explanations[member]
        let scoreValue = JSONValue.double(score)
        let original = object["reward"]
        object["reward"] = scoreValue
        var metrics = object["metrics"]?.objectValue ?? (object["metrics"] == nil ? JSONObject() : nil)
        if metrics != nil {
            if metrics?["independent_reward"] == nil { metrics?["independent_reward"] = original ?? .null }
            metrics?["ruler_score"] = scoreValue
            object["metrics"] = metrics.map(JSONValue.object)
        }
        if case .array(var logs)? = object["logs"] {
            logs.append(.string("RULER explanation: \(explanation)"))
            object["logs"] = .array(logs)
        } else if object["logs"] == nil || object["logs"]?.isNull == true {
            object["logs"] = .array([.string("RULER explanation: \(explanation)")])
        }
        var gavel = JSONObject()
        gavel["group"] = .string(group)
        gavel["score"] = scoreValue
        gavel["rank"] = .int(stats.ranks[member])
        if advantage != .none { gavel["advantage"] = .double(stats.advantages[member]) }
        gavel["zero_variance"] = .bool(stats.zeroVariance)
        gavel["explanation"] = .string(explanation)
        gavel["judge"] = .string(judgeName)
        gavel["cached"] = .bool(outcome.cached)
        object["gavel"] = .object(gavel)
    }
}
