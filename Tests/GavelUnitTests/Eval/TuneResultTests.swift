import Testing

@testable import GavelCore
@testable import GavelEval

/// How `gavel tune` chooses among measured modes, and the rubric it writes.
@Suite("gavel tune's choice and rubric")
struct TuneResultTests {
    /// A row measured at `accuracy` for `seconds` per group (and `dollars`, when priced).
    static func row(
        _ answer: JudgeMode.Answer, _ grade: JudgeMode.Grade, accuracy: Double, zeroVar: Double = 0, seconds: Double,
        dollars: Double? = nil, failed: Int = 0
    ) -> TuneResult.Row {
        var r = TuneResult.Row(candidate: TuneCandidate(mode: JudgeMode(answer: answer, grade: grade)))
        var e = JudgeEvaluation(files: [], groups: [], truthPath: "q", truthMissing: 0)
        e.truth.pairwiseAccuracy = Bootstrap.Interval(estimate: accuracy, low: accuracy - 0.05, high: accuracy + 0.05)
        e.zeroVarianceShare = zeroVar
        r.evaluation = e
        r.secondsPerGroup = seconds
        r.costPerGroup = dollars
        r.failedGroups = failed
        return r
    }

    @Test("the most accurate complete mode is chosen; ties go to fewer tied groups, then the cheaper; the frontier is marked")
    func choice() {
        let result = TuneResult(
            rows: [
                Self.row(.explained, .number, accuracy: 0.78, zeroVar: 0.08, seconds: 30),
                Self.row(.scores, .logprobs, accuracy: 0.89, seconds: 20),
                Self.row(.brief, .logprobs, accuracy: 0.8905, seconds: 25),
                Self.row(.scores, .number, accuracy: 0.95, seconds: 5, failed: 1),
                Self.row(.brief, .number, accuracy: 0.70, seconds: 4),
            ], groups: 26, files: ["set.jsonl"], truthPath: "q")
        #expect(result.chosen?.candidate.description == "scores+logprobs", "0.8905 ties 0.89 to 0.001; the cheaper wins")
        #expect(result.rows.map(\.bestForCost) == [false, true, true, false, true], "a failed mode marks nothing")
        var tied = result
        tied.rows[2].evaluation?.zeroVarianceShare = -1
        #expect(tied.chosen?.candidate.description == "brief+logprobs")
        // Dollars, where known, are the cost.
        let priced = TuneResult(
            rows: [
                Self.row(.explained, .number, accuracy: 0.9, seconds: 1, dollars: 0.01),
                Self.row(.scores, .logprobs, accuracy: 0.9, seconds: 9, dollars: 0.001),
            ], groups: 1, files: [], truthPath: "q")
        #expect(priced.rows.map(\.bestForCost) == [false, true])
    }

    @Test("the tuned rubric parses back to the rubric with the chosen mode")
    func rubric() throws {
        let result = TuneResult(
            rows: [Self.row(.brief, .logprobs, accuracy: 0.9, seconds: 1)], groups: 3, files: ["a: b.jsonl"], truthPath: "q")
        var base = Rubric(name: "agent", text: "Score \"well\": 0-9.\n\n", description: "Agents: tools.", temperature: 0.2, samples: 3)
        base.reference = "metadata.answer"
        base.window = 8
        base.panel = ["openai/a", "openai/b"]
        let tuned = try #require(result.tunedRubric(from: base, judge: "openai/x"))
        let text = RubricFile.render(tuned)
        let (back, problems) = try RubricFile.parse(text, path: "t.md", defaultName: "t")
        #expect(problems.isEmpty, "\(problems)")
        #expect(back.name == "agent-tuned" && back.answer == .brief && back.grade == .logprobs && back.samples == 1)
        #expect(back.temperature == 0.2 && back.window == 8 && back.reference == "metadata.answer" && back.panel == base.panel)
        #expect(back.text.trimmingCharacters(in: .whitespacesAndNewlines) == "Score \"well\": 0-9.")
        #expect(back.description.hasPrefix("Agents: tools. Tuned by gavel tune for openai/x on 3 groups of a: b.jsonl (truth q)"))
        #expect(back.description.contains("brief+logprobs ranked at pairwise accuracy 0.900 (95% interval 0.850-0.950)"))
        #expect(TuneResult(rows: [], groups: 0, files: [], truthPath: "q").tunedRubric(from: base, judge: "x") == nil)
    }
}
