import Foundation
import GavelJSON
import Yams

/// Parses rubric files: Markdown with optional YAML front matter (`name`, `description`,
/// `judge`, `temperature`, `samples`) between `---` lines; the body is the rubric text.
public enum RubricFile {
    /// The front-matter keys Gavel knows.
    public static let knownKeys = [
        "name", "description", "judge", "panel", "temperature", "samples", "window", "answer", "grade", "compare", "reference",
    ]

    /// One problem in a rubric file, with its 1-based line number (0 for the whole file).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var message: String
        /// Warnings (unknown keys) do not stop a run; errors do.
        public var isWarning: Bool

        public var description: String {
            (line > 0 ? "\(path):\(line): " : "\(path): ") + (isWarning ? "warning: " : "") + message
        }
    }

    /// Parses `text`; returns the rubric and its warnings, or throws the first error.
    public static func parse(_ text: String, path: String, defaultName: String) throws(Problem) -> (Rubric, [Problem]) {
        let (rubric, problems) = check(text, path: path, defaultName: defaultName)
        if let error = problems.first(where: { !$0.isWarning }) { throw error }
        guard let rubric else { throw Problem(path: path, line: 0, message: "not a rubric", isWarning: false) }
        return (rubric, problems)
    }

    /// Every problem of a rubric file (errors and warnings), and the rubric if it has no errors.
    public static func check(_ text: String, path: String, defaultName: String) -> (Rubric?, [Problem]) {
        var problems: [Problem] = []
        func problem(_ line: Int, _ message: String, warning: Bool = false) {
            problems.append(Problem(path: path, line: line, message: message, isWarning: warning))
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var rubric = Rubric(name: defaultName, text: "", source: path)
        var bodyStart = 0
        if lines.first?.trimmingTrailingWhitespace() == "---" {
            guard
                let close = lines.indices.dropFirst().first(where: {
                    lines[$0].trimmingTrailingWhitespace() == "---" || lines[$0].trimmingTrailingWhitespace() == "..."
                })
            else {
                problem(1, "front matter opened with --- is never closed (add a line with --- after it)")
                return (nil, problems)
            }
            let yaml = lines[1..<close].joined(separator: "\n")
            bodyStart = close + 1
            // YAML lines are numbered from the line after the opening ---.
            let offset = 1
            do {
                if let node = try Yams.compose(yaml: yaml) {
                    guard let mapping = node.mapping else {
                        problem(
                            (node.mark?.line ?? 1) + offset,
                            "front matter must be a mapping of keys to values (name: ..., description: ...)")
                        return (nil, problems)
                    }
                    for (keyNode, value) in mapping {
                        let line = (keyNode.mark?.line ?? 1) + offset
                        guard let key = keyNode.string else { problem(line, "front-matter keys must be text"); continue }
                        switch key {
                        case "name", "description", "judge":
                            guard let s = value.scalar?.string, value.scalar != nil else { problem(line, "\(key) must be text"); continue }
                            if key == "name" {
                                rubric.name = s
                            } else if key == "description" {
                                rubric.description = s
                            } else {
                                if !s.contains("/") { problem(line, "judge must be PROVIDER/MODEL, got \"\(s)\"") }
                                rubric.judge = s
                            }
                        case "temperature":
                            guard let t = value.float, (0...2).contains(t) else {
                                problem(line, "temperature must be a number from 0 to 2"); continue
                            }
                            rubric.temperature = t
                        case "samples":
                            guard let n = value.int, (1...32).contains(n) else {
                                problem(line, "samples must be a whole number from 1 to 32"); continue
                            }
                            rubric.samples = n
                        case "panel":
                            let members = (value.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                            guard members.count >= 2, members.allSatisfy({ $0.contains("/") }) else {
                                problem(line, "panel must list two or more PROVIDER/MODEL judges, separated by commas"); continue
                            }
                            rubric.panel = members
                        case "window":
                            guard let n = value.int, (3...256).contains(n) else {
                                problem(line, "window must be a whole number from 3 to 256"); continue
                            }
                            rubric.window = n
                        case "answer":
                            guard let a = value.string.flatMap(JudgeMode.Answer.init(rawValue:)) else {
                                problem(line, "answer must be one of: " + JudgeMode.Answer.allCases.map(\.rawValue).joined(separator: ", "))
                                continue
                            }
                            rubric.answer = a
                        case "grade":
                            guard let g = value.string.flatMap(JudgeMode.Grade.init(rawValue:)) else {
                                problem(line, "grade must be one of: " + JudgeMode.Grade.allCases.map(\.rawValue).joined(separator: ", "))
                                continue
                            }
                            rubric.grade = g
                        case "compare":
                            guard let c = value.string.flatMap(CompareMode.init(rawValue:)) else {
                                problem(line, "compare must be one of: " + CompareMode.allCases.map(\.rawValue).joined(separator: ", "))
                                continue
                            }
                            rubric.compare = c
                        case "reference":
                            guard let path = value.string, ReferenceAnswers.isValidPath(path) else {
                                problem(line, "reference must be a dotted JSON path, e.g. metadata.answer"); continue
                            }
                            rubric.reference = path
                        default:
                            problem(
                                line, "unknown front-matter key \"\(key)\" (known: \(knownKeys.joined(separator: ", ")))", warning: true)
                        }
                    }
                }
            } catch let error as YamlError {
                problem(Self.line(of: error).map { $0 + offset } ?? 1, "invalid YAML front matter: \(Self.problem(of: error))")
                return (nil, problems)
            } catch {
                problem(1, "invalid YAML front matter: \(error)")
                return (nil, problems)
            }
        }
        lines = Array(lines[min(bodyStart, lines.count)...])
        let body = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty {
            problem(bodyStart + 1, "the rubric body is empty: write the grading criteria below the front matter")
            return (nil, problems)
        }
        rubric.text = body
        return (problems.contains { !$0.isWarning } ? nil : rubric, problems)
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicated keys \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)"
        }
    }
}

extension RubricFile {
    /// The rubric as a file `parse` reads back to the same rubric: front matter with every setting
    /// it has (values quoted as JSON strings, which YAML reads as they are), then the text.
    public static func render(_ rubric: Rubric) -> String {
        func quoted(_ s: String) -> String { JSONWriter.string(.string(s)) }
        var lines = ["---", "name: \(quoted(rubric.name))"]
        if !rubric.description.isEmpty { lines.append("description: \(quoted(rubric.description))") }
        if let judge = rubric.judge { lines.append("judge: \(quoted(judge))") }
        if !rubric.panel.isEmpty { lines.append("panel: \(quoted(rubric.panel.joined(separator: ", ")))") }
        if let t = rubric.temperature { lines.append("temperature: \(t)") }
        if let n = rubric.samples { lines.append("samples: \(n)") }
        if let n = rubric.window { lines.append("window: \(n)") }
        if let a = rubric.answer { lines.append("answer: \(a.rawValue)") }
        if let g = rubric.grade { lines.append("grade: \(g.rawValue)") }
        if let c = rubric.compare { lines.append("compare: \(c.rawValue)") }
        if let r = rubric.reference { lines.append("reference: \(quoted(r))") }
        lines.append("---")
        return lines.joined(separator: "\n") + "\n" + rubric.text.trimmingTrailingWhitespace() + "\n"
    }
}
