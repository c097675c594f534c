import Gavel
import GavelJSON

/// The answer to one group: per trajectory in the order given, `score`, `rank`, `advantage` and
/// `explanation` (`score_spread` with several samples, as `gavel rank` writes it), and the group's `zero_variance`, `cached`
/// and `judge`.
struct GroupAnswer: Sendable {
    var ranking: GroupRanking
    var judge: String

    var object: JSONObject {
        let r = ranking
        let scores: [JSONValue] = r.scores.indices.map { i in
            var o = JSONObject()
            o["score"] = .double(r.scores[i])
            o["rank"] = .int(r.ranks[i])
            o["advantage"] = i < r.advantages.count ? .double(r.advantages[i]) : .null
            if r.samples > 1 { o["score_spread"] = .double(r.spread[i]) }
            o["explanation"] = .string(i < r.explanations.count ? r.explanations[i] : "")
            return .object(o)
        }
        var o = JSONObject()
        o["scores"] = .array(scores)
        o["zero_variance"] = .bool(r.zeroVariance)
        o["cached"] = .bool(r.cached)
        o["judge"] = .string(judge)
        o["advantage_mode"] = .string(r.advantageMode.rawValue)
        o["calls"] = .int(r.calls)
        return o
    }
}
