import Foundation
import GavelTesting
import Testing

@testable import GavelCore
@testable import GavelPool
@testable import GavelScoring
@testable import GavelSupport

@Suite("Score stage as pure functions: pool messages, combining, permutations")
struct ScorePoolMessagesTests {
    /// What a worker answers to `request`, without a worker.
    static func handle(_ request: [UInt8]) throws -> [UInt8] {
        var reply: [UInt8] = []
        try ScorePoolMessages.handle(request, spans: SpanBuffer(), into: &reply)
        return reply
    }

    /// Two samples of one window of two: sample 0 showed member 1 first, sample 1 member 0 first.
    static let twoSamples = GroupVerdicts(
        count: 2, windows: [[0, 1]],
        answers: [
            [
                GroupVerdicts.Answer(members: [[1], [0]], scores: [0.6, 0.2], explanations: ["b", "a"]),
                GroupVerdicts.Answer(members: [[0], [1]], scores: [0.4, 0.8]),
            ]
        ], fused: false, elided: [nil, .init(characters: 18_204, tokens: 4_551, texts: 2)])

    /// Three windows of a group of three, from a panel of two with one member missing a prompt.
    static let windowsFromPanel = GroupVerdicts(
        count: 3, windows: [[0, 1], [1, 2], [2, 0]],
        answers: [
            [GroupVerdicts.Answer(members: [[0], [1]], scores: [0.9, 0.1], explanations: ["x", "y"])],
            [
                GroupVerdicts.Answer(
                    members: [[1], [0]], scores: [0.7, 0.3], explanations: ["z", "w"],
                    panel: [PanelScores(member: "openai/a", scores: [0.6, 0.4]), PanelScores(member: "openai/b", scores: [0.8, 0.2])])
            ],
            [GroupVerdicts.Answer(members: [[0], [1]], scores: [0.5, 0.5], panelMissing: ["openai/b"])],
        ], fused: true)

    @Test("a batch's frame carries the judge's answers to a worker, which scores them as this process does")
    func scoredFrame() throws {
        var batch = EncodeBatch(groups: [EncodeBatch.Group(key: "k", verdicts: Self.twoSamples, cached: true, count: 2)])
        batch.appendLine(#"{"messages":[]}"#.utf8, slot: 0, member: 1)
        batch.appendLine(#"{"trajectories":[{"m":1},{"m":2}]}"#.utf8, slot: 0, member: -1)
        let context = ScoreStage.EncodeContext(judgeName: "j", advantage: .grpo)
        let viaWorker = try Self.handle(ScorePoolMessages.encodeRequest(batch, context: context))
        #expect(viaWorker == (try ScoreStage.encodeChunk(batch, context: context)))
        let text = String(decoding: viaWorker, as: UTF8.self)
        #expect(
            text.contains(#""samples":[0.6,0.8],"slots":[0,1]"#) && text.contains(#""explanation":"b""#) && text.contains(#""cached":true"#)
        )
        #expect(text.split(separator: "\n").count == 2)
        // What elision cut travels with the answers: member 1 of both lines, nobody else.
        #expect(text.components(separatedBy: #""elided":{"characters":18204,"tokens":4551,"texts":2}"#).count == 3, "\(text)")
    }

    @Test("combining samples: mean, spread, ranks, advantages")
    func combine() {
        let s = ScoreStage.combine(ScoreStage.GroupSamples(samples: [[0.2, 0.6], [0.4, 0.8]]), mode: .mean)
        #expect(s.scores.map { ($0 * 1e9).rounded() / 1e9 } == [0.3, 0.7])
        #expect(s.spread.map { ($0 * 1e9).rounded() / 1e9 } == [0.1, 0.1])
        #expect(s.ranks == [2, 1])
        #expect(s.advantages.map { ($0 * 1e9).rounded() / 1e9 } == [-0.2, 0.2])
    }

    @Test("permutations: sample 0 is canonical, later ones differ and are stable")
    func permutations() {
        let canonical = Array(0..<8)
        #expect(CanonicalOrder.permutation(canonical: canonical, groupHash: "abc", sample: 0) == canonical)
        let p1 = CanonicalOrder.permutation(canonical: canonical, groupHash: "abc", sample: 1)
        let p2 = CanonicalOrder.permutation(canonical: canonical, groupHash: "abc", sample: 2)
        #expect(p1 != canonical && p2 != canonical && p1 != p2)
        #expect(p1 == CanonicalOrder.permutation(canonical: canonical, groupHash: "abc", sample: 1))
        #expect(p1.sorted() == canonical)
        #expect(CanonicalOrder.permutation(canonical: canonical, groupHash: "xyz", sample: 1) != p1)
    }

    @Test("frames round-trip and truncated frames are errors, not crashes")
    func frames() throws {
        var batch = EncodeBatch(groups: [EncodeBatch.Group(key: "g", failure: .judgeFailed("boom"), count: 1)])
        batch.appendLine(#"{"a":1}"#.utf8, slot: 0, member: 0)
        let request = ScorePoolMessages.encodeRequest(batch, context: .init(judgeName: "j", advantage: .grpo))
        #expect(try Self.handle(request) == Array((#"{"a":1,"gavel":{"group":"g","error":"boom"}}"# + "\n").utf8))
        for cut in [1, 5, request.count / 2, request.count - 1] {
            let truncated = Array(request.prefix(cut))
            #expect(throws: (any Error).self) { try Self.handle(truncated) }
        }
    }

    @Test("every group failure kind survives the trip to a worker and back")
    func failureKinds() throws {
        let kinds: [GroupFailure] = [
            .judgeFailed("HTTP 400: bad"), .interrupted, .runStopped("key refused"), .stoppedAfterFailure, .notJudged,
        ]
        var batch = EncodeBatch(groups: kinds.enumerated().map { EncodeBatch.Group(key: "g\($0.offset)", failure: $0.element, count: 1) })
        for slot in kinds.indices { batch.appendLine(#"{"a":1}"#.utf8, slot: slot, member: 0) }
        let (decoded, _) = try ScorePoolMessages.decodeRequest(
            ScorePoolMessages.encodeRequest(batch, context: .init(judgeName: "j", advantage: .none)))
        #expect(decoded == batch)
    }

    @Test("an unknown advantage mode in a request is an error, not a silent grpo")
    func unknownMode() throws {
        var w = FrameWriter()
        w.string("j")
        w.string("fancy")
        w.u32(0)
        #expect(throws: (any Error).self) { try ScorePoolMessages.decodeRequest(w.bytes) }
    }

    @Test("mutated and truncated requests are errors or valid batches, never a crash")
    func mutations() throws {
        var batch = EncodeBatch(groups: [
            EncodeBatch.Group(key: "k", verdicts: Self.windowsFromPanel, count: 3),
            EncodeBatch.Group(key: "f", failure: .runStopped("401"), count: 1),
            EncodeBatch.Group(key: "s", verdicts: Self.twoSamples, count: 2),
        ])
        batch.appendLine(#"{"messages":[]}"#.utf8, slot: 0, member: 1)
        batch.appendLine(#"{"trajectories":[{},{}]}"#.utf8, slot: 2, member: -1)
        batch.appendLine(#"{"a":1}"#.utf8, slot: 1, member: 0)
        let request = ScorePoolMessages.encodeRequest(batch, context: .init(judgeName: "j", advantage: .grpo))
        let (decoded, _) = try ScorePoolMessages.decodeRequest(request)
        #expect(decoded == batch)
        for cut in 0..<request.count { _ = try? Self.handle(Array(request.prefix(cut))) }
        var rng = SplitMix64(seed: 5)
        for _ in 0..<2000 {
            var mutated = request
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? Self.handle(mutated)
        }
    }

    @Test("a request naming a file span past the file's end is an error, not an allocation")
    func fileSpans() throws {
        let dir = try TempDir()
        let path = try dir.write("lines.jsonl", #"{"a":1}"# + "\n" + #"{"b":2}"# + "\n")
        var batch = EncodeBatch(source: .file(path), groups: [EncodeBatch.Group(key: "g", failure: .notJudged, count: 2)])
        batch.lines = [
            EncodeBatch.Line(offset: 0, length: 7, slot: 0, member: 0), EncodeBatch.Line(offset: 8, length: 7, slot: 0, member: 1),
        ]
        let context = ScoreStage.EncodeContext(judgeName: "j", advantage: .grpo)
        #expect(String(decoding: try Self.handle(ScorePoolMessages.encodeRequest(batch, context: context)), as: UTF8.self).count > 20)
        batch.lines[1].offset = 1 << 40
        #expect(throws: InputError.self) { try Self.handle(ScorePoolMessages.encodeRequest(batch, context: context)) }
        var rng = SplitMix64(seed: 9)
        let request = ScorePoolMessages.encodeRequest(batch, context: context)
        for _ in 0..<2000 {
            var mutated = request
            mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            _ = try? Self.handle(mutated)
        }
    }
}
