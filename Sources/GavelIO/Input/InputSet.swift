import Foundation
import GavelCore
import GavelJSON
import GavelParquet
import GavelSupport

/// The input files of a run, open for streaming and for reading single lines back by offset.
///
/// Standard input (`-`) is spooled to a temporary file first, so every input can be re-read.
/// A Parquet file (recognised by its `PAR1` magic, not its name) is scanned into a `ParquetInput`,
/// which decodes its rows again as groups are judged and written.
public final class InputSet: @unchecked Sendable {
    /// Names to show in messages, in input order (`<stdin>` for `-`).
    public let names: [String]
    /// Paths on disk, in input order.
    package let paths: [String]
    private let descriptors: [Int32]
    private var spooled: [String] = []
    /// The Parquet inputs, by input position.
    public let parquet: [Int: ParquetInput]

    public init(paths inputs: [String]) throws {
        var names: [String] = [], paths: [String] = [], fds: [Int32] = []
        var spooled: [String] = []
        var parquet: [Int: ParquetInput] = [:]
        do {
            for input in try Self.expand(inputs) {
                var path = input
                if input == "-" {
                    path = try Self.spoolStandardInput()
                    spooled.append(path)
                    names.append("<stdin>")
                } else {
                    names.append(input)
                }
                var info = stat()
                if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                    throw InputError.cannotOpen(path: input, reason: "is a directory")
                }
                if ParquetFileReader.isParquet(path: path) {
                    parquet[paths.count] = try ParquetInput(path: path, name: names[names.count - 1])
                    paths.append(path)
                    fds.append(-1)
                    continue
                }
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw InputError.cannotOpen(path: input, code: errno) }
                paths.append(path)
                fds.append(fd)
            }
        } catch {
            for fd in fds where fd >= 0 { close(fd) }
            for p in spooled { unlink(p) }
            throw error
        }
        self.names = names
        self.paths = paths
        self.descriptors = fds
        self.spooled = spooled
        self.parquet = parquet
    }

    /// Expands folders into the `*.parquet` and `*.jsonl` files they hold, in name order.
    public static func expand(_ inputs: [String]) throws -> [String] {
        var out: [String] = []
        for input in inputs {
            var info = stat()
            guard input != "-", stat(input, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                out.append(input)
                continue
            }
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: input) } catch {
                throw InputError.cannotOpen(path: input, reason: "cannot list the folder")
            }
            let files = names.filter { ($0.hasSuffix(".parquet") || $0.hasSuffix(".jsonl")) && !$0.hasPrefix(".") }.sorted()
            guard !files.isEmpty else { throw InputError.cannotOpen(path: input, reason: "the folder holds no .parquet or .jsonl files") }
            let base = input.hasSuffix("/") ? input : input + "/"
            out += files.map { base + $0 }
        }
        return out
    }

    deinit {
        for fd in descriptors where fd >= 0 { close(fd) }
        for p in spooled { unlink(p) }
    }

    /// A fresh streaming reader over input `file` (a JSONL file).
    func lineReader(file: Int, maxLineBytes: Int) throws -> LineReader {
        try LineReader(path: paths[file], maxLineBytes: maxLineBytes)
    }

    /// Calls `body` with each non-blank line of input `file` as JSON, in order, until it returns
    /// false: a JSONL file's lines, or a Parquet file's groups as ART group lines (numbered by their
    /// first rows).
    package func forEachLine(file: Int, maxLineBytes: Int, _ body: (LineReader.Line) throws -> Bool) throws {
        guard let input = parquet[file] else {
            return try lineReader(file: file, maxLineBytes: maxLineBytes).forEachLine { line in
                line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) ? true : try body(line)
            }
        }
        for o in input.lineOrder {
            let bytes = try input.line(ofGroup: Int(o))
            let more = try bytes.withUnsafeBufferPointer { buf in
                try body(LineReader.Line(number: input.groups[Int(o)].line, offset: 0, bytes: buf))
            }
            if !more { return }
        }
    }

    /// Record `record`'s line as JSON: a JSONL file's bytes, or a Parquet group written as ART's JSONL.
    package func lineBytes(_ record: InputIndex.Record) throws -> [UInt8] {
        if let input = parquet[Int(record.file)] { return try input.line(ofGroup: record.offset) }
        return try read(file: Int(record.file), offset: record.offset, length: record.length)
    }

    /// Record `record`'s line as the judge reads it, after the scan checked it. For a Parquet group
    /// the trajectories are built from its rows; its JSON object (group fields and members, as
    /// reference paths read them) is made only when `objects` is true.
    func decode(_ record: InputIndex.Record, objects: Bool) throws -> TrajectoryDecoder.Line {
        let file = Int(record.file)
        if let input = parquet[file], !objects {
            let trajectories = try input.trajectories(ofGroup: record.offset)
            if record.member >= 0, let t = trajectories.first { return .trajectory(JSONObject(), t) }
            return .group(JSONObject(), trajectories)
        }
        let bytes = try lineBytes(record)
        return try bytes.withUnsafeBufferPointer { buf throws(InputError) in
            // Indexing validated the line; a changed file is caught by the shape checks that remain.
            try TrajectoryDecoder.decode(buf, path: names[file], line: Int(record.line), validate: false)
        }
    }

    /// Reads `length` bytes at `offset` of input `file`, a JSONL file (thread-safe: `pread`).
    func read(file: Int, offset: Int, length: Int) throws -> [UInt8] {
        guard let bytes = FileDescriptorIO.pread(descriptors[file], offset: offset, length: length) else {
            throw InputError.changedDuringRun(path: names[file])
        }
        return bytes
    }

    private static func spoolStandardInput() throws -> String {
        guard let (fd, path) = FileDescriptorIO.makeTemporary(NSTemporaryDirectory() + "/gavel-stdin-XXXXXX") else {
            throw InputError.cannotOpen(path: "<stdin>", reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { unlink(path); throw InputError.cannotRead(path: "<stdin>", reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            guard buffer.withUnsafeBytes({ FileDescriptorIO.writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else {
                unlink(path)
                throw InputError.cannotRead(
                    path: "<stdin>", reason: "cannot spool to a temporary file: \(String(cString: strerror(errno)))")
            }
        }
        return path
    }
}
