import Foundation
import GavelCore
import GavelJSON
import GavelPool

/// The score stage's messages to its worker processes: encode requests (each group's judge answers
/// once, as `GroupVerdicts`, then where each line is) and, back, the encoded JSONL chunk itself.
/// The worker scores the groups (means, fits, ranks, advantages) before it encodes their lines.
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
            case .success(let verdicts):
                w.u8(scored)
                w.verdicts(verdicts)
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
                let verdicts = try r.verdicts(count: count)
                batch.groups.append(EncodeBatch.Group(key: key, verdicts: verdicts, cached: cached, count: count))
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
    /// A group's answers: fused flag, windows, then per window and sample each answer.
    mutating func verdicts(_ v: GroupVerdicts) {
        bool(v.fused)
        u32(UInt32(v.windows.count))
        for window in v.windows { ints(window) }
        u32(UInt32(v.answers.count))
        for samples in v.answers {
            u32(UInt32(samples.count))
            for a in samples {
                u32(UInt32(a.members.count))
                for slot in a.members { ints(slot) }
                f64s(a.scores)
                strings(a.explanations)
                u32(UInt32(a.panel.count))
                for p in a.panel {
                    string(p.member)
                    f64s(p.scores)
                }
                strings(a.panelMissing)
            }
        }
        // What was cut from members, as (member, characters, tokens, texts).
        let cuts = v.elided.enumerated().compactMap { m, c in c.map { (m, $0) } }
        u32(UInt32(cuts.count))
        for (m, cut) in cuts {
            i64(m)
            i64(cut.characters)
            i64(cut.tokens)
            i64(cut.texts)
        }
    }

    mutating func ints(_ v: [Int]) {
        u32(UInt32(v.count))
        for i in v { i64(i) }
    }

    mutating func strings(_ v: [String]) {
        u32(UInt32(v.count))
        for s in v { string(s) }
    }
}

extension FrameReader {
    /// Reads what `FrameWriter.verdicts(_:)` wrote for a group of `count` members, checking that
    /// every index points inside its group or window.
    mutating func verdicts(count: Int) throws -> GroupVerdicts {
        let fused = try bool()
        let windows = try list { r throws in
            let window = try r.ints()
            guard window.allSatisfy({ (0..<count).contains($0) }) else {
                throw ScorePoolMessages.Malformed(description: "a window member outside its group")
            }
            return window
        }
        let answers = try list { r throws in
            try r.list { r throws in
                let members = try r.list { r throws in try r.ints() }
                let scores = try r.f64s(), explanations = try r.strings()
                let panel = try r.list { r throws in PanelScores(member: try r.string(), scores: try r.f64s()) }
                return GroupVerdicts.Answer(
                    members: members, scores: scores, explanations: explanations, panel: panel, panelMissing: try r.strings())
            }
        }
        // A judged group's windows show every member: a count the windows cannot cover is corrupt
        // (and must not become a million annotations).
        guard windows.reduce(0, { $0 + $1.count }) >= count else {
            throw ScorePoolMessages.Malformed(description: "a group of \(count) shown in windows of fewer")
        }
        guard answers.count <= windows.count else { throw ScorePoolMessages.Malformed(description: "answers for windows not sent") }
        for (w, samples) in answers.enumerated() {
            for a in samples where !a.members.joined().allSatisfy({ (0..<windows[w].count).contains($0) }) {
                throw ScorePoolMessages.Malformed(description: "a slot member outside its window")
            }
        }
        var elided: [TrajectoryElision.Cut?] = []
        let cuts = try list { r throws in
            let m = try r.i64(), cut = TrajectoryElision.Cut(characters: try r.i64(), tokens: try r.i64(), texts: try r.i64())
            guard (0..<count).contains(m) else { throw ScorePoolMessages.Malformed(description: "a cut member outside its group") }
            return (m, cut)
        }
        if !cuts.isEmpty {
            elided = Array(repeating: nil, count: count)
            for (m, cut) in cuts { elided[m] = cut }
        }
        return GroupVerdicts(count: count, windows: windows, answers: answers, fused: fused, elided: elided)
    }

    /// A length-prefixed list whose items `item` reads, each at least `itemBytes` long; a length
    /// the frame cannot hold is refused before anything is allocated.
    mutating func list<T>(itemBytes: Int = 1, _ item: (inout FrameReader) throws -> T) throws -> [T] {
        let n = Int(try u32())
        guard n <= remaining / itemBytes else { throw Truncated() }
        var out: [T] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try item(&self)) }
        return out
    }

    mutating func ints() throws -> [Int] { try list(itemBytes: 8) { try $0.i64() } }

    mutating func strings() throws -> [String] { try list(itemBytes: 4) { try $0.string() } }
}
