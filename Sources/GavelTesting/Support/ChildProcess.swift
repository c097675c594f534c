import Foundation

/// A program run by the tests through posix_spawn, with pipes to its standard streams.
///
/// Not Foundation's `Process`: on Swift 6.3.1 its `run()` copies whole `dirent` records (a
/// 256-byte `d_name`) out of readdir's buffer while closing descriptors, a heap over-read that
/// AddressSanitizer reports and that can fault when the buffer ends at an unmapped page
/// (swift-corelibs-foundation#5472, not in this toolchain). Here the child closes every
/// descriptor above 2 itself (`posix_spawn_file_actions_addclosefrom_np`).
public final class ChildProcess: @unchecked Sendable {
    /// Where a standard stream goes.
    public enum Stream { case pipe, null }

    public let pid: pid_t
    /// The parent's ends of the pipes, where `.pipe` was asked for (-1 otherwise).
    public private(set) var stdinFD: Int32 = -1
    public private(set) var stdoutFD: Int32 = -1
    public private(set) var stderrFD: Int32 = -1
    private var status: Int32?

    /// Starts `path` with `arguments`; `environment` is the child's whole environment.
    public init(
        _ path: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        stdin: Stream = .null, stdout: Stream = .pipe, stderr: Stream = .pipe
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32] = [-1, -1, -1]
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .pipe:
                var fds: [Int32] = [-1, -1]
                guard let pipe2 = Self.pipe2, pipe2(&fds, O_CLOEXEC) == 0 else {
                    for fd in parentEnds where fd >= 0 { close(fd) }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                // The child reads its stdin from the read end and writes the others to the write end.
                let (child, parent) = target == 0 ? (fds[0], fds[1]) : (fds[1], fds[0])
                childEnds.append(child)
                parentEnds[Int(target)] = parent
                posix_spawn_file_actions_adddup2(&actions, child, target)
            }
        }
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else {
            for fd in parentEnds where fd >= 0 { close(fd) }
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOEXEC)
        }
        self.pid = pid
        stdinFD = parentEnds[0]
        stdoutFD = parentEnds[1]
        stderrFD = parentEnds[2]
    }

    /// glibc calls Swift's Glibc module does not declare (they need _GNU_SOURCE), looked up once.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    private static let closeFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: CloseFrom.self)
    }

    /// Writes `bytes` to the child's standard input (all of them, or until it stops reading).
    public func write(_ bytes: [UInt8]) {
        guard stdinFD >= 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// Closes the child's standard input (it reads end of file).
    public func closeStdin() {
        if stdinFD >= 0 { close(stdinFD) }
        stdinFD = -1
    }

    /// Everything the child writes to standard output and error until it closes them, read at once
    /// on two threads (so neither pipe fills up); blocking. Closes the parent's ends.
    public func readOutputs() -> (stdout: [UInt8], stderr: [UInt8]) {
        nonisolated(unsafe) var err: [UInt8] = []
        let errFD = stderrFD, outFD = stdoutFD
        stderrFD = -1
        stdoutFD = -1
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            err = Self.readAll(errFD)
            done.signal()
        }
        thread.start()
        let out = Self.readAll(outFD)
        done.wait()
        return (out, err)
    }

    /// Reads `fd` to its end and closes it; empty for -1.
    public static func readAll(_ fd: Int32) -> [UInt8] {
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return result }
            result.append(contentsOf: buffer[0..<n])
        }
    }

    /// Sends `signal` to the child.
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the child to exit (blocking); its status as a shell shows it: the exit code, or
    /// 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        let code = SpawnedProduct.exitCode(waitStatus: raw)
        status = code
        return code
    }

    deinit {
        closeStdin()
        for fd in [stdoutFD, stderrFD] where fd >= 0 { close(fd) }
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }
}
