import Foundation
import GavelSupport

/// The body of a worker process: answer requests from stdin on stdout until stdin closes.
///
/// A worker exits when its parent goes away, because its stdin then reaches end of file.
public enum PoolWorker {
    /// Environment variable of the crash debug hook: the worker dies on that job number (1-based).
    public static let crashVariable = "GAVEL_WORKER_CRASH_AT_JOB"

    /// Environment variable naming the descriptor of the shared reply region, when the parent made one.
    static let sharedVariable = "GAVEL_WORKER_SHARED_FD"

    /// Replies at least this large go through the shared region instead of the pipe.
    static let sharedThreshold = 64 << 10

    /// Serves requests until end of input and returns the exit status.
    ///
    /// `handler` turns one request into its reply, written into `reply` (empty on entry; its
    /// memory is kept from one request to the next); an error it throws goes back as the job's
    /// error, and the worker goes on with the next request.
    public static func run(handler: (_ request: [UInt8], _ reply: inout [UInt8]) throws -> Void) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        let crashAt = environment[crashVariable].flatMap(Int.init)
        let shared = environment[sharedVariable].flatMap(Int32.init).map(SharedRegion.init(fd:))
        var reply: [UInt8] = []
        reply.reserveCapacity(1 << 20)
        var jobs = 0
        while let request = FileDescriptorIO.readFrame(0) {
            jobs += 1
            if jobs == crashAt {
                FileHandle.standardError.write(Data("gavel worker: simulated crash on job \(jobs) (\(crashVariable))\n".utf8))
                _exit(70)
            }
            reply.removeAll(keepingCapacity: true)
            do {
                try handler(request, &reply)
            } catch {
                reply.removeAll(keepingCapacity: true)
                reply.append(contentsOf: "\(error)".utf8)
                reply.append(PoolReplyFrame.failed)
                guard FileDescriptorIO.writeFrame(1, reply) else { return 1 }
                continue
            }
            // A large payload goes through shared memory; the pipe carries its length.
            if let shared, reply.count >= sharedThreshold, reply.withUnsafeBytes({ shared.put($0) }) {
                guard FileDescriptorIO.writeFrame(1, PoolReplyFrame.sharedReply(length: reply.count)) else { return 1 }
                continue
            }
            reply.append(PoolReplyFrame.ok)
            guard FileDescriptorIO.writeFrame(1, reply) else { return 1 }
        }
        return 0
    }
}
