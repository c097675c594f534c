import Foundation
import GavelSupport

/// The input files of a run, open for streaming and for reading single lines back by offset.
///
/// Standard input (`-`) is spooled to a temporary file first, so every input can be re-read.
public final class InputSet: @unchecked Sendable {
    /// Names to show in messages, in input order (`<stdin>` for `-`).
    public let names: [String]
    /// Paths on disk, in input order.
    let paths: [String]
    private let descriptors: [Int32]
    private var spooled: [String] = []

    public init(paths inputs: [String]) throws {
        var names: [String] = [], paths: [String] = [], fds: [Int32] = []
        var spooled: [String] = []
        do {
            for input in inputs {
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
