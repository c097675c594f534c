import Foundation
import GavelJSON
import Testing

@testable import GavelJudge

@Suite("Digit grades and their logprobs")
struct GradeParserTests {
    typealias Token = GradeParser.Token

    /// Tokens as Qwen's tokenizer splits `1: 7\n2: 3` (checked against llama.cpp's server):
    /// id, ":", " ", digit, newline; each digit with alternatives of the given probabilities.
    static func qwenTokens(_ lines: [(id: String, digit: String, alternatives: [(String, Double)])]) -> (String, [Token]) {
        var text = "", tokens: [Token] = []
        for (i, line) in lines.enumerated() {
            if i > 0 {
                text += "\n"
                tokens.append(Token(text: "\n", alternatives: [("\n", 0)]))
            }
            for t in [line.id, ":", " "] {
                text += t
                tokens.append(Token(text: t, alternatives: [(t, 0)]))
            }
            text += line.digit
            tokens.append(Token(text: line.digit, alternatives: line.alternatives.map { ($0.0, log($0.1)) }))
        }
        return (text, tokens)
    }

    @Test("the score is the probability-weighted digit over 9, matched by id, in any line order")
    func weighted() throws {
        let (text, tokens) = Self.qwenTokens([
            ("2", "7", [("7", 0.5), ("9", 0.25), ("x", 0.2), ("5", 0.05)]),
            ("1", "1", [("1", 1.0)]),
        ])
        let p = try GradeParser.parse(answer: text, tokens: tokens, expectedIDs: ["1", "2"])
        // Digits only, renormalised: (7·0.5 + 9·0.25 + 5·0.05) / 0.8 = 7.5.
        #expect(abs(p.scores[1] - 7.5 / 9) < 1e-12)
        #expect(abs(p.scores[0] - 1.0 / 9) < 1e-12)
        #expect(p.weighted == 2)
    }

    @Test("OpenAI's tokenizers keep the space with the digit (\" 7\"); alternatives with and without it add up")
    func spaceInToken() throws {
        let tokens = [
            Token(text: "1", alternatives: [("1", 0)]), Token(text: ":", alternatives: [(":", 0)]),
            Token(text: " 4", alternatives: [(" 4", log(0.5)), ("4", log(0.25)), (" 8", log(0.25))]),
        ]
        let p = try GradeParser.parse(answer: "1: 4", tokens: tokens, expectedIDs: ["1"])
        #expect(abs(p.scores[0] - 5.0 / 9) < 1e-12)
    }

    @Test("without logprobs, or when the tokens do not spell the answer, grades count as written")
    func written() throws {
        let p = try GradeParser.parse(answer: "1: 9\n2: 0", tokens: nil, expectedIDs: ["1", "2"])
        #expect(p.scores == [1, 0])
        #expect(p.weighted == 0)
        let (_, tokens) = Self.qwenTokens([("1", "9", [("9", 0.5), ("8", 0.5)]), ("2", "0", [("0", 1)])])
        let mismatched = try GradeParser.parse(answer: "Grades:\n1: 9\n2: 0", tokens: tokens, expectedIDs: ["1", "2"])
        #expect(mismatched.scores == [1, 0] && mismatched.weighted == 0)
    }

    @Test("forms a small judge writes: bold, 'Trajectory 2:', a reason after the grade, a summary, a think block")
    func lenientLines() throws {
        let text = """
            <think>1: 0 is a draft</think>
            **Trajectory 1**: 8 — right and direct
            - id 2 = 3, wrong answer
            Summary: the first answered, the second did not.
            """
        let p = try GradeParser.parse(answer: text, tokens: nil, expectedIDs: ["1", "2"])
        #expect(p.scores == [8.0 / 9, 3.0 / 9])
        #expect(p.explanations == ["right and direct", "wrong answer"])
        let brief = try GradeParser.parse(answer: "1: 2\n2: 7\nSummary: two beat one.", tokens: nil, expectedIDs: ["1", "2"])
        #expect(brief.explanations == ["two beat one.", "two beat one."])
    }

    @Test("wrong ids, no grade lines and grades that are not one digit are problems a corrective turn names")
    func problems() {
        #expect(throws: ScoreParser.Problem.ids(missing: ["2"], duplicated: [], unknown: [], expected: ["1", "2"])) {
            try GradeParser.parse(answer: "1: 5", tokens: nil, expectedIDs: ["1", "2"])
        }
        #expect(throws: ScoreParser.Problem.ids(missing: [], duplicated: ["1"], unknown: ["3"], expected: ["1"])) {
            try GradeParser.parse(answer: "1: 5\n1: 6\n3: 2", tokens: nil, expectedIDs: ["1"])
        }
        #expect(throws: ScoreParser.Problem.noGrades) {
            try GradeParser.parse(answer: "I cannot grade these.", tokens: nil, expectedIDs: ["1"])
        }
        for notADigit in ["1: 10", "1: 7.5", "1: 8/10"] {
            #expect(throws: ScoreParser.Problem.noGrades) { try GradeParser.parse(answer: notADigit, tokens: nil, expectedIDs: ["1"]) }
        }
        #expect(ScoreParser.Problem.noGrades.isCorrectable, "a corrective turn names the format")
    }

    @Test("logprobs content as servers send it is read; anything else is nil")
    func tokensFromJSON() throws {
        let json = try JSONParser.parse(
            #"[{"token":"1","logprob":0,"top_logprobs":[{"token":"1","logprob":0}]},{"token":" 7","logprob":-0.1,"#
                + #""top_logprobs":[{"token":" 7","logprob":-0.1},{"token":" 6","logprob":-2.4}]}]"#)
        let tokens = try #require(GradeParser.tokens(json))
        #expect(tokens.map(\.text) == ["1", " 7"])
        #expect(tokens[1].alternatives.count == 2)
        #expect(GradeParser.tokens(nil) == nil)
        #expect(GradeParser.tokens(.array([])) == nil)
        #expect(GradeParser.tokens(try JSONParser.parse(#"[{"logprob":0}]"#)) == nil)
    }
}
