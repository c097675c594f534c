import GavelTesting
import Testing

@testable import GavelJudge

@Suite("Tolerant parsing of judge answers")
struct ScoreParserTests {
    let ids = ["1", "2", "3"]

    @Test("plain JSON is matched by id, not position")
    func byID() throws {
        let p = try ScoreParser.parse(
            text:
                #"{"scores":[{"trajectory_id":"3","explanation":"c","score":0.1},{"trajectory_id":"1","explanation":"a","score":0.9},"#
                + #"{"trajectory_id":"2","explanation":"b","score":0.5}]}"#,
            expectedIDs: ids)
        #expect(p.scores == [0.9, 0.5, 0.1])
        #expect(p.explanations == ["a", "b", "c"])
        #expect(!p.rescaled)
    }

    @Test("fenced JSON and JSON in prose are found")
    func fencedAndProse() throws {
        let json = #"{"scores":[{"trajectory_id":"1","score":0.2},{"trajectory_id":"2","score":0.4},{"trajectory_id":"3","score":0.6}]}"#
        #expect(try ScoreParser.parse(text: "```json\n\(json)\n```", expectedIDs: ids).scores == [0.2, 0.4, 0.6])
        #expect(try ScoreParser.parse(text: "Sure! Here you go:\n\(json)\nThanks.", expectedIDs: ids).scores == [0.2, 0.4, 0.6])
    }

    @Test("string scores: decimals, fractions, percentages; numeric ids")
    func stringScores() throws {
        let p = try ScoreParser.parse(
            text: #"{"scores":[{"trajectory_id":1,"score":"0.8"},{"trajectory_id":2,"score":"8/10"},{"trajectory_id":3,"score":"80%"}]}"#,
            expectedIDs: ids)
        #expect(p.scores.map { ($0 * 1000).rounded() / 1000 } == [0.8, 0.8, 0.8])
        #expect(p.rescale == .stated)
    }

    func answer(_ a: String, _ b: String, _ c: String) -> String {
        #"[{"trajectory_id":"1","score":\#(a)},{"trajectory_id":"2","score":\#(b)},{"trajectory_id":"3","score":\#(c)}]"#
    }

    @Test("a whole answer on a 0-10 or 0-100 scale is rescaled, and says so")
    func rescale() throws {
        let ten = try ScoreParser.parse(text: answer("7", "10", "0"), expectedIDs: ids)
        #expect(ten.scores == [0.7, 1, 0])
        #expect(ten.rescale == .outOfTen)
        let halves = try ScoreParser.parse(text: answer("7.5", "2", "1"), expectedIDs: ids)
        #expect(halves.scores == [0.75, 0.2, 0.1] && halves.rescale == .outOfTen)
        let hundred = try ScoreParser.parse(text: answer("15", "50", "100"), expectedIDs: ids)
        #expect(hundred.scores == [0.15, 0.5, 1])
        #expect(hundred.rescale == .outOfHundred)
        let plain = try ScoreParser.parse(text: answer("0", "1", "0.5"), expectedIDs: ids)
        #expect(plain.scores == [0, 1, 0.5] && plain.rescale == nil)
    }

    @Test(
        "scores outside 0-1 that no scale explains are out of range, naming the rule",
        arguments: [
            ("1.4", "0.5", "0.5", "1"),  // one 1.4 among 0-1 scores: used to turn 0.5 into 0.05
            ("-0.2", "0.5", "0.9", "1"),  // negative
            ("-1", "-2", "-3", "1"),  // all negative: used to collapse to zeros
            ("0.9", "NaN", "0.1", "2"),  // not a number
            ("0.9", "Infinity", "0.1", "2"),
            ("7.5", "0.5", "3", "1"),  // 0-10 with a fraction below 1
            ("150", "20", "5", "1"),  // above 100
            (#""12/10""#, "0.5", "0.5", "1"),  // a stated scale must land in 0-1
            (#""8/10""#, "7", "5", "2"),  // stated and unstated scales mixed
        ])
    func outOfRange(_ a: String, _ b: String, _ c: String, _ culprit: String) {
        let error = #expect(throws: ScoreParser.Problem.self) { try ScoreParser.parse(text: answer(a, b, c), expectedIDs: ids) }
        guard case .outOfRange(let id, _)? = error else {
            Issue.record("expected outOfRange, got \(String(describing: error))")
            return
        }
        #expect(id == culprit)
        #expect(error?.isCorrectable == true && error?.cause == .outOfRange)
        #expect(error?.description.contains("every score must be a number from 0 to 1") == true)
    }

    @Test("missing, duplicated and unknown ids are named")
    func idProblems() {
        let error = #expect(throws: ScoreParser.Problem.self) {
            try ScoreParser.parse(
                text: #"[{"trajectory_id":"1","score":0.1},{"trajectory_id":"1","score":0.2},{"trajectory_id":"9","score":0.3}]"#,
                expectedIDs: ids)
        }
        #expect(error?.isIdProblem == true)
        let text = error?.description ?? ""
        #expect(text.contains("missing ids \"2\", \"3\""))
        #expect(text.contains("more than once \"1\""))
        #expect(text.contains("unknown ids \"9\""))
    }

    @Test(
        "no JSON, no scores list, non-numeric scores are errors",
        arguments: [
            "I like the first one best.", #"{"ranking":[1,2,3]}"#, #"[{"trajectory_id":"1","score":"great"}]"#, #"[{"score":0.5}]"#,
        ])
    func malformed(_ text: String) {
        #expect(throws: ScoreParser.Problem.self) { try ScoreParser.parse(text: text, expectedIDs: ids) }
    }

    @Test(
        "reasoning blocks are dropped and the last JSON that validates wins",
        arguments: [
            // A draft inside <think>, then the answer.
            #"<think>Maybe {"scores": [{"trajectory_id": "1", "score": 0.0}]} is a draft</think>\#n{"scores":[{"trajectory_id":"1","#
                + #""score":0.9},{"trajectory_id":"2","score":0.5},{"trajectory_id":"3","score":0.1}]}"#,
            // The template opened the block: only the closing tag is in the answer.
            #"drafting {"scores":[{"trajectory_id":"1","score":0.2},{"trajectory_id":"2","score":0.2},{"trajectory_id":"3","#
                + #""score":0.2}]} hmm</think>{"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.5},"#
                + #"{"trajectory_id":"3","score":0.1}]}"#,
            // <thinking> and <reasoning> too; a fenced answer.
            "<thinking>{\"scores\": []}</thinking><reasoning>x</reasoning>```json\n"
                + #"{"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.5},{"trajectory_id":"3","score":0.1}]}"#
                + "\n```",
            // An unclosed block whose draft comes first: the last valid JSON wins.
            #"<think>first {"scores":[{"trajectory_id":"1","score":0.1},{"trajectory_id":"2","score":0.1},{"trajectory_id":"3","#
                + #""score":0.1}]} then {"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.5},"#
                + #"{"trajectory_id":"3","score":0.1}]}"#,
            // A later JSON that does not validate does not beat an earlier one that does.
            #"{"scores":[{"trajectory_id":"1","score":0.9},{"trajectory_id":"2","score":0.5},{"trajectory_id":"3","score":0.1}]} P.S. "#
                + #"{"note": "done"}"#,
        ])
    func reasoning(_ text: String) throws {
        let p = try ScoreParser.parse(text: text, expectedIDs: ids)
        #expect(p.scores == [0.9, 0.5, 0.1])
    }
}
