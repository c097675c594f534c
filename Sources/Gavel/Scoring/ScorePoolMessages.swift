import Foundation
import GavelJSON
import GavelPool

/// The score stage's messages to its worker processes: encode requests (the groups' results once,
/// then where each line is) and, back, the encoded JSONL chunk itself.
///
/// Numbers travel as raw little-endian bits, never as JSON text; with a file source only offsets
/// cross the pipe, and the worker reads the lines itself.
public enum ScorePoolMessages {
    /// A request or reply that does not decode.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The largest group a request may describe (a corrupt count must not become an allocation).
    static let maxGroupSize = 1 << 20

    /// Source kinds in an encode request.
    private static let fileSource: UInt8 = 0, bytesSource: UInt8 = 1
    /// Group states in an encode request.
    private static let scored: UInt8 = 0, failed: UInt8 = 1

    /// An encode request: the context, the groups once, then the lines' source and per line its
    /// offset, length, slot and member.
    static func encodeRequest(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> [UInt8] {
        var inline = 0
        if case .bytes(let b) = batch.source { inline = b.count }
        var w = FrameWriter(reservingCapacity: 256 + inline + batch.lines.count * 32 + batch.groups.count * 512)
        w.string(context.judgeName)
        w.string(context.advantage.rawValue)
        w.string(context.answer)
        w.u32(UInt32(batch.groups.count))
        for g in batch.groups {
            w.string(g.key)
            w.i64(g.count)
            w.bool(g.cached)
            switch g.result {
            case .failure(let failure):
                w.u8(failed)
                failure.write(to: &w)
            case .success(let scores):
                w.u8(scored)
                w.scores(scores)
                w.u32(UInt32(g.explanations.count))
                for e in g.explanations { w.string(e) }
                w.u32(UInt32(g.samples.count))
                for k in g.samples { w.f64s(k) }
                w.u32(UInt32(g.slots.count))
                for k in g.slots {
                    w.u32(UInt32(k.count))
                    for slot in k { w.i64(slot) }
                }
                w.u32(UInt32(g.windows.count))
                for n in g.windows { w.i64(n) }
                w.u32(UInt32(g.panel.count))
                for p in g.panel {
                    w.string(p.member)
                    w.f64s(p.scores)
                }
                w.u32(UInt32(g.panelMissing.count))
                for name in g.panelMissing { w.string(name) }
            }
        }
        switch batch.source {
        case .file(let path):
            w.u8(fileSource)
            w.string(path)
        case .bytes(let bytes):
            w.u8(bytesSource)
            w.raw(bytes)
        }
        w.u32(UInt32(batch.lines.count))
        for line in batch.lines {
            w.i64(line.offset)
            w.i64(line.length)
            w.i64(line.slot)
            w.i64(line.member)
        }
        return w.bytes
    }

    /// Decodes an encode request.
    static func decodeRequest(_ request: [UInt8]) throws -> (EncodeBatch, ScoreStage.EncodeContext) {
        var r = FrameReader(request)
        let judgeName = try r.string(), modeName = try r.string(), answer = try r.string()
        guard let advantage = AdvantageMode(rawValue: modeName) else {
            throw Malformed(description: "unknown advantage mode \"\(modeName)\"")
        }
        var batch = EncodeBatch()
        let groupCount = Int(try r.u32())
        guard groupCount <= request.count / 8 else { throw FrameReader.Truncated() }
        batch.groups.reserveCapacity(groupCount)
        for _ in 0..<groupCount {
            let key = try r.string(), count = try r.i64(), cached = try r.bool()
            guard (0...Self.maxGroupSize).contains(count) else { throw Malformed(description: "a group of \(count) trajectories") }
            switch try r.u8() {
            case failed:
                batch.groups.append(EncodeBatch.Group(key: key, failure: try GroupFailure(from: &r), count: count))
            case scored:
                let scores = try r.scores()
                // One rank per score: annotations index both by member.
                guard scores.ranks.count == scores.scores.count else {
                    throw Malformed(description: "\(scores.ranks.count) ranks for \(scores.scores.count) scores")
                }
                var explanations: [String] = [], samples: [[Double]] = []
                let e = Int(try r.u32())
                for _ in 0..<e { explanations.append(try r.string()) }
                let k = Int(try r.u32())
                for _ in 0..<k { samples.append(try r.f64s()) }
                var slots: [[Int]] = []
                let ks = Int(try r.u32())
                guard ks <= request.count else { throw FrameReader.Truncated() }
                for _ in 0..<ks {
                    let n = Int(try r.u32())
                    guard n <= request.count / 8 else { throw FrameReader.Truncated() }
                    var sample: [Int] = []
                    sample.reserveCapacity(n)
                    for _ in 0..<n { sample.append(try r.i64()) }
                    slots.append(sample)
                }
                let wn = Int(try r.u32())
                guard wn <= request.count / 8 else { throw FrameReader.Truncated() }
                var windows: [Int] = []
                for _ in 0..<wn { windows.append(try r.i64()) }
                var panel: [PanelScores] = [], panelMissing: [String] = []
                let pn = Int(try r.u32())
                guard pn <= request.count else { throw FrameReader.Truncated() }
                for _ in 0..<pn { panel.append(PanelScores(member: try r.string(), scores: try r.f64s())) }
                let mn = Int(try r.u32())
                guard mn <= request.count else { throw FrameReader.Truncated() }
                for _ in 0..<mn { panelMissing.append(try r.string()) }
                batch.groups.append(
                    EncodeBatch.Group(
                        key: key, scores: scores, explanations: explanations, samples: samples, slots: slots, windows: windows,
                        panel: panel, panelMissing: panelMissing,
                        cached: cached, count: count))
            default: throw Malformed(description: "unknown group state")
            }
        }
        switch try r.u8() {
        case fileSource: batch.source = .file(try r.string())
        case bytesSource: batch.source = .bytes(try r.raw())
        default: throw Malformed(description: "unknown line source")
        }
        let count = Int(try r.u32())
        guard count <= request.count / 32 else { throw FrameReader.Truncated() }
        batch.lines.reserveCapacity(count)
        for _ in 0..<count {
            let line = EncodeBatch.Line(offset: try r.i64(), length: try r.i64(), slot: try r.i64(), member: try r.i64())
            // Every field is checked before use: a worker must answer a bad request with an error, never
            // allocate or read what a corrupt number asks for.
            guard line.offset >= 0, line.length >= 0, line.length <= Int(Int32.max), line.offset <= Int.max - line.length,
                batch.groups.indices.contains(line.slot), (-1..<batch.groups[line.slot].count).contains(line.member)
            else { throw Malformed(description: "a line outside its batch") }
            batch.lines.append(line)
        }
        return (batch, ScoreStage.EncodeContext(judgeName: judgeName, advantage: advantage, answer: answer))
    }

    /// Answers one encode request with its JSONL chunk, written into `reply` (whose memory it
    /// reuses) and reading file spans into `spans`.
    static func handle(_ request: [UInt8], spans: SpanBuffer, into reply: inout [UInt8]) throws {
        let (batch, context) = try decodeRequest(request)
        var out = JSONWriter(adopting: reply)
        reply = []
        // Lines are encoded straight from the span read from disk, without copying them out.
        try batch.withText(batch.lines.indices, buffer: spans) { text, base throws(InputError) in
            try ScoreStage.encodeLines(batch, batch.lines.indices, text: text, base: base, context: context, into: &out)
        }
        reply = out.take()
    }

    /// Serves encode requests in a worker process (`gavel worker`) until its parent goes away.
    public static func serveWorker() -> Int32 {
        // Kept across requests: the span buffer and the reply's memory are reused, not refaulted.
        let spans = SpanBuffer()
        return PoolWorker.run { request, reply in try handle(request, spans: spans, into: &reply) }
    }
}

extension FrameWriter {
    /// A group's combined scores: scores, spread, ranks, advantages, zero-variance flag.
    mutating func scores(_ s: ScoreStage.GroupScores) {
        f64s(s.scores)
        f64s(s.spread)
        u32(UInt32(s.ranks.count))
        for r in s.ranks { i64(r) }
        f64s(s.advantages)
        bool(s.zeroVariance)
    }
}

extension FrameReader {
    /// Reads what `FrameWriter.scores(_:)` wrote.
    mutating func scores() throws(Truncated) -> ScoreStage.GroupScores {
        let scores = try f64s(), spread = try f64s()
        let n = Int(try u32())
        var ranks: [Int] = []
        ranks.reserveCapacity(min(n, 1 << 20))
        for _ in 0..<n { ranks.append(try i64()) }
        let advantages = try f64s(), zero = try bool()
        return ScoreStage.GroupScores(scores: scores, spread: spread, ranks: ranks, advantages: advantages, zeroVariance: zero)
    }
}
