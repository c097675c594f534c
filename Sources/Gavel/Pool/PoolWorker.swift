import Foundation

/// The body of a worker process (`gavel worker`): answer frames from stdin on stdout until stdin closes.
///
/// A worker exits when its parent goes away, because its stdin then reaches end of file.
public enum PoolWorker {
    /// Environment variable of the crash debug hook: the worker dies on that job number (1-based).
    public static let crashVariable = "GAVEL_WORKER_CRASH_AT_JOB"

    /// Environment variable naming the descriptor of the shared reply region, when the parent made one.
    static let sharedVariable = "GAVEL_WORKER_SHARED_FD"

    /// Replies at least this large go through the shared region instead of the pipe.
    static let sharedThreshold = 64 << 10

    /// Serves requests until end of input; returns the exit status.
    public static func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        let crashAt = environment[crashVariable].flatMap(Int.init)
        let shared = environment[sharedVariable].flatMap(Int32.init).map(SharedRegion.init(fd:))
        // Kept across requests: the span buffer and the reply's memory are reused, not refaulted.
        let spans = SpanBuffer()
        var reply = JSONWriter(reservingCapacity: 1 << 20)
        var jobs = 0
        while let request = FileDescriptorIO.readFrame(0) {
            jobs += 1
            if jobs == crashAt {
                FileHandle.standardError.write(Data("gavel worker: simulated crash on job \(jobs) (\(crashVariable))\n".utf8))
                _exit(70)
            }
            PoolProtocol.handle(request, spans: spans, into: &reply)
            let bytes = reply.bytes
            // A large chunk (ending in status 0) goes through shared memory; the pipe carries its length.
            if let shared, bytes.count >= sharedThreshold, bytes.last == 0,
               bytes.withUnsafeBytes({ shared.put(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 1)])) }) {
                guard FileDescriptorIO.writeFrame(1, PoolProtocol.sharedReply(length: bytes.count - 1)) else { return 1 }
                continue
            }
            guard FileDescriptorIO.writeFrame(1, bytes) else { return 1 }
        }
        return 0
    }
}
