import GavelJSON

/// Renders a group of trajectories into the RULER-structured judge prompt.
///
/// System: the task statement, then the rubric. User: the shared leading messages once in
/// `<context>`, the tools in `<available_tools>`, then each trajectory's remaining messages
/// in `<trajectory id="N">`. All JSON inside is compact, messages in one key order (see
/// `TrajectoryDecoder.canonical(_:)`), other JSON in the input's, with `<`,
/// `>` and `&` escaped, so trajectory text cannot close or forge a tag. The user message ends by
/// stating how many trajectories there are and their ids (the system message stays the same for
/// every group, so providers can cache it).
public struct PromptBuilder: Sendable {
    public var rubric: String
    /// The answer the judge is asked for.
    public var mode: JudgeMode

    public init(rubric: String = Rubric.defaultText, mode: JudgeMode = .explained) {
        self.rubric = rubric
        self.mode = mode
    }

    /// The task statement that opens the system message.
    public static let taskStatement = """
        You are judging a group of agent trajectories. Every trajectory below was produced for the same goal. \
        Read all of them first, then give each a score from 0 to 1 that reflects how well it did compared with the others. \
        If the goal is not stated outright, infer it from the conversation.
        """

    /// The closing instruction that states the answer format (for judges without structured output).
    public static let answerFormat = """
        Answer with a JSON object and nothing else, in this form: \
        {"scores": [{"trajectory_id": "<id>", "explanation": "<one or two sentences>", "score": <number from 0 to 1>}]}, \
        with exactly one entry for each trajectory id.
        """

    /// The task statement with digit grades: the same, on a 0–9 scale.
    public static let gradeTaskStatement = """
        You are judging a group of agent trajectories. Every trajectory below was produced for the same goal. \
        Read all of them first, then give each a grade from 0 to 9 that reflects how well it did compared with the others \
        (9: reached the goal best; 0: failed it). If the goal is not stated outright, infer it from the conversation.
        """

    /// The closing instruction that states the answer format for `mode`. RULER's (explained, number)
    /// is `answerFormat`, unchanged, so its cache entries stay valid.
    public static func answerFormat(_ mode: JudgeMode) -> String {
        switch (mode.grade, mode.answer) {
        case (.number, .explained): return answerFormat
        case (.number, .brief):
            return """
                Answer with a JSON object and nothing else, in this form: \
                {"summary": "<one sentence: what separates the best from the worst>", "scores": [{"trajectory_id": "<id>", \
                "score": <number from 0 to 1>}]}, with exactly one entry for each trajectory id.
                """
        case (.number, .scores):
            return """
                Answer with a JSON object and nothing else, in this form: \
                {"scores": [{"trajectory_id": "<id>", "score": <number from 0 to 1>}]}, with exactly one entry for each trajectory id.
                """
        case (.logprobs, .scores):
            return """
                Answer with one line per trajectory, in id order, each the id, a colon and the grade as one digit, \
                and nothing else.
                """
        case (.logprobs, .brief):
            return """
                Answer with one line per trajectory, in id order, each the id, a colon and the grade as one digit; \
                then one last line `Summary:` and one sentence on what separates the best from the worst.
                """
        case (.logprobs, .explained):
            return """
                Answer with one line per trajectory, in id order, each the id, a colon, the grade as one digit and one sentence \
                on why.
                """
        }
    }

    /// The system message: task statement, rubric, answer format.
    public var system: String {
        let task = mode.grade == .logprobs ? Self.gradeTaskStatement : Self.taskStatement
        return task + "\n\nGrading rubric:\n" + rubric.trimmingTrailingWhitespace() + "\n\n" + Self.answerFormat(mode)
    }

    /// Renders the prompt for `trajectories`, shown in `order` (positions into `trajectories`; default: as given).
    public func build(_ trajectories: [Trajectory], order: [Int]? = nil, references: [JSONValue] = []) -> JudgePrompt {
        build(trajectories, orders: [order ?? Array(trajectories.indices)], references: references)[0]
    }

    /// The `<reference_answer>` section: the group's reference answer(s) (`--reference`), as
    /// compact JSON with `<`, `>` and `&` escaped like every other text, so a reference can no more
    /// close a tag than a trajectory can; nothing without one.
    static func referenceSection(_ references: [JSONValue]) -> String {
        guard !references.isEmpty else { return "" }
        let intro =
            references.count == 1
            ? "A reference answer for this goal, given with the task (use it to check each trajectory's result; "
                + "a trajectory need not match its wording):"
            : "Reference answers for this goal, given with the task (any of them is right; use them to check each "
                + "trajectory's result; a trajectory need not match their wording):"
        return intro + "\n<reference_answer>\n" + references.map { JSONWriter.string($0) }.joined(separator: "\n")
            + "\n</reference_answer>\n\n"
    }

    /// Renders one prompt per order (one per sample). Each trajectory's block is encoded once and
    /// shared by every order: only the ids and the order of the blocks differ between samples.
    ///
    /// `references`: the group's reference answers (`--reference`), shown before the trajectories.
    public func build(_ trajectories: [Trajectory], orders: [[Int]], references: [JSONValue] = []) -> [JudgePrompt] {
        let system = self.system, mode = self.mode
        let reference = Self.referenceSection(references)

        // An identical group: one trajectory, shown whole, stands for all (whatever the order).
        if let first = trajectories.first, trajectories.count > 1, trajectories.allSatisfy({ $0 == first }) {
            var user = Self.toolsSection(trajectories) + reference
            user += "Trajectories:\n\n" + Self.block(id: "1", body: Self.encode(first.messages[...])) + Self.countLine(["1"], mode: mode)
            return orders.map { _ in
                JudgePrompt(system: system, user: user, ids: ["1"], members: [Array(trajectories.indices)], mode: mode)
            }
        }

        // The shared prefix is the same whatever the order (every trajectory has it).
        let prefix = Self.sharedPrefixLength(trajectories.map(\.messages))
        var context = ""
        if prefix > 0, let first = trajectories.first {
            context = "<context>\n" + Self.encode(first.messages[..<prefix]) + "\n</context>\n\n"
        }
        let bodies = trajectories.map { Self.encode($0.messages[prefix...]) }
        return orders.map { order in
            var user = context + Self.toolsSection(order.map { trajectories[$0] }) + reference + "Trajectories:\n\n"
            var ids: [String] = []
            for (i, t) in order.enumerated() {
                let id = String(i + 1)
                ids.append(id)
                if i > 0 { user += "\n\n" }
                user += Self.block(id: id, body: bodies[t])
            }
            user += Self.countLine(ids, mode: mode)
            return JudgePrompt(system: system, user: user, ids: ids, members: order.map { [$0] }, mode: mode)
        }
    }

    /// Length of the leading run of messages shared by every trajectory, leaving each at least one message of its own.
    package static func sharedPrefixLength(_ lists: [[JSONValue]]) -> Int {
        guard lists.count > 1, let shortest = lists.map(\.count).min(), shortest > 1 else { return 0 }
        let first = lists[0]
        var n = 0
        while n < shortest - 1, lists.allSatisfy({ $0[n] == first[n] }) { n += 1 }
        return n
    }

    /// The `<available_tools>` section: each distinct tool list once, or nothing.
    static func toolsSection(_ trajectories: [Trajectory]) -> String {
        var distinct: [JSONValue] = []
        for t in trajectories {
            guard let tools = t.tools else { continue }
            if !distinct.contains(tools) { distinct.append(tools) }
        }
        guard !distinct.isEmpty else { return "" }
        let value: JSONValue
        if distinct.count == 1 {
            value = distinct[0]
        } else {
            // Different tool lists: show the union of their entries, first occurrence first.
            var union: [JSONValue] = []
            for list in distinct {
                for tool in list.arrayValue ?? [list] where !union.contains(tool) { union.append(tool) }
            }
            value = .array(union)
        }
        return "<available_tools>\n" + JSONWriter.string(value) + "\n</available_tools>\n\n"
    }

    /// Messages as one compact JSON array.
    static func encode(_ messages: ArraySlice<JSONValue>) -> String { JSONWriter.string(.array(Array(messages))) }

    /// The closing line: how many trajectories there are and their ids.
    static func countLine(_ ids: [String], mode: JudgeMode = .explained) -> String {
        let list = ids.map { "\"\($0)\"" }.joined(separator: ", ")
        guard mode.grade == .logprobs else {
            return ids.count == 1
                ? "\n\nThere is 1 trajectory, with id \(list). Give exactly one score for it."
                : "\n\nThere are \(ids.count) trajectories, with ids \(list). Give exactly one score for each."
        }
        // Digit grades: the lines to write, ids spelled out (a small judge copies a template far
        // more reliably than it follows a description of one).
        let count = ids.count == 1 ? "There is 1 trajectory, with id \(list)" : "There are \(ids.count) trajectories, with ids \(list)"
        let after = mode.answer == .scores ? "" : mode.answer == .brief ? ", then the Summary line" : ", each followed by its reason"
        return "\n\n\(count). Answer with exactly these lines, each <digit> replaced by that trajectory's grade\(after):\n"
            + ids.map { "\($0): <digit>" }.joined(separator: "\n")
    }

    static func block(id: String, body: String) -> String {
        "<trajectory id=\"\(id)\">\n" + body + "\n</trajectory>"
    }
}

extension String {
    /// The string without trailing spaces and newlines.
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
