import Foundation

/// The score stage's messages between the parent and its worker processes.
///
/// A request frame is `kind u8` then the job; a reply is `status u8` (0 ok, 1 error) then the
/// result or an error message. Numbers travel as raw little-endian bits, never as JSON text.
enum PoolProtocol {
    static let combineKind: UInt8 = 1
    static let encodeKind: UInt8 = 2

    struct RemoteError: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: Requests

    static func combineRequest(_ groups: [ScoreStage.GroupSamples], mode: AdvantageMode) -> [UInt8] {
        var w = FrameWriter(reservingCapacity: groups.count * 80)
        w.u8(combineKind)
        w.string(mode.rawValue)
        w.u32(UInt32(groups.count))
        for g in groups {
            w.u32(UInt32(g.samples.count))
            for s in g.samples { w.f64s(s) }
        }
        return w.bytes
    }

    /// Source kinds in an encode request.
    private static let fileSource: UInt8 = 0, bytesSource: UInt8 = 1

    /// An encode request: the groups once, then where the lines are (a file path, or the bytes
    /// themselves), then per line its offset, length, slot and member.
    ///
    /// With a file source only offsets cross the pipe: the worker reads the lines itself.
    static func encodeRequest(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> [UInt8] {
        var inline = 0
        if case .bytes(let b) = batch.source { inline = b.count }
        var w = FrameWriter(reservingCapacity: 256 + inline + batch.lines.count * 32 + batch.groups.count * 512)
        w.u8(encodeKind)
        w.string(context.judgeName)
        w.string(context.advantage.rawValue)
        w.u32(UInt32(batch.groups.count))
        for g in batch.groups {
            w.string(g.key)
            w.i64(g.count)
            w.bool(g.cached)
            if let e = g.error {
                w.u8(1)
                w.string(e)
                continue
            }
            guard let s = g.scores else {
                w.u8(2)
                continue
            }
            w.u8(0)
            w.scores(s)
            w.u32(UInt32(g.explanations.count))
            for e in g.explanations { w.string(e) }
            w.u32(UInt32(g.samples.count))
            for k in g.samples { w.f64s(k) }
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

    // MARK: Worker side

    /// Does one request's work and returns the reply frame (tests; a worker reuses its buffers).
    static func handle(_ request: [UInt8]) -> [UInt8] {
        var out = JSONWriter()
        handle(request, spans: SpanBuffer(), into: &out)
        return out.bytes
    }

    /// Does one request's work, writing the reply frame into `out` (emptied first) and reading
    /// file spans into `spans`; both keep their memory from one request to the next.
    static func handle(_ request: [UInt8], spans: SpanBuffer, into out: inout JSONWriter) {
        out.reset()
        do {
            var r = FrameReader(request)
            switch try r.u8() {
            case combineKind:
                let mode = AdvantageMode(rawValue: try r.string()) ?? .grpo
                let count = Int(try r.u32())
                var w = FrameWriter(reservingCapacity: count * 120)
                w.u8(0)
                w.u32(UInt32(count))
                for _ in 0..<count {
                    let k = Int(try r.u32())
                    var samples: [[Double]] = []
                    for _ in 0..<k { samples.append(try r.f64s()) }
                    w.scores(ScoreStage.combine(ScoreStage.GroupSamples(samples: samples), mode: mode))
                }
                out.append(raw: w.bytes)
            case encodeKind:
                let context = ScoreStage.EncodeContext(judgeName: try r.string(), advantage: AdvantageMode(rawValue: try r.string()) ?? .grpo)
                var batch = EncodeBatch()
                let groupCount = Int(try r.u32())
                batch.groups.reserveCapacity(groupCount)
                for _ in 0..<groupCount {
                    var g = EncodeBatch.Group(key: try r.string(), count: try r.i64())
                    g.cached = try r.bool()
                    switch try r.u8() {
                    case 1: g.error = try r.string()
                    case 2: break
                    default:
                        g.scores = try r.scores()
                        let e = Int(try r.u32())
                        for _ in 0..<e { g.explanations.append(try r.string()) }
                        let k = Int(try r.u32())
                        for _ in 0..<k { g.samples.append(try r.f64s()) }
                    }
                    batch.groups.append(g)
                }
                switch try r.u8() {
                case fileSource: batch.source = .file(try r.string())
                case bytesSource: batch.source = .bytes(try r.raw())
                default: throw RemoteError(description: "unknown line source")
                }
                let count = Int(try r.u32())
                guard count <= request.count / 32 else { throw FrameReader.Truncated() }
                batch.lines.reserveCapacity(count)
                for _ in 0..<count {
                    batch.lines.append(EncodeBatch.Line(offset: try r.i64(), length: try r.i64(), slot: try r.i64(), member: try r.i64()))
                }
                // Lines are encoded straight from the span read from disk, without copying them out.
                try batch.withText(batch.lines.indices, buffer: spans) { text, base throws(InputError) in
                    try ScoreStage.encodeLines(batch, batch.lines.indices, text: text, base: base, context: context, into: &out)
                }
                // The reply is the JSONL chunk as is, then the status byte (so the parent drops it in O(1)).
                out.append(raw: CollectionOfOne(0))
            default:
                throw RemoteError(description: "unknown request kind")
            }
        } catch {
            // Error replies start and end with 1, so they never look like a chunk (which ends with 0).
            var w = FrameWriter()
            w.u8(1)
            w.string("\(error)")
            w.u8(1)
            out.reset()
            out.append(raw: w.bytes)
        }
    }

    // MARK: Replies

    static func check(_ reply: [UInt8]) throws -> FrameReader {
        var r = FrameReader(reply)
        if try r.u8() != 0 { throw RemoteError(description: (try? r.string()) ?? "worker error") }
        return r
    }

    static func combineReply(_ reply: [UInt8]) throws -> [ScoreStage.GroupScores] {
        var r = try check(reply)
        let count = Int(try r.u32())
        var out: [ScoreStage.GroupScores] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try r.scores()) }
        return out
    }

    /// Status byte of a reply whose chunk waits in the worker's shared region.
    static let sharedStatus: UInt8 = 2

    /// The pipe frame for a chunk left in shared memory: its length, then the status byte.
    static func sharedReply(length: Int) -> [UInt8] {
        var w = FrameWriter(reservingCapacity: 9)
        w.i64(length)
        w.u8(sharedStatus)
        return w.bytes
    }

    /// The length of a shared-memory reply, or nil for any other reply.
    static func sharedLength(_ reply: [UInt8]) -> Int? {
        guard reply.count == 9, reply.last == sharedStatus else { return nil }
        var r = FrameReader(Array(reply.prefix(8)))
        return try? r.i64()
    }

    /// The chunk of an encode reply: borrowed straight from shared memory, or the frame less its status byte.
    static func encodeChunk(_ reply: ProcessPool.Reply) throws -> ScoreChunk {
        switch reply {
        case .shared(let chunk): return chunk
        case .frame(let bytes): return ScoreChunk(try encodeReply(bytes))
        }
    }

    static func encodeReply(_ reply: [UInt8]) throws -> [UInt8] {
        // An error reply starts with 1; a chunk ends with a 0 status byte.
        if reply.last != 0 { _ = try check(reply) }
        var chunk = reply
        chunk.removeLast()
        return chunk
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
        ranks.reserveCapacity(n)
        for _ in 0..<n { ranks.append(try i64()) }
        let advantages = try f64s(), zero = try bool()
        return ScoreStage.GroupScores(scores: scores, spread: spread, ranks: ranks, advantages: advantages, zeroVariance: zero)
    }
}
