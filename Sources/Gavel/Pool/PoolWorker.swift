import Foundation

/// The body of a worker process (`gavel worker`): answer frames from stdin on stdout until stdin closes.
///
/// A worker exits when its parent goes away, because its stdin then reaches end of file.
public enum PoolWorker {
    /// Environment variable of the crash debug hook: the worker dies on that job number (1-based).
    public static let crashVariable = "GAVEL_WORKER_CRASH_AT_JOB"

    /// Serves requests until end of input; returns the exit status.
    public static func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let crashAt = ProcessInfo.processInfo.environment[crashVariable].flatMap(Int.init)
        var jobs = 0
        while let request = FileDescriptorIO.readFrame(0) {
            jobs += 1
            if jobs == crashAt {
                FileHandle.standardError.write(Data("gavel worker: simulated crash on job \(jobs) (\(crashVariable))\n".utf8))
                _exit(70)
            }
            guard FileDescriptorIO.writeFrame(1, PoolProtocol.handle(request)) else { return 1 }
        }
        return 0
    }
}
