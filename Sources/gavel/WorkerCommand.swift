import ArgumentParser
import Foundation
import GavelScoring

/// `gavel worker`: a score-stage worker process, started by `gavel rank --pool process`. Hidden.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve score-stage frames on stdin/stdout (started by gavel rank; not for direct use).",
        shouldDisplay: false
    )

    func run() throws {
        let status = ScorePoolMessages.serveWorker()
        if status != 0 { throw ExitCode(status) }
    }
}
