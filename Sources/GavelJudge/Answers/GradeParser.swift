import Foundation
import GavelJSON

/// Reads a digit-grade answer (`1: 7` per line) and, where the server sent them, the grade tokens'
/// `top_logprobs`: each score is the probability-weighted mean digit over 9.
///
/// The grades are found in the text, then located in the token stream by their byte offset: the
/// tokens, concatenated, must spell the answer, and the grade must be a token of its own (leading
/// white space allowed: `" 7"` is one token for OpenAI's tokenizers, `" "` and `"7"` two for
/// Qwen's). Where either fails — or the server sent no logprobs — that grade counts as written.
public enum GradeParser {
    /// Scores in the order of the expected ids.
    public struct Parsed: Sendable, Equatable {
        public var scores: [Double]
        public var explanations: [String]
        /// How many grades were weighted by their logprobs (the rest were read as written).
        public var weighted: Int
    }

    /// One sampled token and its alternatives (token text, log-probability), as the server sent them.
    public struct Token: Sendable, Equatable {
        public var text: String
        public var alternatives: [(text: String, logprob: Double)]

        public init(text: String, alternatives: [(text: String, logprob: Double)]) {
            self.text = text
            self.alternatives = alternatives
        }

        public static func == (a: Token, b: Token) -> Bool {
            a.text == b.text && a.alternatives.elementsEqual(b.alternatives) { $0.text == $1.text && $0.logprob == $1.logprob }
        }
    }

    /// The tokens of an OpenAI-style `choices[0].logprobs.content` list (OpenAI, vLLM, llama.cpp's
    /// server); nil when there is none.
    public static func tokens(_ content: JSONValue?) -> [Token]? {
        guard let list = content?.arrayValue, !list.isEmpty else { return nil }
        var tokens: [Token] = []
        tokens.reserveCapacity(list.count)
        for item in list {
            guard let text = item["token"]?.stringValue else { return nil }
            let alternatives = (item["top_logprobs"]?.arrayValue ?? []).compactMap { alt -> (String, Double)? in
                guard let t = alt["token"]?.stringValue, let lp = alt["logprob"]?.doubleValue, lp.isFinite else { return nil }
                return (t, lp)
            }
            tokens.append(Token(text: text, alternatives: alternatives))
        }
        return tokens
    }

    /// One `id: grade` line found in the answer.
    struct Line {
        var id: String
        var digit: Int
        /// Byte offset of the grade digit in the answer.
        var offset: Int
        var rest: String
    }

    /// Parses `answer`; `tokens` are its logprobs, if the server sent them.
    public static func parse(answer: String, tokens: [Token]?, expectedIDs: [String]) throws(ScoreParser.Problem) -> Parsed {
        let bytes = Array(answer.utf8)
        let (lines, summary) = gradeLines(bytes, from: answerStart(answer))
        let expected = Set(expectedIDs)
        var byID: [String: Line] = [:]
        var duplicated: [String] = [], unknown: [String] = []
        for line in lines {
            if !expected.contains(line.id) {
                if !unknown.contains(line.id) { unknown.append(line.id) }
            } else if byID[line.id] != nil {
                if !duplicated.contains(line.id) { duplicated.append(line.id) }
            } else {
                byID[line.id] = line
            }
        }
        if byID.isEmpty && unknown.isEmpty { throw .noGrades }
        let missing = expectedIDs.filter { byID[$0] == nil }
        guard missing.isEmpty, duplicated.isEmpty, unknown.isEmpty else {
            throw .ids(missing: missing, duplicated: duplicated, unknown: unknown, expected: expectedIDs)
        }
        let positions = tokens.flatMap { tokenOffsets($0, spelling: bytes) }
        var scores: [Double] = [], explanations: [String] = []
        var weighted = 0
        for id in expectedIDs {
            guard let line = byID[id] else { continue }
            if let tokens, let positions, let mean = weightedGrade(at: line.offset, tokens: tokens, starts: positions) {
                scores.append(mean / 9)
                weighted += 1
            } else {
                scores.append(Double(line.digit) / 9)
            }
            explanations.append(line.rest.isEmpty ? (summary ?? "") : line.rest)
        }
        return Parsed(scores: scores, explanations: explanations, weighted: weighted)
    }

    /// Where the answer proper starts (a byte offset): after the last closing reasoning tag, if any.
    static func answerStart(_ answer: String) -> Int {
        ScoreParser.reasoningTags.compactMap { answer.range(of: "</\($0)>", options: .backwards) }
            .map { answer.utf8.distance(from: answer.startIndex, to: $0.upperBound) }.max() ?? 0
    }

    /// The `id: grade` lines from `start` on, and a `Summary:` line's text. A line is read as
    /// `[-*# ]* [trajectory|id]? ID [*"`]* [:=] [ *]* DIGIT` followed by anything but another digit
    /// or a decimal point.
    static func gradeLines(_ bytes: [UInt8], from start: Int) -> (lines: [Line], summary: String?) {
        var lines: [Line] = []
        var summary: String?
        var i = start
        while i < bytes.count {
            var end = i
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            if let line = gradeLine(bytes, i, end) {
                lines.append(line)
            } else {
                let text = String(decoding: bytes[i..<end], as: UTF8.self)
                let trimmed = ScoreParser.trimmed(text[...], [" ", "\t", "\r", "*", "#", "-", "`"])
                if trimmed.lowercased().hasPrefix("summary:") {
                    summary = String(ScoreParser.trimmed(trimmed.dropFirst("summary:".count)))
                }
            }
            i = end + 1
        }
        return (lines, summary)
    }

    static func gradeLine(_ b: [UInt8], _ start: Int, _ end: Int) -> Line? {
        var i = start
        func skip(_ set: String) { while i < end, set.utf8.contains(b[i]) { i += 1 } }
        skip(" \t-*#`>")
        // An optional word before the id: "Trajectory 2: 7", "id 2: 7".
        for word in ["trajectory", "id"] {
            let w = Array(word.utf8)
            if i + w.count < end, zip(b[i..<(i + w.count)], w).allSatisfy({ ($0 | 0x20) == $1 }) {
                i += w.count
                skip(" _\t")
            }
        }
        skip("\"'`")
        let idStart = i
        while i < end, (0x30...0x39).contains(b[i]) || (0x41...0x5A).contains(b[i]) || (0x61...0x7A).contains(b[i]) { i += 1 }
        // Gavel's ids are numbers: "Summary: 3 of them…" or "Note: 1 …" is not a grade line.
        guard i > idStart, b[idStart..<i].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let id = String(decoding: b[idStart..<i], as: UTF8.self)
        skip("\"'`*] \t")
        guard i < end, b[i] == UInt8(ascii: ":") || b[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        skip(" \t*\"'`")
        guard i < end, (0x30...0x39).contains(b[i]) else { return nil }
        let offset = i
        let digit = Int(b[i] - 0x30)
        i += 1
        // "10", "7.5" or "8/10" are not one digit grade.
        if i < end, (0x30...0x39).contains(b[i]) || b[i] == UInt8(ascii: "/") { return nil }
        if i + 1 < end, b[i] == UInt8(ascii: "."), (0x30...0x39).contains(b[i + 1]) { return nil }
        skip("*\"'` \t.,;:-–—)")
        let rest = String(ScoreParser.trimmed(String(decoding: b[i..<end], as: UTF8.self)[...], [" ", "\t", "\r"]))
        return Line(id: id, digit: digit, offset: offset, rest: rest)
    }

    /// Each token's starting byte offset, if the tokens spell `bytes` exactly; nil otherwise.
    static func tokenOffsets(_ tokens: [Token], spelling bytes: [UInt8]) -> [Int]? {
        var starts: [Int] = []
        starts.reserveCapacity(tokens.count)
        var at = 0
        for t in tokens {
            starts.append(at)
            let u = Array(t.text.utf8)
            guard at + u.count <= bytes.count, bytes[at..<(at + u.count)].elementsEqual(u) else { return nil }
            at += u.count
        }
        return at == bytes.count ? starts : nil
    }

    /// The probability-weighted mean digit of the token at byte `offset`, when that token is the
    /// digit alone (white space around it allowed) and its alternatives include digits.
    static func weightedGrade(at offset: Int, tokens: [Token], starts: [Int]) -> Double? {
        // The last token starting at or before the offset.
        var lo = 0, hi = starts.count - 1
        guard hi >= 0 else { return nil }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let token = tokens[lo]
        guard digit(of: token.text) != nil else { return nil }
        var mass = [Double](repeating: 0, count: 10)
        for alt in token.alternatives {
            if let d = digit(of: alt.text) { mass[d] += exp(alt.logprob) }
        }
        let total = mass.reduce(0, +)
        guard total > 0 else { return nil }
        return mass.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element } / total
    }

    /// The digit a token stands for: one ASCII digit, with white space around it at most.
    static func digit(of token: String) -> Int? {
        let core = token.utf8.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        guard core.count == 1, let c = core.first, (0x30...0x39).contains(c) else { return nil }
        return Int(c - 0x30)
    }
}
