import Foundation
import GavelCore
import GavelJSON

/// A batch of output lines for the score stage, with the results of the groups they belong to.
///
/// Each group's result travels once per batch, and each line names its group and member; the
/// executor (in parallel, or in a worker process) builds the per-trajectory annotations itself,
/// so the coordinating task does almost no per-line work.
public struct EncodeBatch: Sendable, Equatable {
    /// One judged (or failed) group.
    public struct Group: Sendable, Equatable {
        public var key: String
        /// The judge's answers, or why the group has none.
        public var result: Result<GroupVerdicts, GroupFailure>
        public var cached: Bool
        /// Members in the group.
        public var count: Int

        /// A judged group.
        public init(key: String, verdicts: GroupVerdicts, cached: Bool = false, count: Int) {
            self.key = key
            self.result = .success(verdicts)
            self.cached = cached
            self.count = count
        }

        /// A group without scores.
        public init(key: String, failure: GroupFailure, count: Int) {
            self.key = key
            self.result = .failure(failure)
            self.cached = false
            self.count = count
        }

        /// The group's results, computed from its answers (nil for a failed group).
        public func scored(advantage: AdvantageMode) -> ScoredGroup? {
            guard case .success(let verdicts) = result else { return nil }
            return verdicts.scored(advantage: advantage)
        }

        /// The annotation of member `m`, given the group's results.
        package func annotation(member m: Int, scored: ScoredGroup?) -> ScoreStage.Annotation {
            if case .failure(let failure) = result { return ScoreStage.Annotation(group: key, failure: failure) }
            guard let scored else { return ScoreStage.Annotation(group: key, failure: .notJudged) }
            return scored.annotation(member: m, group: key, cached: cached)
        }
    }

    /// One input line: its byte range in the batch's source, its group's slot in `groups`, and
    /// its member (-1 for a group line). Plain integers, so building a batch costs no reference counting.
    public struct Line: Sendable, Equatable {
        public var offset: Int
        public var length: Int
        public var slot: Int
        public var member: Int
        public init(offset: Int, length: Int, slot: Int, member: Int) {
            self.offset = offset
            self.length = length
            self.slot = slot
            self.member = member
        }
        /// One past the line's last byte.
        public var end: Int { offset + length }
    }

    /// Where the lines' bytes are.
    public enum Source: Sendable, Equatable {
        /// In this file, at the lines' offsets: whoever encodes the batch reads the span itself
        /// (a worker process reads it straight from the page cache; nothing crosses a pipe).
        case file(String)
        /// In this buffer, at the lines' offsets.
        case bytes([UInt8])
    }

    public var source: Source
    public var groups: [Group] = []
    public var lines: [Line] = []

    public init(source: Source = .bytes([]), groups: [Group] = [], lines: [Line] = []) {
        self.source = source
        self.groups = groups
        self.lines = lines
    }

    /// Appends a line whose bytes travel in the batch (the source must be `.bytes`).
    public mutating func appendLine(_ bytes: some Collection<UInt8>, slot: Int, member: Int) {
        guard case .bytes(var buffer) = source else { preconditionFailure("appendLine(_:) needs a .bytes source") }
        source = .bytes([])
        let offset = buffer.count
        buffer.append(contentsOf: bytes)
        source = .bytes(buffer)
        lines.append(Line(offset: offset, length: bytes.count, slot: slot, member: member))
    }

    /// The byte span of `lines[range]` in the source: from the first line's start to the last line's end.
    func span(_ range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        var lo = Int.max, hi = 0
        for i in range {
            lo = min(lo, lines[i].offset)
            hi = max(hi, lines[i].end)
        }
        return lo..<max(lo, hi)
    }

    /// Calls `body` with the text of `lines[range]` (the in-memory buffer, or their span read from
    /// the file into `buffer`) and the source offset of its first byte.
    func withText<R>(
        _ range: Range<Int>, buffer: SpanBuffer, _ body: (UnsafeBufferPointer<UInt8>, Int) throws(InputError) -> R
    ) throws(InputError) -> R {
        switch source {
        case .bytes(let bytes):
            return try bytes.withUnsafeBufferPointer { buf throws(InputError) in try body(buf, 0) }
        case .file(let path):
            let span = span(range)
            return try body(try buffer.read(path: path, span: span), span.lowerBound)
        }
    }

    /// The annotations of a line: one for a trajectory line, one per member for a group line.
    /// `scored` keeps each group's results, computed the first time one of its lines needs them.
    func annotations(of line: Line, advantage: AdvantageMode, scored: inout [ScoredGroup?]) -> [ScoreStage.Annotation] {
        guard line.slot >= 0, line.slot < groups.count else { return [ScoreStage.Annotation(group: "", failure: .notJudged)] }
        let g = groups[line.slot]
        var results: ScoredGroup?
        if case .success = g.result {
            if let known = scored[line.slot] {
                results = known
            } else {
                results = g.scored(advantage: advantage)
                scored[line.slot] = results
            }
        }
        return line.member >= 0
            ? [g.annotation(member: line.member, scored: results)] : (0..<g.count).map { g.annotation(member: $0, scored: results) }
    }
}

extension ScoreStage {
    /// Encodes a batch's lines (all, or `range`) as one JSONL chunk (each line ends with a newline),
    /// reading their text from the batch's file when that is their source.
    public static func encodeChunk(
        _ batch: EncodeBatch, lines range: Range<Int>? = nil, context: EncodeContext
    ) throws(InputError) -> [UInt8] {
        let range = range ?? batch.lines.indices
        return try batch.withText(range, buffer: SpanBuffer()) { text, base throws(InputError) in
            var w = JSONWriter(reservingCapacity: text.count + range.count * 400)
            try encodeLines(batch, range, text: text, base: base, context: context, into: &w)
            return w.bytes
        }
    }

    /// Encodes `lines[range]` of the batch into `w`; `text` holds the source's bytes from offset `base` on.
    static func encodeLines(
        _ batch: EncodeBatch, _ range: Range<Int>, text: UnsafeBufferPointer<UInt8>, base: Int,
        context: EncodeContext, into w: inout JSONWriter
    ) throws(InputError) {
        // Each group is scored once per call, by the first of its lines in `range`.
        var scored = [ScoredGroup?](repeating: nil, count: batch.groups.count)
        for i in range {
            let line = batch.lines[i]
            let lo = line.offset - base
            guard lo >= 0, line.length >= 0, lo + line.length <= text.count else {
                throw InputError.invalidLine(path: "(batch)", line: 0, "a line lies outside the text read for its batch")
            }
            try encode(
                UnsafeBufferPointer(rebasing: text[lo..<(lo + line.length)]), isGroupLine: line.member < 0,
                annotations: batch.annotations(of: line, advantage: context.advantage, scored: &scored), context: context, into: &w)
            w.append(raw: CollectionOfOne(0x0A))
        }
    }
}
