import GavelJSON

extension JudgeEvaluation {
    /// `json` as compact text.
    public var jsonText: String { JSONWriter.string(json) }

    /// The figures as one JSON object with stable field names (documented in the README); a figure
    /// that cannot be measured (no pairs, one sample) is null.
    public var json: JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { $0.isFinite ? JSONValue.double($0) : .null } ?? .null }
        func interval(_ i: Bootstrap.Interval?, _ extra: [JSONObject.Member] = []) -> JSONValue {
            guard let i else { return .null }
            var o = JSONObject(pairs: ["estimate": number(i.estimate), "low": number(i.low), "high": number(i.high)])
            for m in extra { o[m.key] = m.value }
            return .object(o)
        }
        var o = JSONObject()
        o["files"] = .array(files.map(JSONValue.string))
        o["groups"] = .int(groups)
        o["judged_groups"] = .int(judgedGroups)
        o["failed_groups"] = .int(failedGroups)
        o["single_trajectory_groups"] = .int(singleGroups)
        o["trajectories"] = .int(trajectories)
        o["samples"] = .int(samples)
        o["answers"] = .array(answers.map(JSONValue.string))
        o["truth"] = .object(
            JSONObject(pairs: [
                "path": .string(truth.path),
                "missing": .int(truth.missing),
                "pairwise_accuracy": interval(truth.pairwiseAccuracy, [.init("pairs", .int(truth.pairs))]),
                "kendall_tau_b": interval(truth.kendallTauB, [.init("groups", .int(truth.tauGroups))]),
                "top1_accuracy": interval(truth.topOneAccuracy, [.init("groups", .int(truth.topOneGroups))]),
            ]))
        o["position"] =
            position.map { p in
                .object(
                    JSONObject(pairs: [
                        "mean_score_by_slot": .array(p.meanScoreBySlot.map { number($0) }),
                        "slope": number(p.slope),
                        "observations": .int(p.observations),
                    ]))
            } ?? .null
        o["flip_rate"] = number(flipRate)
        o["score_spread"] =
            spreadMean.map { .object(JSONObject(pairs: ["mean": number($0), "worst": number(spreadWorst)])) } ?? .null
        o["zero_variance_share"] = number(zeroVarianceShare)
        o["mean_distinct_scores"] = number(meanDistinctScores)
        if let a = against {
            o["against"] = .object(
                JSONObject(pairs: [
                    "file": .string(a.file),
                    "matched_groups": .int(a.matchedGroups),
                    "unmatched_groups": .int(a.unmatchedGroups),
                    "pairwise_agreement": interval(a.pairwiseAgreement),
                    "kendall_tau_b": interval(a.kendallTauB),
                    "most_disagreeing": .array(
                        a.mostDisagreeing.map { g in
                            .object(
                                JSONObject(pairs: [
                                    "group": .string(g.key), "agreement": number(g.agreement), "kendall_tau_b": number(g.kendallTauB),
                                ]))
                        }),
                ]))
        }
        o["bootstrap"] = .object(JSONObject(pairs: ["resamples": .int(bootstrap.resamples), "seed": .number(String(bootstrap.seed))]))
        return .object(o)
    }
}
