import Crypto

/// A grading rubric: the text the judge reads under "Grading rubric", its name, and the run
/// defaults its front matter may set (used unless a flag overrides them).
public struct Rubric: Sendable, Equatable {
    public var name: String
    public var description: String
    public var text: String
    /// Default `--judge` for runs with this rubric.
    public var judge: String?
    /// Default `--temperature`.
    public var temperature: Double?
    /// Default `--samples`.
    public var samples: Int?
    /// Default `--window`.
    public var window: Int?
    /// A default panel of judges (PROVIDER/MODEL[@BASE_URL] each).
    public var panel: [String] = []
    /// Default `--answer` and `--grade`: how the judge answers (e.g. written by `gavel tune`).
    public var answer: JudgeMode.Answer?
    public var grade: JudgeMode.Grade?
    /// Default `--compare`.
    public var compare: CompareMode?
    /// Default `--reference`: the dotted path of each group's reference answer.
    public var reference: String?
    /// Where it came from: a path, `bundled`, or `inline`.
    public var source: String

    public init(
        name: String, text: String, description: String = "", judge: String? = nil,
        temperature: Double? = nil, samples: Int? = nil, source: String = "inline"
    ) {
        self.name = name
        self.description = description
        self.text = text
        self.judge = judge
        self.temperature = temperature
        self.samples = samples
        self.source = source
    }

    /// The first 12 hex digits of the SHA-256 of `text`: which rubric text a run used.
    public var contentHash: String { String(SHA256.hash(data: Array(text.utf8)).hexString.prefix(12)) }

    /// Gavel's default rubric: `Rubrics/default.md`, bundled into the binary.
    public static let `default`: Rubric = {
        if let text = BundledRubrics.files["default"],
            let (rubric, _) = try? RubricFile.parse(text, path: "bundled:default", defaultName: "default")
        {
            var r = rubric
            r.source = "bundled"
            return r
        }
        // Unreachable while the bundled file parses (a test checks that it does).
        return Rubric(
            name: "default", text: "Score each trajectory by how well it reached the shared goal, relative to the others.",
            source: "bundled")
    }()

    /// The default rubric's text.
    public static var defaultText: String { Rubric.default.text }
}
