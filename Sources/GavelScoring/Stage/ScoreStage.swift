import GavelCore
import GavelJSON

/// The CPU-heavy stage after judging, as pure functions: turn a group's judge answers into scores,
/// ranks and advantages (`GroupVerdicts.scored`), and encode output lines. Every executor (inline, threads,
/// process pool) calls these same functions, so their outputs are byte-identical.
public enum ScoreStage {
    /// One group's judge samples: `samples[k][m]` is sample k's score for member m.
    public struct GroupSamples: Sendable, Equatable {
        public var samples: [[Double]]
        public init(samples: [[Double]]) { self.samples = samples }
    }

    /// One group's combined result.
    public struct GroupScores: Sendable, Equatable {
        /// Mean over samples, per member.
        public var scores: [Double]
        /// Population standard deviation over samples, per member (0 with one sample).
        public var spread: [Double]
        public var ranks: [Int]
        public var advantages: [Double]
        public var zeroVariance: Bool
    }

    /// What the output record of one trajectory gets.
    public struct Annotation: Sendable, Equatable {
        public var group: String
        /// Why the trajectory has no score; nil when it has one.
        public var failure: GroupFailure?
        public var score = 0.0
        public var spread = 0.0
        public var rank = 0
        public var advantage = 0.0
        public var zeroVariance = false
        public var explanation = ""
        /// Per-sample scores (shown when there is more than one).
        public var samples: [Double] = []
        /// Per-sample positions at which the judge saw this trajectory (0 = first).
        public var slots: [Int] = []
        /// Windows the trajectory was judged in, for a large group (0 when judged whole).
        public var windows = 0
        /// From a panel: each member's score for this trajectory (one score each), and the members that missed prompts.
        public var panel: [PanelScores] = []
        public var panelMissing: [String] = []
        /// What was cut from the trajectory to fit the judge's context.
        public var elided: TrajectoryElision.Cut?
        public var cached = false

        public init(group: String, failure: GroupFailure? = nil) {
            self.group = group
            self.failure = failure
        }
    }

    /// Settings shared by every line of a run.
    public struct EncodeContext: Sendable, Equatable {
        public var judgeName: String
        public var advantage: AdvantageMode
        /// How the judge was asked to answer (`JudgeMode`'s text): `gavel.answer`.
        public var answer: String
        public init(judgeName: String, advantage: AdvantageMode, answer: String = JudgeMode.explained.description) {
            self.judgeName = judgeName
            self.advantage = advantage
            self.answer = answer
        }
    }

    /// Combines samples: mean score, spread, ranks, advantages, zero-variance flag.
    public static func combine(_ group: GroupSamples, mode: AdvantageMode) -> GroupScores {
        ScoreMeter.current?.count(.combine)
        let k = group.samples.count
        let n = group.samples.first?.count ?? 0
        var scores = [Double](repeating: 0, count: n)
        var spread = [Double](repeating: 0, count: n)
        if k == 1 {
            scores = group.samples[0]
        } else if k > 1 {
            for m in 0..<n {
                // Mean as an offset from the first sample: equal samples give exactly that value.
                let base = group.samples[0][m]
                var offset = 0.0
                for s in 1..<k { offset += group.samples[s][m] - base }
                let mean = base + offset / Double(k)
                var sq = 0.0
                for s in 0..<k { sq += (group.samples[s][m] - mean) * (group.samples[s][m] - mean) }
                scores[m] = mean
                spread[m] = (sq / Double(k)).squareRoot()
            }
        }
        let stats = GroupStatistics(scores: scores, mode: mode)
        return GroupScores(
            scores: scores, spread: spread, ranks: stats.ranks, advantages: stats.advantages, zeroVariance: stats.zeroVariance)
    }

    /// Appends the annotated record in `bytes` (without a newline) to `w`.
    static func encode(
        _ bytes: UnsafeBufferPointer<UInt8>, isGroupLine: Bool, annotations: [Annotation],
        context: EncodeContext, into w: inout JSONWriter
    ) throws(InputError) {
        if RecordSplicer.splice(bytes, annotations: annotations, isGroupLine: isGroupLine, context: context, into: &w) { return }
        try encodeTree(bytes, isGroupLine: isGroupLine, annotations: annotations, context: context, into: &w)
    }

    /// The tree path: parse the record, add the fields, write it back.
    static func encodeTree(
        _ bytes: UnsafeBufferPointer<UInt8>, isGroupLine: Bool, annotations: [Annotation],
        context: EncodeContext, into w: inout JSONWriter
    ) throws(InputError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw InputError.invalidLine(path: "(input)", line: 0, "the line changed while Gavel was running: \(error)")
        }
        guard case .object(var object) = value else {
            throw InputError.invalidLine(path: "(input)", line: 0, "the line changed while Gavel was running")
        }
        if isGroupLine {
            if case .array(var items)? = object["trajectories"] {
                for i in items.indices where i < annotations.count {
                    guard case .object(var t) = items[i] else { continue }
                    annotate(&t, annotations[i], context: context)
                    items[i] = .object(t)
                }
                object["trajectories"] = .array(items)
            }
        } else if let a = annotations.first {
            annotate(&object, a, context: context)
        }
        w.write(object)
    }

    /// Adds a judgement to a trajectory record, ART-compatibly, keeping every field: the rules of
    /// `ARTAnnotation`'s table (scored: reward, metrics' `ruler_score` and `independent_reward`, a log
    /// line and a `gavel` object; unscored: only `gavel: {group, error}`).
    package static func annotate(_ object: inout JSONObject, _ a: Annotation, context: EncodeContext) {
        typealias Spec = ARTAnnotation
        guard a.failure == nil else {
            object[Spec.gavel] = .object(gavelObject(a, context: context))
            return
        }
        let scoreValue = JSONValue.double(a.score)
        let original = object[Spec.reward]
        object[Spec.reward] = scoreValue
        if object[Spec.metrics] == nil || object[Spec.metrics]?.objectValue != nil {
            var metrics = object[Spec.metrics]?.objectValue ?? JSONObject()
            if metrics[Spec.originalRewardMetric] == nil { metrics[Spec.originalRewardMetric] = original ?? .null }
            metrics[Spec.scoreMetric] = scoreValue
            object[Spec.metrics] = .object(metrics)
        }
        let log = JSONValue.string(Spec.logLine(a.explanation))
        if case .array(var logs)? = object[Spec.logs] {
            logs.append(log)
            object[Spec.logs] = .array(logs)
        } else if object[Spec.logs] == nil || object[Spec.logs]?.isNull == true {
            object[Spec.logs] = .array([log])
        }
        object[Spec.gavel] = .object(gavelObject(a, context: context))
    }

    /// The `gavel` object of an annotation.
    static func gavelObject(_ a: Annotation, context: EncodeContext) -> JSONObject {
        if let failure = a.failure { return JSONObject(pairs: ["group": .string(a.group), "error": .string(failure.description)]) }
        var gavel = JSONObject()
        gavel["group"] = .string(a.group)
        gavel["score"] = .double(a.score)
        gavel["rank"] = .int(a.rank)
        if context.advantage != .none { gavel["advantage"] = .double(a.advantage) }
        gavel["zero_variance"] = .bool(a.zeroVariance)
        if a.samples.count > 1 {
            gavel["score_spread"] = .double(a.spread)
            gavel["samples"] = .array(a.samples.map(JSONValue.double))
        }
        if !a.slots.isEmpty { gavel["slots"] = .array(a.slots.map(JSONValue.int)) }
        if a.windows > 0 { gavel["windows"] = .int(a.windows) }
        if !a.panel.isEmpty {
            let scores = a.panel.map { $0.scores.first ?? 0 }
            gavel["panel"] = .object(JSONObject(zip(a.panel, scores).map { JSONObject.Member($0.member, .double($1)) }))
            let mean = scores.reduce(0, +) / Double(scores.count)
            gavel["panel_spread"] = .double((scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)).squareRoot())
        }
        if !a.panelMissing.isEmpty { gavel["panel_missing"] = .array(a.panelMissing.map(JSONValue.string)) }
        if let cut = a.elided {
            gavel["elided"] = .object(
                JSONObject(pairs: ["characters": .int(cut.characters), "tokens": .int(cut.tokens), "texts": .int(cut.texts)]))
        }
        gavel["explanation"] = .string(a.explanation)
        gavel["judge"] = .string(context.judgeName)
        gavel["answer"] = .string(context.answer)
        gavel["cached"] = .bool(a.cached)
        return gavel
    }
}
