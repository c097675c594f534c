import ArgumentParser
import Foundation
import Gavel
import Logging

/// Where the score stage (combining samples, advantages, output encoding) runs.
struct PoolOptions: ParsableArguments {
    enum Mode: String, ExpressibleByArgument, CaseIterable { case auto, inline, thread, process }

    @Option(help: ArgumentHelp("Score stage: inline, thread, process (worker processes), or auto (inline for small inputs, process pool from \(PoolOptions.autoThresholdMB) MB).", valueName: "MODE"))
    var pool: Mode = .auto

    @Option(help: ArgumentHelp("Worker processes or threads (default: active cores).", valueName: "N"))
    var workers: Int?

    @Option(help: .hidden) var debugCrashBatch: Int?

    /// Input size from which `auto` uses the process pool (measured with gavel-bench score).
    static let autoThresholdMB = 128

    /// Worker processes or threads: `--workers`, else the active cores.
    var workerCount: Int { workers ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if let w = workers, w < 1 || w > 256 { throw ValidationError("--workers must be between 1 and 256") }
    }

    /// The executor factory for a run.
    func factory(logger: Logging.Logger) -> RankPipeline.ExecutorFactory {
        let mode = pool, count = workerCount, crash = debugCrashBatch
        return { _, bytes in
            let chosen: Mode = mode == .auto ? (bytes >= Self.autoThresholdMB * 1_000_000 ? .process : .inline) : mode
            switch chosen {
            case .inline, .auto: return InlineScoreExecutor()
            case .thread: return ThreadScoreExecutor(threads: count)
            case .process:
                let pool = try ProcessPool(configuration: .init(executable: Self.executablePath, workers: count, crashFirstWorkerAtJob: crash), logger: logger)
                return ProcessScoreExecutor(pool: pool)
            }
        }
    }

    /// The running executable (workers are the same binary).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
