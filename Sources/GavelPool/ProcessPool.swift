import Foundation
import GavelSupport
import Logging
import Synchronization

/// Worker processes of the same executable, fed length-prefixed byte messages over pipes.
///
/// The pool knows nothing of what the messages mean: a worker runs `PoolWorker.run(handler:)`
/// with the handler for its messages, and callers encode and decode them.
///
/// Each worker has a thread in the parent that sends it one job at a time and waits for the
/// reply. A worker that exits or crashes mid-job is detected (end of file on its stdout),
/// reaped, replaced, and its job resubmitted — up to `maxAttempts` times, then the job fails
/// with an error naming it. Worker stderr is collected and summarised, not passed through.
/// Workers see end of file and exit when the parent goes away, even after `kill -9`.
public final class ProcessPool: @unchecked Sendable {
    /// How to start and run the workers.
    public struct Configuration: Sendable {
        /// The executable to run (normally the running `gavel` itself).
        public var executable: String
        public var arguments: [String]
        public var workers: Int
        /// Attempts per job before it fails.
        public var maxAttempts: Int
        /// Debug hook: the first worker dies on this job number (its replacement does not).
        public var crashFirstWorkerAtJob: Int?

        public init(
            executable: String, arguments: [String] = ["worker"], workers: Int, maxAttempts: Int = 3, crashFirstWorkerAtJob: Int? = nil
        ) {
            self.executable = executable
            self.arguments = arguments
            self.workers = max(1, workers)
            self.maxAttempts = max(1, maxAttempts)
            self.crashFirstWorkerAtJob = crashFirstWorkerAtJob
        }
    }

    /// A failure of the pool or of a job: a worker that could not be started, a job that kept
    /// crashing workers, or a job its worker answered with an error.
    public struct PoolError: Error, Sendable, CustomStringConvertible {
        private enum Code: Sendable, Equatable {
            case cannotStart
            case workerDied
            case remote
            case malformedReply
            case shutDown
        }

        private let code: Code
        public let description: String

        private init(_ code: Code, _ description: String) {
            self.code = code
            self.description = description
        }

        static func cannotStart(_ d: String) -> PoolError { .init(.cannotStart, d) }
        static func workerDied(_ d: String) -> PoolError { .init(.workerDied, d) }
        static func remote(_ d: String) -> PoolError { .init(.remote, d) }
        static func malformedReply(_ d: String) -> PoolError { .init(.malformedReply, d) }
        static let shutDown = PoolError(.shutDown, "the worker pool is shut down")

        /// Whether the worker answered the job with an error of the job's own (not a crash or a pool failure).
        public var isRemote: Bool { code == .remote }
    }

    /// A reply still to come: the job is queued when this is made, its reply awaited later.
    public final class PendingReply: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<ByteChunk, any Error>?
        private var waiter: CheckedContinuation<ByteChunk, any Error>?

        fileprivate init() {}

        fileprivate func resolve(_ r: Result<ByteChunk, any Error>) {
            lock.lock()
            if let w = waiter {
                waiter = nil
                lock.unlock()
                w.resume(with: r)
            } else {
                result = r
                lock.unlock()
            }
        }

        /// Waits for the reply's payload (await it once).
        public func value() async throws -> ByteChunk {
            try await withCheckedThrowingContinuation { c in
                lock.lock()
                if let r = result {
                    result = nil
                    lock.unlock()
                    c.resume(with: r)
                } else {
                    waiter = c
                    lock.unlock()
                }
            }
        }
    }

    private final class Job: @unchecked Sendable {
        let id: Int
        let payload: [UInt8]
        var attempts = 0
        let reply: PendingReply
        init(id: Int, payload: [UInt8], reply: PendingReply) {
            self.id = id
            self.payload = payload
            self.reply = reply
        }
    }

    /// One running worker process, its pipes and its shared reply region. Handed to exactly one
    /// pool thread, which alone uses it from then on.
    private struct Worker: @unchecked Sendable {
        let pid: pid_t
        let stdin: Int32
        let stdout: Int32
        let shared: SharedRegion?
    }

    public let configuration: Configuration
    private let logger: Logger
    private let condition = NSCondition()
    private let spawnLock = NSLock()
    private var queue: [Job] = []
    private var stopping = false
    private var nextJobID = 0
    private var spawned = 0
    private var threadsRunning = 0
    private let allStopped = DispatchSemaphore(value: 0)
    private let stderrLines = Mutex<(count: Int, last: [String], crashes: Int)>((0, [], 0))

    /// Starts the workers; throws if one cannot be started.
    public init(configuration: Configuration, logger: Logger = Logger(label: "gavel.pool")) throws {
        signal(SIGPIPE, SIG_IGN)
        self.configuration = configuration
        self.logger = logger
        var workers: [Worker] = []
        do {
            for _ in 0..<configuration.workers { workers.append(try spawn()) }
        } catch {
            // Workers already started see end of file and exit; nothing of the pool stays behind.
            for w in workers { _ = reap(w) }
            stopping = true
            throw error
        }
        threadsRunning = workers.count
        for w in workers {
            let thread = Thread { [self] in serve(w) }
            thread.name = "gavel-pool"
            thread.start()
        }
    }

    /// Sends one job to a worker and returns its reply's payload.
    public func submit(_ payload: [UInt8]) async throws -> ByteChunk {
        try await enqueue(payload).value()
    }

    /// Queues one job now and returns its reply to await later.
    ///
    /// Workers take jobs first in, first out. A large reply is lent from its worker's shared
    /// region until the caller releases it, and that worker takes no job meanwhile; so a caller
    /// that keeps several jobs in flight must queue them in the order it will take their replies
    /// (with `enqueue`, not from separately started tasks), or every worker could end up holding
    /// a reply the caller will only take after one still queued.
    public func enqueue(_ payload: [UInt8]) -> PendingReply {
        let reply = PendingReply()
        condition.lock()
        if stopping {
            condition.unlock()
            reply.resolve(.failure(PoolError.shutDown))
            return reply
        }
        nextJobID += 1
        queue.append(Job(id: nextJobID, payload: payload, reply: reply))
        condition.signal()
        condition.unlock()
        return reply
    }

    /// Jobs queued so far (each gets the next job number).
    public var jobsQueued: Int {
        condition.lock()
        defer { condition.unlock() }
        return nextJobID
    }

    /// Worker crashes seen so far.
    public var crashes: Int { stderrLines.withLock { $0.crashes } }

    /// Replies that came back through shared memory rather than the pipe.
    public var sharedReplies: Int { sharedCount.withLock { $0 } }
    private let sharedCount = Mutex(0)

    /// Stops the workers (they finish their current job) and waits for their threads.
    public func shutdown() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        let running = threadsRunning
        condition.broadcast()
        condition.unlock()
        guard !wasStopping else { return }
        for _ in 0..<running { allStopped.wait() }
        let (count, last, crashes) = stderrLines.withLock { ($0.count, $0.last, $0.crashes) }
        if count > 0 {
            logger.warning(
                "worker processes wrote \(count) line(s) to stderr (\(crashes) crash(es)); last: \(last.joined(separator: " | "))")
        }
    }

    /// The worker threads hold the pool until `shutdown()`, so a pool reaching deinit was shut down;
    /// a pool that is never shut down keeps its workers (callers own that, as with file handles).
    deinit {
        condition.lock()
        let stopped = stopping
        condition.unlock()
        assert(stopped, "a ProcessPool was released without shutdown()")
    }

    // MARK: Worker threads

    private func serve(_ first: Worker) {
        var worker: Worker? = first
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                break
            }
            let job = queue.removeFirst()
            condition.unlock()

            if worker == nil { worker = try? spawn() }
            guard let w = worker else {
                fail(job, .cannotStart("could not start a worker process"))
                continue
            }
            job.attempts += 1
            if FileDescriptorIO.writeFrame(w.stdin, job.payload), let reply = FileDescriptorIO.readFrame(w.stdout) {
                guard let length = PoolReplyFrame.sharedLength(reply) else {
                    job.reply.resolve(PoolReplyFrame.payload(of: reply, job: job.id))
                    continue
                }
                // A large reply waits in shared memory: lend it to the caller without copying, and
                // give this worker its next job only once the caller has released it.
                guard let pointer = w.shared?.view(length) else {
                    fail(job, .malformedReply("job #\(job.id): could not read the worker's shared reply"))
                    continue
                }
                sharedCount.withLock { $0 += 1 }
                let released = DispatchSemaphore(value: 0)
                job.reply.resolve(.success(ByteChunk(borrowing: pointer, count: length) { released.signal() }))
                released.wait()
                continue
            }
            // The worker died mid-job: reap it, replace it, and resubmit the job.
            let status = reap(w)
            stderrLines.withLock { $0.crashes += 1 }
            worker = nil
            if job.attempts >= configuration.maxAttempts {
                fail(job, .workerDied("job #\(job.id) failed: its worker died \(job.attempts) times (last: \(status))"))
            } else {
                logger.warning("a worker process died on job #\(job.id) (\(status)); replacing it and resubmitting the job")
                condition.lock()
                queue.insert(job, at: 0)
                condition.signal()
                condition.unlock()
            }
        }
        if let w = worker {
            close(w.stdin)
            _ = reap(w)
        }
        allStopped.signal()
    }

    private func fail(_ job: Job, _ error: PoolError) {
        job.reply.resolve(.failure(error))
    }

    /// Waits for a worker to exit and describes how it ended.
    private func reap(_ w: Worker) -> String {
        close(w.stdin)
        close(w.stdout)
        var status: Int32 = 0
        while waitpid(w.pid, &status, 0) < 0, errno == EINTR {}
        let signalled = status & 0x7F
        if signalled != 0 { return "killed by signal \(signalled)" }
        return "exit status \((status >> 8) & 0xFF)"
    }

    // MARK: Spawning

    private func spawn() throws -> Worker {
        condition.lock()
        spawned += 1
        let generation = spawned
        condition.unlock()

        // Spawns are serialised so no worker inherits another worker's pipe ends; every pipe end is
        // close-on-exec, and dup2 in the child clears that flag only on its own stdin/stdout/stderr.
        spawnLock.lock()
        defer { spawnLock.unlock() }
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw PoolError.cannotStart("cannot create pipes for a worker: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // Bigger pipe buffers (Linux F_SETPIPE_SZ) mean fewer context switches per frame; best effort.
        for fd in [inPipe[1], outPipe[0]] { _ = fcntl(fd, 1031, 1 << 20) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // The shared reply region becomes the worker's descriptor 3 (dup2 clears close-on-exec there).
        let shared = SharedRegion.create()
        if let shared {
            _ = fcntl(shared.fd, F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, shared.fd, 3)
        }
        var environment = ProcessInfo.processInfo.environment
        environment[PoolWorker.crashVariable] = nil
        environment[PoolWorker.sharedVariable] = shared == nil ? nil : "3"
        if generation == 1, let n = configuration.crashFirstWorkerAtJob { environment[PoolWorker.crashVariable] = String(n) }
        let argv = [configuration.executable] + configuration.arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argv) { cArgv in
            withCStrings(envp) { cEnv in
                posix_spawn(&pid, configuration.executable, &actions, nil, cArgv, cEnv)
            }
        }
        close(inPipe[0])
        close(outPipe[1])
        close(errPipe[1])
        guard result == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            close(errPipe[0])
            throw PoolError.cannotStart("cannot start worker \(configuration.executable): \(String(cString: strerror(result)))")
        }
        let errFD = errPipe[0]
        let collector = Thread { [weak self] in self?.collectStderr(errFD) }
        collector.name = "gavel-pool-stderr"
        collector.start()
        return Worker(pid: pid, stdin: inPipe[1], stdout: outPipe[0], shared: shared)
    }

    private func collectStderr(_ fd: Int32) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { b in b.baseAddress.map { Glibc.read(fd, $0, b.count) } ?? -1 }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            while let nl = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...nl)
                stderrLines.withLock {
                    $0.count += 1
                    $0.last.append(line)
                    if $0.last.count > 3 { $0.last.removeFirst() }
                }
            }
        }
        close(fd)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
