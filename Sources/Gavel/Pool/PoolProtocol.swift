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

    /// The lines' common file and byte span, when every line has a location in one file, in order.
    static func span(_ lines: [EncodeBatch.Line]) -> (path: String, start: Int, end: Int)? {
        guard let first = lines.first?.location else { return nil }
        var end = first.offset
        for line in lines {
            guard let l = line.location, l.path == first.path, l.offset >= end else { return nil }
            end = l.offset + l.length
        }
        return (first.path, first.offset, end)
    }

    /// An encode request: the groups once, then per line its place (or bytes), slot and member.
    static func encodeRequest(_ batch: EncodeBatch, context: ScoreStage.EncodeContext) -> [UInt8] {
        // With a file span the worker reads the lines itself: only offsets cross the pipe.
        let span = span(batch.lines)
        var w = FrameWriter(reservingCapacity: batch.lines.reduce(256) { $0 + (span == nil ? $1.bytes.count : 0) + 24 } + batch.groups.count * 512)
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
        w.bool(span != nil)
        if let span {
            w.string(span.path)
            w.i64(span.start)
            w.i64(span.end - span.start)
        }
        w.u32(UInt32(batch.lines.count))
        for line in batch.lines {
            if let span, let l = line.location {
                w.i64(l.offset - span.start)
                w.i64(l.length)
            } else {
                w.raw(line.bytes)
            }
            w.i64(line.slot)
            w.i64(line.member)
        }
        return w.bytes
    }

    // MARK: Worker side

    /// Does one request's work and returns the reply frame.
    static func handle(_ request: [UInt8]) -> [UInt8] {
        var out = FrameWriter()
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
                return w.bytes
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
                var spanBytes: [UInt8]?
                if try r.bool() {
                    let path = try r.string(), start = try r.i64(), length = try r.i64()
                    spanBytes = try readSpan(path: path, offset: start, length: length)
                }
                let count = Int(try r.u32())
                var chunk = JSONWriter(reservingCapacity: (spanBytes?.count ?? request.count) + count * 400)
                for _ in 0..<count {
                    var range = 0..<0
                    var own: [UInt8] = []
                    if let spanBytes {
                        let offset = try r.i64(), length = try r.i64()
                        guard offset >= 0, length >= 0, offset + length <= spanBytes.count else { throw RemoteError(description: "line outside its span") }
                        range = offset..<(offset + length)
                    } else {
                        own = try r.raw()
                        range = 0..<own.count
                    }
                    let line = EncodeBatch.Line(bytes: [], slot: try r.i64(), member: try r.i64())
                    let annotations = batch.annotations(of: line)
                    // Lines are encoded straight from the span read from disk, without copying them out.
                    let source = spanBytes ?? own
                    try source.withUnsafeBufferPointer { buf throws(InputError) in
                        try ScoreStage.encode(UnsafeBufferPointer(rebasing: buf[range]), isGroupLine: line.member < 0, annotations: annotations, context: context, into: &chunk)
                    }
                    chunk.append(raw: CollectionOfOne(0x0A))
                }
                // The reply is the JSONL chunk as is, then the status byte (so the parent drops it in O(1)).
                chunk.append(raw: CollectionOfOne(0))
                return chunk.bytes
            default:
                out.u8(1)
                out.string("unknown request kind")
                out.u8(1)
                return out.bytes
            }
        } catch {
            // Error replies start and end with 1, so they never look like a chunk (which ends with 0).
            out.u8(1)
            out.string("\(error)")
            out.u8(1)
            return out.bytes
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

    /// Reads `length` bytes at `offset` of `path` (in a worker).
    static func readSpan(path: String, offset: Int, length: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RemoteError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard let out = FileDescriptorIO.pread(fd, offset: offset, length: length) else { throw RemoteError(description: "cannot read \(path)") }
        return out
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
