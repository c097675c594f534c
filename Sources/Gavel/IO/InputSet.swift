import Foundation
import GavelParquet
import GavelSupport

/// The input files of a run, open for streaming and for reading single lines back by offset.
///
/// Standard input (`-`) is spooled to a temporary file first, so every input can be re-read.
/// A Parquet file (recognised by its `PAR1` magic, not its name) is transcoded to a temporary
/// JSONL file of ART group lines first; `parquet` keeps what writing its rows back needs.
public final class InputSet: @unchecked Sendable {
    /// Names to show in messages, in input order (`<stdin>` for `-`).
    public let names: [String]
    /// Paths on disk, in input order.
    let paths: [String]
    private let descriptors: [Int32]
    private var spooled: [String] = []
    /// The Parquet inputs, by input position.
    public let parquet: [Int: ParquetSource]

    public init(paths inputs: [String]) throws {
        var names: [String] = [], paths: [String] = [], fds: [Int32] = []
        var spooled: [String] = []
        var parquet: [Int: ParquetSource] = [:]
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
                    let (source, temp) = try Self.transcode(path: path, name: names[names.count - 1])
                    parquet[paths.count] = source
                    spooled.append(temp)
                    path = temp
                }
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw InputError.cannotOpen(path: input, code: errno) }
                paths.append(path)
                fds.append(fd)
            }
        } catch {
            for fd in fds { close(fd) }
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

    /// Transcodes the Parquet file at `path` into a temporary JSONL file; returns both.
    private static func transcode(path: String, name: String) throws -> (ParquetSource, String) {
        guard let (fd, temp) = FileDescriptorIO.makeTemporary(NSTemporaryDirectory() + "/gavel-parquet-XXXXXX") else {
            throw InputError.cannotOpen(path: name, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        do {
            return (try ParquetTranscoder.transcode(path: path, name: name, into: fd), temp)
        } catch let error as ParquetError {
            unlink(temp)
            throw InputError.parquet(error)
        } catch {
            unlink(temp)
            throw error
        }
    }

    deinit {
        for fd in descriptors { close(fd) }
        for p in spooled { unlink(p) }
    }

    /// A fresh streaming reader over input `file`.
    func lineReader(file: Int, maxLineBytes: Int) throws -> LineReader {
        try LineReader(path: paths[file], maxLineBytes: maxLineBytes)
    }

    /// Reads `length` bytes at `offset` of input `file` (thread-safe: `pread`).
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
