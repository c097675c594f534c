import ArgumentParser
import Gavel

extension RankConfiguration.ScoreStageMode: ExpressibleByArgument {}

/// Where the score stage (output encoding) runs.
struct PoolOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Score stage (scores, fits, ranks, advantages, output records): inline, thread, process (worker processes), or auto "
                + "(inline for small inputs; the process pool from \(RankConfiguration.autoProcessThresholdBytes / 1_000_000) MB, "
                + "or \(RankConfiguration.autoProcessThresholdBytesWithFits / 1_000_000) MB when groups are judged in windows).",
            valueName: "MODE"))
    var pool: RankConfiguration.ScoreStageMode = .auto

    @Option(help: ArgumentHelp("Worker processes or threads (default: active cores).", valueName: "N"))
    var workers: Int?

    @Option(help: .hidden) var debugCrashBatch: Int?

    func validate() throws {
        if let w = workers, w < 1 || w > 256 { throw ValidationError("--workers must be between 1 and 256") }
    }

    /// Puts the score-stage flags into a run's configuration.
    func apply(to c: inout RankConfiguration) {
        c.scoreStage = pool
        c.workers = workers
        c.crashFirstWorkerAtJob = debugCrashBatch
    }
}
