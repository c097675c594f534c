import GavelCore
import GavelJSON
import GavelJudge

/// What `gavel tune` measured: one row per candidate (gavel eval's figures on the candidate's
/// ranked output, with what the answers cost), which rows are best for their cost, and the choice.
public struct TuneResult: Sendable {
    /// One candidate's figures.
    public struct Row: Sendable {
        public var candidate: TuneCandidate
        /// Why the candidate was not run (the call or time budget was spent), if it was not.
        public var skipped: String?
        /// gavel eval's figures on the candidate's output (nil if skipped).
        public var evaluation: JudgeEvaluation?
        /// Groups judged and failed.
        public var judgedGroups = 0
        public var failedGroups = 0
        /// Judge calls this run made (the cache answered the rest).
        public var calls = 0
        /// Tokens and judge seconds of every answer, cached ones included, per judged group.
        public var inputTokensPerGroup: Double?
        public var outputTokensPerGroup: Double?
        public var secondsPerGroup: Double?
        /// Dollars per judged group, where the judge's price is known.
        public var costPerGroup: Double?
        /// No other candidate is at least as accurate for less (judge seconds, or dollars when priced).
        public var bestForCost = false

        public init(candidate: TuneCandidate) { self.candidate = candidate }

        /// Pairwise accuracy against the truth (the figure candidates are chosen by).
        public var accuracy: Double? { evaluation?.truth.pairwiseAccuracy?.estimate }

        /// What a candidate costs, for comparing: dollars when priced, else judge seconds.
        var price: Double? { costPerGroup ?? secondsPerGroup }
    }

    public var rows: [Row]
    /// Groups tried and where they came from.
    public var groups: Int
    public var files: [String]
    public var truthPath: String
    /// Set when the tuning stopped early (candidates after the last row were not measured).
    public var interrupted = false
    public var fatalError: JudgeError?

    public init(rows: [Row], groups: Int, files: [String], truthPath: String) {
        self.rows = rows
        self.groups = groups
        self.files = files
        self.truthPath = truthPath
        markBestForCost()
    }

    /// The most accurate candidate that scored every group it was given; ties (to 0.001) go to
    /// fewer zero-variance groups, then the cheaper.
    public var chosen: Row? {
        let complete = rows.filter { $0.accuracy != nil && $0.failedGroups == 0 }
        return complete.max { a, b in
            let (x, y) = (a.accuracy ?? 0, b.accuracy ?? 0)
            if abs(x - y) > 0.001 { return x < y }
            let (za, zb) = (a.evaluation?.zeroVarianceShare ?? 1, b.evaluation?.zeroVarianceShare ?? 1)
            if za != zb { return za > zb }
            return (a.price ?? .infinity) > (b.price ?? .infinity)
        }
    }

    /// Marks each row that no other row matches in accuracy at a lower price (the cost frontier).
    /// Only modes that scored every group count: accuracy on fewer groups compares nothing.
    mutating func markBestForCost() {
        for i in rows.indices {
            guard let acc = rows[i].accuracy, let price = rows[i].price, rows[i].failedGroups == 0 else { continue }
            rows[i].bestForCost = !rows.indices.contains { j in
                guard j != i, rows[j].failedGroups == 0, let a = rows[j].accuracy, let p = rows[j].price else { return false }
                return (a >= acc && p < price) || (a > acc && p <= price)
            }
        }
    }

    /// The figures as one JSON object (`gavel tune --json`).
    public var json: JSONValue {
        func interval(_ i: Bootstrap.Interval?) -> JSONValue {
            guard let i else { return .null }
            return .object(JSONObject(pairs: ["estimate": .double(i.estimate), "low": .double(i.low), "high": .double(i.high)]))
        }
        func number(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }
        let rowValues: [JSONValue] = rows.map { r in
            var o = JSONObject()
            o["mode"] = .string(r.candidate.description)
            o["answer"] = .string(r.candidate.mode.answer.rawValue)
            o["grade"] = .string(r.candidate.mode.grade.rawValue)
            o["compare"] = .string(r.candidate.compare.rawValue)
            o["samples"] = .int(r.candidate.samples)
            if let why = r.skipped {
                o["skipped"] = .string(why)
                return .object(o)
            }
            let t = r.evaluation?.truth
            o["pairwise_accuracy"] = interval(t?.pairwiseAccuracy)
            o["kendall_tau_b"] = interval(t?.kendallTauB)
            o["top1_accuracy"] = interval(t?.topOneAccuracy)
            o["zero_variance_share"] = number(r.evaluation?.zeroVarianceShare)
            o["judged_groups"] = .int(r.judgedGroups)
            o["failed_groups"] = .int(r.failedGroups)
            o["calls"] = .int(r.calls)
            o["input_tokens_per_group"] = number(r.inputTokensPerGroup)
            o["output_tokens_per_group"] = number(r.outputTokensPerGroup)
            o["judge_seconds_per_group"] = number(r.secondsPerGroup)
            o["cost_per_group"] = number(r.costPerGroup)
            o["best_for_cost"] = .bool(r.bestForCost)
            return .object(o)
        }
        var top = JSONObject()
        top["files"] = .array(files.map(JSONValue.string))
        top["truth"] = .string(truthPath)
        top["groups"] = .int(groups)
        top["modes"] = .array(rowValues)
        top["chosen"] = chosen.map { .string($0.candidate.description) } ?? .null
        return .object(top)
    }

    /// `json` as text.
    public var jsonText: String { JSONWriter.string(json) }

    /// `rubric` with the chosen candidate's settings as its defaults, and a description saying
    /// what they were chosen on; nil if no candidate was measured.
    public func tunedRubric(from rubric: Rubric, judge: String) -> Rubric? {
        guard let best = chosen, let acc = best.evaluation?.truth.pairwiseAccuracy else { return nil }
        var tuned = rubric
        tuned.name = rubric.name + "-tuned"
        tuned.answer = best.candidate.mode.answer
        tuned.grade = best.candidate.mode.grade
        tuned.samples = best.candidate.samples
        tuned.compare = best.candidate.compare
        let was = rubric.description.isEmpty ? "" : rubric.description + " "
        tuned.description =
            was
            + "Tuned by gavel tune for \(judge) on \(groups) groups of \(files.joined(separator: ", ")) (truth \(truthPath)): "
            + "\(best.candidate) ranked at pairwise accuracy \(Self.format(acc.estimate)) "
            + "(95% interval \(Self.format(acc.low))-\(Self.format(acc.high)))."
        return tuned
    }

    static func format(_ d: Double) -> String {
        let scaled = (d * 1000).rounded() / 1000
        var s = String(scaled)
        while s.split(separator: ".").last.map({ $0.count < 3 }) == true { s += "0" }
        return s
    }
}
