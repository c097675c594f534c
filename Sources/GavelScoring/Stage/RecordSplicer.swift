import GavelJSON

/// Adds a judgement to a record by splicing bytes: the original text passes through untouched
/// and only `reward`, `metrics`, `logs` and `gavel` are rewritten or added.
///
/// Parsing a whole record into a tree and writing it back costs most of the score stage's time;
/// splicing skips values it does not need to understand. It returns nil for anything unusual
/// (escaped or duplicated keys, malformed structure), and the caller falls back to the tree path,
/// which gives the same fields.
struct RecordSplicer {
    private let b: UnsafeBufferPointer<UInt8>

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { b = bytes }

    /// One member of an object: key bytes and value range.
    private struct Member {
        var keyStart: Int
        var keyEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    /// Appends the annotated record to `w`, or returns false (nothing appended) if it cannot splice.
    static func splice(
        _ bytes: [UInt8], annotations: [ScoreStage.Annotation], isGroupLine: Bool,
        context: ScoreStage.EncodeContext, into w: inout JSONWriter
    ) -> Bool {
        bytes.withUnsafeBufferPointer { splice($0, annotations: annotations, isGroupLine: isGroupLine, context: context, into: &w) }
    }

    /// Appends the annotated record held in `buf` to `w`, or returns false (nothing appended).
    static func splice(
        _ buf: UnsafeBufferPointer<UInt8>, annotations: [ScoreStage.Annotation], isGroupLine: Bool,
        context: ScoreStage.EncodeContext, into w: inout JSONWriter
    ) -> Bool {
        do {
            let s = RecordSplicer(buf)
            let mark = w.bytes.count
            let start = s.skipSpace(0)
            guard start < buf.count, buf[start] == UInt8(ascii: "{") else { return false }
            let end: Int?
            if isGroupLine {
                end = s.spliceGroup(at: start, annotations: annotations, context: context, into: &w)
            } else if let a = annotations.first {
                end = s.spliceTrajectory(at: start, a, context: context, into: &w)
            } else {
                end = nil
            }
            // Nothing but white space may follow the object.
            guard let end, s.skipSpace(end) == buf.count else {
                w.truncate(to: mark)
                return false
            }
            return true
        }
    }

    // MARK: Scanning

    private func skipSpace(_ i: Int) -> Int {
        var i = i
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        return i
    }

    /// The index just past the string starting at `i` (a quote), or nil.
    private func skipString(_ i: Int) -> Int? {
        guard let base = b.baseAddress else { return nil }
        var i = i + 1
        while i < b.count {
            // Jump eight bytes at a time to the next quote, backslash or control byte.
            i = ByteScan.stringEnd(base, from: i, end: b.count)
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// The index just past the value starting at `i`, or nil if the structure is broken.
    private func skipValue(_ i: Int) -> Int? {
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "\""): return skipString(i)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = i
            while j < b.count {
                switch b[j] {
                case UInt8(ascii: "\""):
                    guard let e = skipString(j) else { return nil }
                    j = e
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default: break
                }
                j += 1
            }
            return nil
        default:
            var j = i
            while j < b.count {
                let c = b[j]
                if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20 || c == 0x0A || c == 0x0D
                    || c == 0x09
                {
                    break
                }
                j += 1
            }
            return j > i ? j : nil
        }
    }

    /// The members of the object at `i`, and the index of its closing brace; nil for escaped or duplicate keys.
    private func members(ofObjectAt i: Int) -> (members: [Member], close: Int)? {
        var result: [Member] = []
        var j = skipSpace(i + 1)
        guard j < b.count else { return nil }
        if b[j] == UInt8(ascii: "}") { return (result, j) }
        while true {
            guard j < b.count, b[j] == UInt8(ascii: "\""), let keyEnd = skipString(j) else { return nil }
            // Escaped keys could spell a key we look for: leave those records to the tree path.
            for k in (j + 1)..<(keyEnd - 1) where b[k] == UInt8(ascii: "\\") { return nil }
            var v = skipSpace(keyEnd)
            guard v < b.count, b[v] == UInt8(ascii: ":") else { return nil }
            v = skipSpace(v + 1)
            guard let ve = skipValue(v) else { return nil }
            let m = Member(keyStart: j + 1, keyEnd: keyEnd - 1, valueStart: v, valueEnd: ve)
            if result.contains(where: { equalKeys($0, m) }) { return nil }
            result.append(m)
            j = skipSpace(ve)
            guard j < b.count else { return nil }
            if b[j] == UInt8(ascii: "}") { return (result, j) }
            guard b[j] == UInt8(ascii: ",") else { return nil }
            j = skipSpace(j + 1)
        }
    }

    private func equalKeys(_ a: Member, _ c: Member) -> Bool {
        a.keyEnd - a.keyStart == c.keyEnd - c.keyStart
            && (0..<(a.keyEnd - a.keyStart)).allSatisfy { b[a.keyStart + $0] == b[c.keyStart + $0] }
    }

    private func find(_ key: String, in members: [Member]) -> Member? {
        var key = key
        return key.withUTF8 { p in
            let n = p.count
            return members.first { m in m.keyEnd - m.keyStart == n && (0..<n).allSatisfy { b[m.keyStart + $0] == p[$0] } }
        }
    }

    private func copy(_ range: Range<Int>, into out: inout JSONWriter) {
        guard !range.isEmpty else { return }
        out.append(raw: UnsafeBufferPointer(rebasing: b[range]))
    }

    // MARK: Splicing

    /// Writes the group object at `start` with every member annotated; returns the index after it.
    private func spliceGroup(
        at start: Int, annotations: [ScoreStage.Annotation], context: ScoreStage.EncodeContext, into out: inout JSONWriter
    ) -> Int? {
        guard let (top, close) = members(ofObjectAt: start), let list = find("trajectories", in: top),
            b[list.valueStart] == UInt8(ascii: "[")
        else { return nil }
        var cursor = start
        var j = skipSpace(list.valueStart + 1)
        var index = 0
        if j < b.count, b[j] == UInt8(ascii: "]") { return nil }
        while j < b.count {
            let end: Int
            if b[j] == UInt8(ascii: "{"), index < annotations.count {
                copy(cursor..<j, into: &out)
                guard let e = spliceTrajectory(at: j, annotations[index], context: context, into: &out) else { return nil }
                end = e
                cursor = end
            } else {
                guard let e = skipValue(j) else { return nil }
                end = e
            }
            index += 1
            j = skipSpace(end)
            guard j < b.count else { return nil }
            if b[j] == UInt8(ascii: "]") { break }
            guard b[j] == UInt8(ascii: ",") else { return nil }
            j = skipSpace(j + 1)
        }
        copy(cursor..<(close + 1), into: &out)
        return close + 1
    }

    /// Writes the trajectory object at `start` with the annotation applied (`ARTAnnotation`'s rules,
    /// as `ScoreStage.annotate` applies them to a tree); returns the index after it.
    private func spliceTrajectory(
        at start: Int, _ a: ScoreStage.Annotation, context: ScoreStage.EncodeContext, into out: inout JSONWriter
    ) -> Int? {
        guard let (ms, close) = members(ofObjectAt: start) else { return nil }
        // Replacements inside the object, as (range to replace, new bytes), in ascending order;
        // additions go before the closing brace.
        var edits: [(Range<Int>, [UInt8])] = []
        var additions: [UInt8] = []
        func add(_ key: String, _ value: [UInt8]) {
            if !(ms.isEmpty && additions.isEmpty) { additions.append(UInt8(ascii: ",")) }
            var w = JSONWriter()
            w.write(string: key)
            additions.append(contentsOf: w.bytes)
            additions.append(UInt8(ascii: ":"))
            additions.append(contentsOf: value)
        }

        let gavel = JSONWriter.encode(.object(ScoreStage.gavelObject(a, context: context)))
        if a.failure == nil {
            let score = JSONWriter.encode(.double(a.score))
            typealias Spec = ARTAnnotation
            let reward = find(Spec.reward, in: ms)
            let original: [UInt8] =
                reward.map { Array(UnsafeBufferPointer(rebasing: b[$0.valueStart..<$0.valueEnd])) } ?? Array("null".utf8)
            if let r = reward { edits.append((r.valueStart..<r.valueEnd, score)) } else { add(Spec.reward, score) }

            if let m = find(Spec.metrics, in: ms) {
                if b[m.valueStart] == UInt8(ascii: "{") {
                    guard let (inner, innerClose) = members(ofObjectAt: m.valueStart) else { return nil }
                    var insert: [UInt8] = []
                    var count = inner.count
                    func addInner(_ key: String, _ value: [UInt8]) {
                        if count > 0 { insert.append(UInt8(ascii: ",")) }
                        count += 1
                        var w = JSONWriter()
                        w.write(string: key)
                        insert.append(contentsOf: w.bytes)
                        insert.append(UInt8(ascii: ":"))
                        insert.append(contentsOf: value)
                    }
                    if find(Spec.originalRewardMetric, in: inner) == nil { addInner(Spec.originalRewardMetric, original) }
                    if let rs = find(Spec.scoreMetric, in: inner) {
                        edits.append((rs.valueStart..<rs.valueEnd, score))
                    } else {
                        addInner(Spec.scoreMetric, score)
                    }
                    edits.append((innerClose..<innerClose, insert))
                }
                // A metrics value that is not an object is left as it is.
            } else {
                var made = JSONWriter()
                made.append(raw: "{".utf8)
                made.write(string: Spec.originalRewardMetric)
                made.append(raw: ":".utf8)
                made.append(raw: original)
                made.append(raw: ",".utf8)
                made.write(string: Spec.scoreMetric)
                made.append(raw: ":".utf8)
                made.append(raw: score)
                made.append(raw: "}".utf8)
                add(Spec.metrics, made.bytes)
            }

            var logLine = JSONWriter()
            logLine.write(string: Spec.logLine(a.explanation))
            if let l = find(Spec.logs, in: ms) {
                if b[l.valueStart] == UInt8(ascii: "[") {
                    let closeBracket = l.valueEnd - 1
                    let empty = skipSpace(l.valueStart + 1) == closeBracket
                    edits.append((closeBracket..<closeBracket, (empty ? [] : [UInt8(ascii: ",")]) + logLine.bytes))
                } else if b[l.valueStart] == UInt8(ascii: "n") {
                    edits.append((l.valueStart..<l.valueEnd, [UInt8(ascii: "[")] + logLine.bytes + [UInt8(ascii: "]")]))
                }
            } else {
                add(Spec.logs, [UInt8(ascii: "[")] + logLine.bytes + [UInt8(ascii: "]")])
            }
        }
        if let g = find(ARTAnnotation.gavel, in: ms) {
            edits.append((g.valueStart..<g.valueEnd, gavel))
        } else {
            add(ARTAnnotation.gavel, gavel)
        }

        edits.sort { $0.0.lowerBound < $1.0.lowerBound }
        var cursor = start
        for (range, bytes) in edits {
            guard range.lowerBound >= cursor else { return nil }
            copy(cursor..<range.lowerBound, into: &out)
            out.append(raw: bytes)
            cursor = range.upperBound
        }
        copy(cursor..<close, into: &out)
        out.append(raw: additions)
        out.append(raw: CollectionOfOne(UInt8(ascii: "}")))
        return close + 1
    }
}
