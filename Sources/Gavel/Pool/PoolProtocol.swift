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

    static func encodeRequest(_ lines: [ScoreStage.LineJob], context: ScoreStage.EncodeContext) -> [UInt8] {
        var w = FrameWriter(reservingCapacity: lines.reduce(64) { $0 + $1.bytes.count + 128 })
        w.u8(encodeKind)
        w.string(context.judgeName)
        w.string(context.advantage.rawValue)
        w.u32(UInt32(lines.count))
        for line in lines {
            w.raw(line.bytes)
            w.bool(line.isGroupLine)
            w.u32(UInt32(line.annotations.count))
            for a in line.annotations {
                w.string(a.group)
                w.bool(a.error != nil)
                if let e = a.error {
                    w.string(e)
                    continue
                }
                w.f64(a.score)
                w.f64(a.spread)
                w.i64(a.rank)
                w.f64(a.advantage)
                w.bool(a.zeroVariance)
                w.string(a.explanation)
                w.f64s(a.samples)
                w.bool(a.cached)
            }
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
                    let s = ScoreStage.combine(ScoreStage.GroupSamples(samples: samples), mode: mode)
                    w.f64s(s.scores)
                    w.f64s(s.spread)
                    w.u32(UInt32(s.ranks.count))
                    for rank in s.ranks { w.i64(rank) }
                    w.f64s(s.advantages)
                    w.bool(s.zeroVariance)
                }
                return w.bytes
            case encodeKind:
                let context = ScoreStage.EncodeContext(judgeName: try r.string(), advantage: AdvantageMode(rawValue: try r.string()) ?? .grpo)
                let count = Int(try r.u32())
                var jobs: [ScoreStage.LineJob] = []
                jobs.reserveCapacity(count)
                for _ in 0..<count {
                    let bytes = try r.raw()
                    let isGroup = try r.bool()
                    let n = Int(try r.u32())
                    var annotations: [ScoreStage.Annotation] = []
                    annotations.reserveCapacity(n)
                    for _ in 0..<n {
                        var a = ScoreStage.Annotation(group: try r.string())
                        if try r.bool() {
                            a.error = try r.string()
                        } else {
                            a.score = try r.f64()
                            a.spread = try r.f64()
                            a.rank = try r.i64()
                            a.advantage = try r.f64()
                            a.zeroVariance = try r.bool()
                            a.explanation = try r.string()
                            a.samples = try r.f64s()
                            a.cached = try r.bool()
                        }
                        annotations.append(a)
                    }
                    jobs.append(ScoreStage.LineJob(bytes: bytes, isGroupLine: isGroup, annotations: annotations))
                }
                // The reply is the status byte, then the JSONL chunk as is.
                var reply: [UInt8] = [0]
                reply.append(contentsOf: try ScoreStage.encodeChunk(jobs, context: context))
                return reply
            default:
                out.u8(1)
                out.string("unknown request kind")
                return out.bytes
            }
        } catch {
            out.u8(1)
            out.string("\(error)")
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
        for _ in 0..<count {
            let scores = try r.f64s()
            let spread = try r.f64s()
            let n = Int(try r.u32())
            var ranks: [Int] = []
            for _ in 0..<n { ranks.append(try r.i64()) }
            let advantages = try r.f64s()
            let zero = try r.bool()
            out.append(ScoreStage.GroupScores(scores: scores, spread: spread, ranks: ranks, advantages: advantages, zeroVariance: zero))
        }
        return out
    }

    static func encodeReply(_ reply: [UInt8]) throws -> [UInt8] {
        _ = try check(reply)
        return Array(reply.dropFirst())
    }
}
