import ArgumentParser
import Foundation
import Gavel

/// The `gavel` command: RULER-style relative rewards for groups of agent trajectories.
@main
struct GavelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gavel",
        abstract: "Turn groups of agent trajectories into RL rewards with an LLM judge (RULER-style ranking).",
        discussion: """
            Gavel reads JSONL trajectory files (OpenPipe ART's layouts or plain OpenAI chat messages), \
            groups trajectories that chased the same goal, asks a judge model to score each group's \
            members against each other, and writes ranked JSONL with scores, ranks and GRPO advantages.

            Examples:
              gavel rank trajectories.jsonl -o ranked.jsonl --judge openai/gpt-4o-mini
              gavel rank runs/*.jsonl --judge anthropic/claude-sonnet-4-5 --concurrency 64
              gavel eval ranked.jsonl --truth metadata.solved
              gavel tune labelled.jsonl --truth metadata.quality --write-rubric tuned.md && gavel rank runs.jsonl --rubric tuned.md
              gavel-judge-sim --port 8787 & gavel rank Examples/art-group-lines.jsonl --judge openai/sim --api-base http://127.0.0.1:8787/v1
            """,
        version: "0.1.0",
        subcommands: [
            RankCommand.self, ServeCommand.self, BatchCommand.self, MergeCommand.self, EvalCommand.self, TuneCommand.self,
            ReportCommand.self,
            RubricCommand.self,
            CacheCommand.self,
            WorkerCommand.self,
        ],
        defaultSubcommand: nil
    )

    /// Runs the command. Usage errors exit with status 2 (the documented one) instead of 64, and an
    /// error no command handled is printed as `gavel: error: ...`, never as a bare `Error:`.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            exit(withError: code)
        } catch let failure as RankFailure {
            printError(failure.description)
            Foundation.exit(failure.exitStatus.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code.rawValue == 64 {
                StandardError.write(fullMessage(for: error) + "\n")
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            if code.rawValue == 1, !(error is CleanExit) {
                printError("\(error)")
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
