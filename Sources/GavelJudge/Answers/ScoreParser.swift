import Foundation
import GavelJSON

/// Turns a judge's answer into one score and explanation per trajectory id, tolerantly.
///
/// Accepts JSON alone, in a code fence, or surrounded by prose; scores as numbers or strings
/// ("0.8", "8/10", "80%"). Scores are matched to trajectories by id, never by position.
///
/// Scores outside 0–1 are checked, not guessed. Another scale is accepted only when the answer
/// states it ("8/10", "85%": the value must then lie in 0–1), or when every score is a number in
/// 0–10 (or 0–100), at least one is above 1 and none is a fraction in (0, 1) — a judge that
/// answered on a 0–10 scale throughout. Anything else outside 0–1 (a negative score, 1.4 among
/// 0.5s, NaN) is `Problem.outOfRange`, which the judge is asked to correct.
public enum ScoreParser {
    /// Why a judge's scores were brought to 0–1.
    public enum Rescale: String, Sendable, Hashable, CaseIterable {
        /// The answer stated each scale itself ("8/10", "85%").
        case stated = "stated as x/y or %"
        /// Every score on a 0–10 scale.
        case outOfTen = "0-10 scale"
        /// Every score on a 0–100 scale.
        case outOfHundred = "0-100 scale"
    }

    /// Scores in the order of the expected ids.
    public struct Parsed: Sendable, Equatable {
        public var scores: [Double]
        public var explanations: [String]
        /// How the judge's scale was brought to 0–1, if it was not 0–1 already.
        public var rescale: Rescale?
        /// Whether the judge's scale was not 0–1 and was rescaled.
        public var rescaled: Bool { rescale != nil }
    }

    /// Why an answer could not be used; the description is what a corrective turn tells the judge.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case noJSON
        /// A digit-grade answer without a single `id: grade` line.
        case noGrades
        case noScoresList
        case badItem(index: Int, reason: String)
        case ids(missing: [String], duplicated: [String], unknown: [String], expected: [String])
        /// A score outside 0–1 that no scale rule explains (the id and the score as written).
        case outOfRange(id: String, score: String)

        public var description: String {
            switch self {
            case .noJSON: return "the answer holds no JSON object"
            case .noGrades: return "the answer holds no line of the form `id: grade` (one digit from 0 to 9)"
            case .noScoresList: return "the JSON has no \"scores\" list"
            case .badItem(let i, let reason): return "scores[\(i)] \(reason)"
            case .ids(let missing, let duplicated, let unknown, let expected):
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing ids " + missing.map { "\"\($0)\"" }.joined(separator: ", ")) }
                if !duplicated.isEmpty {
                    parts.append("ids given more than once " + duplicated.map { "\"\($0)\"" }.joined(separator: ", "))
                }
                if !unknown.isEmpty { parts.append("unknown ids " + unknown.map { "\"\($0)\"" }.joined(separator: ", ")) }
                return parts.joined(separator: "; ") + " (expected exactly one entry for each of "
                    + expected.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
            case .outOfRange(let id, let score):
                return "trajectory \"\(id)\" has score \(score), outside 0 to 1 (every score must be a number from 0 to 1; "
                    + "a 0-10 or 0-100 scale is accepted only when every score uses it)"
            }
        }

        /// Whether the ids are wrong (the JSON is fine).
        public var isIdProblem: Bool { if case .ids = self { return true } else { return false } }

        /// Whether a corrective follow-up turn could fix it: wrong ids, a score out of range, or
        /// digit grades not written as asked.
        public var isCorrectable: Bool {
            switch self {
            case .ids, .outOfRange, .noGrades: return true
            default: return false
            }
        }

        /// The retry cause it counts as.
        public var cause: RetryCause {
            switch self {
            case .ids: return .wrongIDs
            case .outOfRange: return .outOfRange
            default: return .malformed
            }
        }
    }

    /// Parses a judge's answer as a `JudgeWireFormat`'s `answer(of:body:)` gives it: its structured value
    /// when there is one (a tool call's input), else its text.
    public static func parse(answer: String, value: JSONValue?, expectedIDs: [String]) throws(Problem) -> Parsed {
        if let value { return try parse(value: value, expectedIDs: expectedIDs) }
        return try parse(text: answer, expectedIDs: expectedIDs)
    }

    /// Parses an answer given as text: reasoning blocks are dropped, then the *last* JSON value
    /// that validates against the expected ids wins (reasoning judges write drafts before the
    /// answer). If none validates, the last one's problem is reported.
    public static func parse(text: String, expectedIDs: [String]) throws(Problem) -> Parsed {
        let values = candidates(text)
        guard let last = values.last else { throw .noJSON }
        do {
            return try parse(value: last, expectedIDs: expectedIDs)
        } catch {
            for value in values.dropLast().reversed() {
                if let parsed = try? parse(value: value, expectedIDs: expectedIDs) { return parsed }
            }
            throw error
        }
    }

    /// Parses an answer given as a JSON value (e.g. a forced tool call's input).
    public static func parse(value: JSONValue, expectedIDs: [String]) throws(Problem) -> Parsed {
        let items: [JSONValue]
        if let list = value["scores"]?.arrayValue {
            items = list
        } else if let list = value.arrayValue {
            items = list
        } else {
            throw .noScoresList
        }
        var byID: [String: (score: Double, stated: Bool, text: String, explanation: String)] = [:]
        var duplicated: [String] = [], unknown: [String] = []
        let expected = Set(expectedIDs)
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw .badItem(index: i, reason: "is not an object") }
            let rawID = o["trajectory_id"] ?? o["id"]
            let id: String
            switch rawID {
            case .string(let s)?: id = String(Self.trimmed(s[...]))
            case .number(let n)?: id = n
            default: throw .badItem(index: i, reason: "has no \"trajectory_id\"")
            }
            guard let scoreValue = o["score"] else { throw .badItem(index: i, reason: "has no \"score\"") }
            guard let (score, stated) = number(scoreValue) else {
                throw .badItem(index: i, reason: "has a score that is not a number: \(JSONWriter.string(scoreValue))")
            }
            guard score.isFinite else { throw .outOfRange(id: id, score: JSONWriter.string(scoreValue)) }
            let explanation = o["explanation"]?.stringValue ?? o["reasoning"]?.stringValue ?? ""
            if !expected.contains(id) {
                if !unknown.contains(id) { unknown.append(id) }
            } else if byID[id] != nil {
                if !duplicated.contains(id) { duplicated.append(id) }
            } else {
                byID[id] = (score, stated, JSONWriter.string(scoreValue), explanation)
            }
        }
        let missing = expectedIDs.filter { byID[$0] == nil }
        guard missing.isEmpty, duplicated.isEmpty, unknown.isEmpty else {
            throw .ids(missing: missing, duplicated: duplicated, unknown: unknown, expected: expectedIDs)
        }
        let given = expectedIDs.compactMap { byID[$0] }
        // A brief answer's one sentence for the group stands for each trajectory's explanation.
        let summary = value["summary"]?.stringValue ?? ""
        let explanations = given.map { $0.explanation.isEmpty ? summary : $0.explanation }
        let anyStated = given.contains { $0.stated }
        guard let outside = expectedIDs.first(where: { byID[$0].map { !(0...1).contains($0.score) } ?? false }), let culprit = byID[outside]
        else {
            return Parsed(scores: given.map(\.score), explanations: explanations, rescale: anyStated ? .stated : nil)
        }
        // A whole answer on a 0–10 or 0–100 scale: numbers only, none negative, none a fraction below 1.
        let top = given.map(\.score).max() ?? 0
        let wholeScale = !anyStated && top <= 100 && given.allSatisfy { $0.score >= 0 && !($0.score > 0 && $0.score < 1) }
        guard wholeScale else { throw .outOfRange(id: outside, score: culprit.text) }
        let rescale: Rescale = top <= 10 ? .outOfTen : .outOfHundred
        let divisor = rescale == .outOfTen ? 10.0 : 100.0
        return Parsed(scores: given.map { $0.score / divisor }, explanations: explanations, rescale: rescale)
    }

    /// A score from a number or a string such as "0.8", "8/10" or "80%", and whether the string stated its scale.
    static func number(_ value: JSONValue) -> (Double, stated: Bool)? {
        switch value {
        case .number(let n): return Double(n).map { ($0, false) }
        case .string(let raw):
            let s = trimmed(raw[...])
            if s.hasSuffix("%"), let v = Double(trimmed(s.dropLast())) { return (v / 100, true) }
            if let slash = s.firstIndex(of: "/") {
                guard let a = Double(trimmed(s[..<slash])),
                    let b = Double(trimmed(s[s.index(after: slash)...])), b > 0
                else { return nil }
                return (a / b, true)
            }
            return Double(s).map { ($0, false) }
        default: return nil
        }
    }

    /// Tags whose blocks hold a reasoning model's thinking, not its answer.
    static let reasoningTags = ["think", "thinking", "reasoning"]

    /// The text without reasoning blocks: each closed `<think>…</think>` (also `<thinking>`,
    /// `<reasoning>`) is removed, and a closing tag with no opening one (the template opened it)
    /// drops everything before it. An unclosed opening tag is left: its drafts come before the
    /// answer, and the last valid JSON wins.
    static func droppingReasoning(_ text: String) -> String {
        // Most answers hold no closing tag at all: one byte scan instead of three string searches.
        var previous: UInt8 = 0
        guard
            text.utf8.contains(where: { b in
                defer { previous = b }; return previous == UInt8(ascii: "<") && b == UInt8(ascii: "/")
            })
        else {
            return text
        }
        var s = Substring(text)
        for tag in reasoningTags {
            let open = "<\(tag)>", close = "</\(tag)>"
            while let c = s.range(of: close) {
                if let o = s[..<c.lowerBound].range(of: open, options: .backwards) {
                    s = s[..<o.lowerBound] + s[c.upperBound...]
                } else {
                    s = s[c.upperBound...]
                }
            }
        }
        return String(s)
    }

    /// Every JSON object or array in an answer, in order: the whole text, or each balanced
    /// `{…}` / `[…]` that parses (fenced or in prose), after reasoning blocks are dropped.
    static func candidates(_ text: String) -> [JSONValue] {
        let cleaned = String(trimmed(droppingReasoning(text)[...], [" ", "\n", "\r", "\t"]))
        if let v = try? JSONParser.parse(cleaned), v.objectValue != nil || v.arrayValue != nil { return [v] }
        let bytes = Array(cleaned.utf8)
        var found: [JSONValue] = []
        var i = 0
        // Each start that does not close scans to the end: bound the starts tried, so an answer of
        // many unbalanced brackets costs linear time, not quadratic.
        var starts = 0
        while i < bytes.count, starts < 256 {
            if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") { starts += 1 }
            if bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "["), let end = matchingClose(bytes, from: i),
                let v = try? JSONParser.parse(bytes[i...end])
            {
                found.append(v)
                i = end + 1
                continue
            }
            i += 1
        }
        return found
    }

    /// The index of the bracket that closes the one at `start`, skipping strings; nil if unbalanced.
    static func matchingClose(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var i = start
        var inString = false
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return nil
    }

    /// `text` without leading and trailing `scalars` (by default spaces). Swift-native: Foundation's
    /// `trimmingCharacters(in:)` builds a CharacterSet and bridges on every call, a measurable share
    /// of a judge answer's parse.
    static func trimmed(_ text: Substring, _ scalars: [Unicode.Scalar] = [" "]) -> Substring {
        let u = text.unicodeScalars
        var start = u.startIndex, end = u.endIndex
        while start < end, scalars.contains(u[start]) { u.formIndex(after: &start) }
        while end > start, scalars.contains(u[u.index(before: end)]) { u.formIndex(before: &end) }
        return Substring(u[start..<end])
    }
}
