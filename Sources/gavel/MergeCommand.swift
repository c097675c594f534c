import ArgumentParser
import Foundation
import Gavel
import GavelIO

/// `gavel merge`: shard outputs back into one ranked file, in input order.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the outputs of gavel rank --shard I/N into one ranked file in input order.",
        discussion: """
            Restores input order, drops each line's position field, and fails (writing nothing, exit 2) unless every \
            input line is present exactly once: it names the shards whose output is missing and the lines given twice.

            Examples:
              gavel merge part-*.jsonl -o ranked.jsonl
              gavel merge part-0.jsonl part-1.jsonl -o partial.jsonl --allow-partial
            """
    )

    @Argument(help: ArgumentHelp("The shards' outputs.", valueName: "SHARD_OUT"))
    var files: [String]

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The merged file (default: standard output).", valueName: "OUT"))
    var output: String?

    @Flag(help: "Write what there is even when lines are missing; say how many.")
    var allowPartial = false

    func run() throws {
        do {
            let report = try ShardMerge.merge(files, into: output, allowPartial: allowPartial)
            var line = "gavel merge: \(report.written) of \(report.lines) lines from \(report.shards) shard(s)"
            if report.missing > 0 {
                line += "; \(report.missing) missing"
                if !report.missingShards.isEmpty { line += " (no output for shard \(report.missingShards.joined(separator: ", ")))" }
            }
            if report.doubledCount > 0 { line += "; \(report.doubledCount) given twice, kept once" }
            StandardError.write(line + "\n")
        } catch let incomplete as ShardMerge.Incomplete {
            printError(incomplete.description)
            throw ExitCode(ExitStatus.usage.rawValue)
        } catch {
            let failure = RankFailure(error)
            printError(failure.description)
            throw ExitCode(failure.exitStatus.rawValue)
        }
    }
}
