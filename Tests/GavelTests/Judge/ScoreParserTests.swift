import Testing
@testable import Gavel

@Suite("Tolerant parsing of judge answers")
struct ScoreParserTests {
    let ids = ["1", "2", "3"]

    @Test("plain JSON is matched by id, not position")
    func byID() throws {
        let p = try ScoreParser.parse(text: #"{"scores":[{"trajectory_id":"3","explanation":"c","score":0.1},{"trajectory_id":"1","explanation":"a","score":0.9},{"trajectory_id":"2","explanation":"b","score":0.5}]}"#, expectedIDs: ids)
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
        let p = try ScoreParser.parse(text: #"{"scores":[{"trajectory_id":1,"score":"0.8"},{"trajectory_id":2,"score":"8/10"},{"trajectory_id":3,"score":"80%"}]}"#, expectedIDs: ids)
        #expect(p.scores.map { ($0 * 1000).rounded() / 1000 } == [0.8, 0.8, 0.8])
    }

    @Test("0-10 and 0-100 scales are rescaled and clamped")
    func rescale() throws {
        let ten = try ScoreParser.parse(text: #"[{"trajectory_id":"1","score":7},{"trajectory_id":"2","score":10},{"trajectory_id":"3","score":-1}]"#, expectedIDs: ids)
        #expect(ten.scores == [0.7, 1, 0])
        #expect(ten.rescaled)
        let hundred = try ScoreParser.parse(text: #"[{"trajectory_id":"1","score":15},{"trajectory_id":"2","score":50},{"trajectory_id":"3","score":100}]"#, expectedIDs: ids)
        #expect(hundred.scores == [0.15, 0.5, 1])
    }

    @Test("missing, duplicated and unknown ids are named")
    func idProblems() {
        let error = #expect(throws: ScoreParser.Problem.self) {
            try ScoreParser.parse(text: #"[{"trajectory_id":"1","score":0.1},{"trajectory_id":"1","score":0.2},{"trajectory_id":"9","score":0.3}]"#, expectedIDs: ids)
        }
        #expect(error?.isIdProblem == true)
        let text = error?.description ?? ""
        #expect(text.contains("missing ids \"2\", \"3\""))
        #expect(text.contains("more than once \"1\""))
        #expect(text.contains("unknown ids \"9\""))
    }

    @Test("no JSON, no scores list, non-numeric scores are errors", arguments: [
        "I like the first one best.", #"{"ranking":[1,2,3]}"#, #"[{"trajectory_id":"1","score":"great"}]"#, #"[{"score":0.5}]"#,
    ])
    func malformed(_ text: String) {
        #expect(throws: ScoreParser.Problem.self) { try ScoreParser.parse(text: text, expectedIDs: ids) }
    }
}
