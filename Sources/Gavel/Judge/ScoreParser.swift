import Foundation

/// Turns a judge's answer into one score and explanation per trajectory id, tolerantly.
///
/// Accepts JSON alone, in a code fence, or surrounded by prose; scores as numbers or strings
/// ("0.8", "8/10", "80%"); a group whose scores exceed 1 is rescaled (/10 when the largest is
/// at most 10, /100 when at most 100) and every score is clamped to [0, 1]. Scores are matched
/// to trajectories by id, never by position.
public enum ScoreParser {
    /// Scores in the order of the expected ids.
    public struct Parsed: Sendable, Equatable {
        public var scores: [Double]
        public var explanations: [String]
        /// Whether the judge's scale was not 0–1 and was rescaled.
        public var rescaled: Bool
    }

    /// Why an answer could not be used; the description is what a corrective turn tells the judge.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case noJSON
        case noScoresList
        case badItem(index: Int, reason: String)
        case ids(missing: [String], duplicated: [String], unknown: [String], expected: [String])

        public var description: String {
            switch self {
            case .noJSON: return "the answer holds no JSON object"
            case .noScoresList: return "the JSON has no \"scores\" list"
            case .badItem(let i, let reason): return "scores[\(i)] \(reason)"
            case .ids(let missing, let duplicated, let unknown, let expected):
                var parts: [String] = []
                if !missing.isEmpty { parts.append("missing ids " + missing.map { "\"\($0)\"" }.joined(separator: ", ")) }
                if !duplicated.isEmpty { parts.append("ids given more than once " + duplicated.map { "\"\($0)\"" }.joined(separator: ", ")) }
                if !unknown.isEmpty { parts.append("unknown ids " + unknown.map { "\"\($0)\"" }.joined(separator: ", ")) }
                return parts.joined(separator: "; ") + " (expected exactly one entry for each of " + expected.map { "\"\($0)\"" }.joined(separator: ", ") + ")"
            }
        }

        /// Whether a corrective follow-up turn could fix it (the ids are wrong, the JSON is fine).
        public var isIdProblem: Bool { if case .ids = self { return true } else { return false } }

        /// A short cause name for statistics.
        public var cause: String { isIdProblem ? "wrong_ids" : "malformed" }
    }

    /// Parses an answer given as text.
    public static func parse(text: String, expectedIDs: [String]) throws(Problem) -> Parsed {
        guard let value = extractJSON(text) else { throw .noJSON }
        return try parse(value: value, expectedIDs: expectedIDs)
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
        var byID: [String: (Double, String)] = [:]
        var duplicated: [String] = [], unknown: [String] = []
        let expected = Set(expectedIDs)
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw .badItem(index: i, reason: "is not an object") }
            let rawID = o["trajectory_id"] ?? o["id"]
            let id: String
            switch rawID {
            case .string(let s)?: id = s.trimmingCharacters(in: [" "])
            case .number(let n)?: id = n
            default: throw .badItem(index: i, reason: "has no \"trajectory_id\"")
            }
            guard let scoreValue = o["score"] else { throw .badItem(index: i, reason: "has no \"score\"") }
            guard let score = number(scoreValue), score.isFinite else {
                throw .badItem(index: i, reason: "has a score that is not a number: \(JSONWriter.string(scoreValue))")
            }
            let explanation = o["explanation"]?.stringValue ?? o["reasoning"]?.stringValue ?? ""
            if !expected.contains(id) {
                if !unknown.contains(id) { unknown.append(id) }
            } else if byID[id] != nil {
                if !duplicated.contains(id) { duplicated.append(id) }
            } else {
                byID[id] = (score, explanation)
            }
        }
        let missing = expectedIDs.filter { byID[$0] == nil }
        guard missing.isEmpty, duplicated.isEmpty, unknown.isEmpty else {
            throw .ids(missing: missing, duplicated: duplicated, unknown: unknown, expected: expectedIDs)
        }
        var scores = expectedIDs.map { byID[$0]?.0 ?? 0 }
        let explanations = expectedIDs.map { byID[$0]?.1 ?? "" }
        let top = scores.max() ?? 0
        var rescaled = false
        if top > 1 {
            rescaled = true
            let divisor = top <= 10 ? 10.0 : (top <= 100 ? 100.0 : top)
            scores = scores.map { $0 / divisor }
        }
        scores = scores.map { min(1, max(0, $0)) }
        return Parsed(scores: scores, explanations: explanations, rescaled: rescaled)
    }

    /// A score from a number or a string such as "0.8", "8/10" or "80%".
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): return Double(n)
        case .string(let raw):
            let s = raw.trimmingCharacters(in: [" "])
            if s.hasSuffix("%"), let v = Double(s.dropLast().trimmingCharacters(in: [" "])) { return v / 100 }
            if let slash = s.firstIndex(of: "/") {
                guard let a = Double(s[..<slash].trimmingCharacters(in: [" "])),
                      let b = Double(s[s.index(after: slash)...].trimmingCharacters(in: [" "])), b > 0 else { return nil }
                return a / b
            }
            return Double(s)
        default: return nil
        }
    }

    /// The JSON value in an answer: the whole text, a fenced block, or the outermost `{...}` / `[...]` in prose.
    static func extractJSON(_ text: String) -> JSONValue? {
        let trimmed = text.trimmingCharacters(in: [" ", "\n", "\r", "\t"])
        if let v = try? JSONParser.parse(trimmed), v.objectValue != nil || v.arrayValue != nil { return v }
        // A fenced block: ```json ... ``` or ``` ... ```
        if let open = trimmed.range(of: "```") {
            var rest = trimmed[open.upperBound...]
            if let nl = rest.firstIndex(of: "\n") { rest = rest[rest.index(after: nl)...] }
            if let close = rest.range(of: "```") {
                if let v = try? JSONParser.parse(String(rest[..<close.lowerBound])) { return v }
            }
        }
        // The outermost object, then the outermost array.
        for (open, close) in [("{", "}"), ("[", "]")] as [(Character, Character)] {
            if let a = trimmed.firstIndex(of: open), let b = trimmed.lastIndex(of: close), a < b,
               let v = try? JSONParser.parse(String(trimmed[a...b])) {
                return v
            }
        }
        return nil
    }
}
