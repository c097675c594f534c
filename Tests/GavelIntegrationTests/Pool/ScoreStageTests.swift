import Foundation
import GavelTesting
import Synchronization
import Testing

@testable import Gavel
@testable import GavelCache
@testable import GavelPool
@testable import GavelScoring
@testable import GavelSupport

@Suite("Score stage: executors, process pool, samples")
struct ScoreStageTests {
    static var gavelPath: String { TestPaths.products.appendingPathComponent("gavel").path }

    static func processExecutor(crashAt: Int? = nil) -> RankPipeline.ExecutorFactory {
        { _ in
            ProcessScoreExecutor(
                pool: try ProcessPool(configuration: .init(executable: gavelPath, workers: 2, crashFirstWorkerAtJob: crashAt)))
        }
    }

    /// A mixed input: group lines and flat trajectory lines in one file.
    static func mixedInput(_ dir: TempDir) throws -> String {
        let groups = SyntheticTrajectories(groups: 40, groupSize: 5, toolTurns: 1, toolResultChars: 30, seed: 1).groupLines()
        let flat = SyntheticTrajectories(groups: 60, groupSize: 4, toolTurns: 2, toolResultChars: 30, seed: 2).trajectoryLines(
            shuffled: true
        )
        .replacingOccurrences(of: "\"group_id\":\"g", with: "\"group_id\":\"flat-g")
        return try dir.write("in.jsonl", groups + flat)
    }

    func rank(
        _ input: String, _ out: String, sim: JudgeSimulator, samples: Int = 3, executor: @escaping RankPipeline.ExecutorFactory
    ) async throws -> RankSummary {
        let options = RankOptions(inputs: [input], output: out, concurrency: 16, samples: samples, batchLines: 37)
        return try await RankPipeline(options: options, judge: try simulatorJudge(sim), executor: executor).run()
    }

    @Test("inline, thread and process modes give byte-identical output")
    func modesAgree() async throws {
        let dir = try TempDir()
        let input = try Self.mixedInput(dir)
        try await withSimulator { sim in
            let a = try await rank(input, dir.path("inline.jsonl"), sim: sim) { _ in InlineScoreExecutor() }
            let b = try await rank(input, dir.path("thread.jsonl"), sim: sim) { _ in ThreadScoreExecutor(threads: 3) }
            let c = try await rank(input, dir.path("process.jsonl"), sim: sim, executor: Self.processExecutor())
            #expect(a.isComplete && b.isComplete && c.isComplete)
            #expect([a.scoreExecutor, b.scoreExecutor, c.scoreExecutor] == ["inline", "thread", "process"])
        }
        let inline = try dir.read("inline.jsonl")
        #expect(inline.split(separator: "\n").count == 40 + 240)
        #expect(try dir.read("thread.jsonl") == inline)
        #expect(try dir.read("process.jsonl") == inline)
    }

    @Test("large batches come back through shared memory, byte-identical to inline mode")
    func sharedMemoryReplies() async throws {
        let dir = try TempDir()
        let input = try Self.mixedInput(dir)
        try await withSimulator { sim in
            let options = RankOptions(inputs: [input], output: dir.path("inline.jsonl"), concurrency: 16)
            _ = try await RankPipeline(options: options, judge: try simulatorJudge(sim)).run()
            let pool = try ProcessPool(configuration: .init(executable: Self.gavelPath, workers: 2))
            var shared = options
            shared.output = dir.path("shared.jsonl")
            let s = try await RankPipeline(options: shared, judge: try simulatorJudge(sim)) { _ in ProcessScoreExecutor(pool: pool) }
                .run()
            #expect(s.isComplete)
            #expect(pool.sharedReplies > 0, "no reply used shared memory")
        }
        #expect(try dir.read("shared.jsonl") == (try dir.read("inline.jsonl")))
    }

    @Test("a worker that crashes on a batch is replaced; the output equals inline mode")
    func workerCrash() async throws {
        let dir = try TempDir()
        let input = try Self.mixedInput(dir)
        try await withSimulator { sim in
            _ = try await rank(input, dir.path("inline.jsonl"), sim: sim, samples: 1) { _ in InlineScoreExecutor() }
            let pool = try ProcessPool(configuration: .init(executable: Self.gavelPath, workers: 2, crashFirstWorkerAtJob: 2))
            let s = try await rank(input, dir.path("crash.jsonl"), sim: sim, samples: 1) { _ in ProcessScoreExecutor(pool: pool) }
            #expect(s.isComplete)
            #expect(pool.crashes == 1)
        }
        #expect(try dir.read("crash.jsonl") == (try dir.read("inline.jsonl")))
    }

    @Test("batches started in order are taken in order: lent shared-memory replies never deadlock the pool")
    func inOrderDispatch() async throws {
        let dir = try TempDir()
        // 60 batches of 200 ~400-byte lines: every reply (~90 KB) is lent from the worker's shared region.
        let record = #"{"messages":[{"role":"user","content":"\#(String(repeating: "x", count: 380))"}]}"#
        let path = try dir.write("in.jsonl", String(repeating: record + "\n", count: 60 * 200))
        let pool = try ProcessPool(configuration: .init(executable: Self.gavelPath, workers: 1))
        let executor = ProcessScoreExecutor(pool: pool)
        let context = ScoreStage.EncodeContext(judgeName: "j", advantage: .grpo)
        let lineStride = record.utf8.count + 1
        var batches: [EncodeBatch] = []
        for b in 0..<60 {
            var batch = EncodeBatch(source: .file(path), groups: [EncodeBatch.Group(key: "g\(b)", failure: .judgeFailed("e"), count: 1)])
            for i in 0..<200 { batch.lines.append(.init(offset: (b * 200 + i) * lineStride, length: lineStride - 1, slot: 0, member: 0)) }
            batches.append(batch)
        }
        // Four in flight on one worker, taken in order, as the pipeline does. A batch queued behind
        // later ones would hang here (the worker waits for its lent reply to be taken): a watchdog
        // gives up after 60 s, then takes every chunk in any order so the pool can shut down.
        var pending: [Task<ByteChunk, any Error>] = []
        var taken: [[UInt8]] = []
        var hung = false
        var queuedLate = 0
        for (b, batch) in batches.enumerated() {
            pending.append(executor.start(batch, context: context))
            // start() queues the batch before it returns, so batches reach the workers in this order.
            if pool.jobsQueued != b + 1 { queuedLate += 1 }
            while pending.count >= 4 || (batch == batches.last && !pending.isEmpty) {
                let head = pending.removeFirst()
                guard let chunk = try await firstOf(head, orTimeout: .seconds(60)) else {
                    hung = true
                    for t in [head] + pending { Task { try? await t.value.release() } }
                    pending = []
                    break
                }
                taken.append(chunk.bytes)
                chunk.release()
            }
            if hung { break }
        }
        #expect(queuedLate == 0, "\(queuedLate) batches were not queued when start() returned")
        #expect(!hung, "taking chunks in order deadlocked after \(taken.count) of 60 batches")
        #expect(pool.sharedReplies == taken.count)
        for (b, chunk) in taken.enumerated() where b % 15 == 0 {
            #expect(chunk == (try ScoreStage.encodeChunk(batches[b], context: context)))
        }
        await executor.shutdown()
    }

    /// The task's value, or nil if `timeout` passes first (the task is left running).
    func firstOf<T: Sendable>(_ task: Task<T, any Error>, orTimeout timeout: Duration) async throws -> T? {
        let once = OnceFlag()
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<T?, any Error>) in
            let finish: @Sendable (Result<T?, any Error>) -> Void = { r in
                if once.flag.withLock({ done in
                    defer { done = true }; return !done
                }) {
                    c.resume(with: r)
                }
            }
            let watchdog = Task {
                try await Task.sleep(for: timeout)
                finish(.success(nil))
            }
            Task {
                do { finish(.success(try await task.value)) } catch { finish(.failure(error)) }
                watchdog.cancel()
            }
        }
    }

    @Test("a batch that keeps killing workers fails with an error naming it")
    func poisonBatch() async throws {
        let pool = try ProcessPool(configuration: .init(executable: Self.gavelPath, workers: 1, maxAttempts: 2))
        defer { pool.shutdown() }
        // A frame the worker cannot even read as a request makes it answer an error, not die…
        let remote = await #expect(throws: ProcessPool.PoolError.self) { _ = try await pool.submit([99]) }
        #expect(remote?.isRemote == true, "\(String(describing: remote))")
        // …and it goes on serving.
        var batch = EncodeBatch(groups: [EncodeBatch.Group(key: "g", failure: .notJudged, count: 1)])
        batch.appendLine(#"{"a":1}"#.utf8, slot: 0, member: 0)
        let chunk = try await pool.submit(ScorePoolMessages.encodeRequest(batch, context: .init(judgeName: "j", advantage: .grpo)))
        #expect(String(decoding: chunk.bytes, as: UTF8.self) == #"{"a":1,"gavel":{"group":"g","error":"not judged"}}"# + "\n")
        // …while a real crash is retried and then reported.
        let crashing = try ProcessPool(configuration: .init(executable: "/bin/false", arguments: [], workers: 1, maxAttempts: 2))
        defer { crashing.shutdown() }
        let error = await #expect(throws: ProcessPool.PoolError.self) { _ = try await crashing.submit([1, 2, 3]) }
        #expect(error?.description.contains("job #1 failed: its worker died 2 times") == true, "\(String(describing: error))")
    }

    @Test("a worker exits when its parent's end of the pipe closes")
    func workerExitsOnEOF() throws {
        let process = try ChildProcess(Self.gavelPath, ["worker"], stdin: .pipe, stderr: .null)
        // One real request first, so the worker is known to be serving.
        var batch = EncodeBatch(groups: [EncodeBatch.Group(key: "g", failure: .notJudged, count: 1)])
        batch.appendLine(#"{"a":1}"#.utf8, slot: 0, member: 0)
        let request = ScorePoolMessages.encodeRequest(batch, context: .init(judgeName: "j", advantage: .grpo))
        #expect(FileDescriptorIO.writeFrame(process.stdinFD, request))
        let reply = FileDescriptorIO.readFrame(process.stdoutFD)
        #expect(reply?.last == 0, "the reply should end with the ok status byte")
        process.closeStdin()
        #expect(process.wait() == 0)
    }

    @Test("--samples 3 makes 3 calls per group in 3 different, stable orders; 0 calls on a cached rerun")
    func samples() async throws {
        let dir = try TempDir()
        let lines = (0..<5).map { i in
            #"{"group_id":"one","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"answer \#(i) "#
                + #"QUALITY=0.\#(i + 2)"}]}"#
        }
        let input = try dir.write("in.jsonl", lines.joined(separator: "\n"))
        func orders(_ bodies: [String]) -> [[String]] {
            bodies.map { body in body.components(separatedBy: "QUALITY=").dropFirst().map { String($0.prefix(3)) } }
        }
        let cache = try JudgeCache(directory: dir.path("cache"))
        var first: [[String]] = []
        try await withSimulator { sim in
            let judge = CachingJudge(try simulatorJudge(sim), cache: cache)
            let s = try await RankPipeline(options: RankOptions(inputs: [input], output: dir.path("a.jsonl"), samples: 3), judge: judge)
                .run()
            #expect(s.isComplete)
            #expect(sim.stats.snapshot.requests == 3)
            first = orders(sim.stats.snapshot.recentBodies)
            #expect(Set(first).count == 3, "the three samples used the same order: \(first)")
            #expect(first.allSatisfy { Set($0) == ["0.2", "0.3", "0.4", "0.5", "0.6"] })
            _ = try await RankPipeline(options: RankOptions(inputs: [input], output: dir.path("b.jsonl"), samples: 3), judge: judge).run()
            #expect(sim.stats.snapshot.requests == 3, "a cached rerun called the judge")
        }
        try await withSimulator { sim in
            _ = try await RankPipeline(
                options: RankOptions(inputs: [input], output: dir.path("c.jsonl"), samples: 3), judge: try simulatorJudge(sim)
            ).run()
            #expect(Set(orders(sim.stats.snapshot.recentBodies)) == Set(first), "orders changed between runs")
        }
        let out = try parseJSONL(try dir.read("a.jsonl"))
        let g = try #require(out.first?["gavel"] as? [String: Any])
        #expect(g["samples"] as? [Double] == [0.2, 0.2, 0.2])
        #expect(g["score_spread"] as? Double == 0)
        #expect(g["score"] as? Double == 0.2)
    }
}

/// A flag set once from any thread (the watchdog's "first one wins").
final class OnceFlag: Sendable {
    let flag = Mutex(false)
}
