import GavelCore
import GavelJSON

/// `gavel merge`: the outputs of a run's shards back into one ranked file in input order, the
/// position field dropped — and a loud failure unless every input line is there exactly once.
///
/// Each shard's output is in input order already, so this is a streaming k-way merge: memory does
/// not grow with the files.
public enum ShardMerge {
    /// What a merge found.
    public struct Report: Sendable {
        public var shards = 0
        public var lines = 0
        public var written = 0
        /// Lines of the input that no shard output holds.
        public var missing = 0
        /// Shards (`i/N`) whose output was not given.
        public var missingShards: [String] = []
        /// Input positions given more than once (`file:line`, at most 10).
        public var doubled: [String] = []
        public var doubledCount = 0
    }

    /// A merge that cannot be written: what is missing or doubled.
    public struct Incomplete: Error, CustomStringConvertible, Sendable {
        public let report: Report
        public var description: String {
            var parts: [String] = []
            if report.missing > 0 {
                parts.append(
                    "\(report.missing) of \(report.lines) input lines are missing"
                        + (report.missingShards.isEmpty
                            ? "" : " (no output given for shard \(report.missingShards.joined(separator: ", ")))"))
            }
            if report.doubledCount > 0 {
                parts.append("\(report.doubledCount) lines are given twice (\(report.doubled.joined(separator: ", ")))")
            }
            return parts.joined(separator: "; ") + " — nothing written (--allow-partial writes what there is)"
        }
    }

    private final class Source {
        let name: String
        let reader: LineReader
        var head: (file: Int, line: Int, bytes: [UInt8], lineNumber: Int)?
        init(name: String, reader: LineReader) {
            self.name = name
            self.reader = reader
        }

        /// Reads the next line and its position (the position field removed).
        func advance() throws {
            head = nil
            var found: (Int, Int, [UInt8], Int)?
            try reader.forEachLine { line in
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
                found = try ShardMerge.split(line.bytes, name: name, line: line.number)
                return false
            }
            if let f = found { head = (f.0, f.1, f.2, f.3) }
        }
    }

    /// Splits a shard output line into its position and the line without the position field.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, name: String, line: Int) throws -> (Int, Int, [UInt8], Int) {
        let marker = Array(",\"\(Shard.positionField)\":[".utf8)
        let all = Array(bytes)
        guard all.count > marker.count + 3, all.last == UInt8(ascii: "}"),
            let at = (0...(all.count - marker.count)).reversed().first(where: { all[$0..<($0 + marker.count)].elementsEqual(marker) })
        else {
            throw InputError.invalidLine(
                path: name, line: line, "expected a shard output line ending in \"\(Shard.positionField)\": [file, line]")
        }
        let numbers = all[(at + marker.count)..<(all.count - 1)].split(whereSeparator: { !($0 >= 0x30 && $0 <= 0x39) })
            .compactMap { Int(String(decoding: $0, as: UTF8.self)) }
        guard numbers.count == 2 else { throw InputError.invalidLine(path: name, line: line, "a malformed \(Shard.positionField)") }
        return (numbers[0], numbers[1], Array(all[..<at]) + [UInt8(ascii: "}")], line)
    }

    /// Merges `paths` (shard outputs of one run) into `output`; throws `Incomplete` (writing
    /// nothing) unless every input line is present once, or `allowPartial` is set.
    public static func merge(_ paths: [String], into output: String?, allowPartial: Bool) throws -> Report {
        var report = Report()
        var sources: [Source] = []
        var count: Int?
        var seenShards: Set<Int> = []
        for path in paths {
            let reader = try LineReader(path: path)
            var header: JSONObject?
            try reader.forEachLine { line in
                header = (try? JSONParser.parse(line.bytes))?[Shard.headerField]?.objectValue
                return false
            }
            guard let h = header, let i = h["shard"]?.intValue, let n = h["shards"]?.intValue, let lines = h["lines"]?.intValue else {
                throw InputError.invalidLine(
                    path: path, line: 1, "expected a shard output (gavel rank --shard I/N): no \(Shard.headerField) line")
            }
            if let c = count, c != n { throw InputError.invalidLine(path: path, line: 1, "a shard of \(n), the others are of \(c)") }
            if report.lines != 0, report.lines != lines {
                throw InputError.invalidLine(path: path, line: 1, "from a run over \(lines) lines; the others cover \(report.lines)")
            }
            guard seenShards.insert(i).inserted else {
                throw InputError.invalidLine(path: path, line: 1, "shard \(i)/\(n) is given twice")
            }
            count = n
            report.lines = lines
            let source = Source(name: path, reader: reader)
            try source.advance()
            sources.append(source)
        }
        report.shards = sources.count
        if let n = count { report.missingShards = (0..<n).filter { !seenShards.contains($0) }.map { "\($0)/\(n)" } }

        // The output goes to a temporary file that is moved into place only when the merge is
        // complete (or allowed partial): a failed merge leaves nothing behind.
        let sink = try OutputSink(path: output)
        var last: (Int, Int)?
        var buffer: [UInt8] = []
        /// The source whose next line comes first in input order.
        func earliest() -> Int? {
            var best: (index: Int, file: Int, line: Int)?
            for (i, source) in sources.enumerated() {
                guard let h = source.head else { continue }
                if let b = best, (b.file, b.line) <= (h.file, h.line) { continue }
                best = (i, h.file, h.line)
            }
            return best?.index
        }
        while let next = earliest(), let head = sources[next].head {
            if let l = last, l == (head.file, head.line) {
                report.doubledCount += 1
                if report.doubled.count < 10 { report.doubled.append("file \(head.file) line \(head.line)") }
            } else {
                buffer += head.bytes
                buffer.append(UInt8(ascii: "\n"))
                report.written += 1
                if buffer.count >= 1 << 20 {
                    try sink.write(chunk: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            last = (head.file, head.line)
            try sources[next].advance()
        }
        report.missing = max(0, report.lines - report.written)
        if (report.missing > 0 || report.doubledCount > 0) && !allowPartial { throw Incomplete(report: report) }
        try sink.write(chunk: buffer)
        try sink.finish()
        return report
    }
}
