import ArgumentParser
import Foundation
import Gavel
import GavelBatch
import GavelSupport
import Logging

/// `gavel batch`: offline ranking through the providers' batch APIs, at half the price.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Judge through OpenAI's Batch API or Anthropic's Message Batches: half the price, answers within hours.",
        discussion: """
            1. gavel batch submit FILE... [gavel rank flags]   sends every judge call the run needs that the cache \
            lacks (all samples, windows and panel members), in batches; records them in a manifest beside the cache.
            2. gavel batch status                              each batch's state and counts.
            3. gavel batch collect                             puts valid answers into the cache; reports the rest.
            4. gavel rank FILE... [the same flags]             finishes from the cache; what the batches did not \
            deliver (errors, expired requests, invalid answers) is judged live.

            Examples:
              gavel batch submit runs.jsonl --judge openai/gpt-4.1-mini --samples 3 --wait
              gavel batch collect && gavel rank runs.jsonl -o ranked.jsonl --judge openai/gpt-4.1-mini --samples 3
            """,
        subcommands: [BatchSubmitCommand.self, BatchStatusCommand.self, BatchCollectCommand.self]
    )
}

/// Where the manifest and the cache are, and how to reach the providers: shared by status and collect.
struct BatchPlace: ParsableArguments {
    @Option(help: ArgumentHelp("The batch manifest (default: batches.json in the cache folder).", valueName: "PATH"))
    var manifest: String?

    @Option(help: ArgumentHelp("The cache folder (default: $GAVEL_CACHE_DIR, else ./Cache).", valueName: "DIR"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("The environment variable holding the API key, instead of the provider's usual one.", valueName: "NAME"))
    var apiKeyEnv: String?

    var cacheDirectory: String { CacheOptions.directory(cacheDir) }

    func job() throws -> BatchJob {
        try BatchJob(
            cacheDirectory: cacheDirectory, manifest: manifest, environment: ProcessInfo.processInfo.environment, apiKeyEnv: apiKeyEnv)
    }
}

/// Runs `body`, turning library failures into the documented exit statuses.
func batchFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let failure = RankFailure(error)
        printError(failure.description)
        throw ExitCode(failure.exitStatus.rawValue)
    }
}

/// Prints each batch's state, one line each.
func printBatches(_ all: [(entry: BatchManifest.Entry, status: BatchStatus)]) {
    let rows = all.map { e, s in
        (
            e.id,
            "\(e.judge)  \(s.state)\(e.collected ? " (collected)" : "")  \(s.succeeded) succeeded, \(s.failed) failed of \(s.total)"
        )
    }
    print(KeyValueTable(rows).render(), terminator: "")
}

struct BatchSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Send every judge call a rank would make, and the cache lacks, as batches.",
        discussion: "Takes the files and flags of gavel rank (not -o, --report, --dry-run, --show-prompt)."
    )

    @OptionGroup var rank: RankCommand

    @Option(help: ArgumentHelp("The batch manifest (default: batches.json in the cache folder).", valueName: "PATH"))
    var manifest: String?

    @Flag(help: "Poll until every batch has ended (then run gavel batch collect).")
    var wait = false

    @Option(help: ArgumentHelp("Seconds between polls with --wait.", valueName: "S"))
    var pollInterval = 30.0

    func validate() throws {
        if rank.output != nil || rank.outputDir != nil || rank.report != nil || rank.dryRun || rank.showPrompt != nil {
            throw ValidationError(
                "gavel batch submit writes no ranking: -o, --output-dir, --report, --dry-run and --show-prompt are for gavel rank")
        }
        if pollInterval <= 0 { throw ValidationError("--poll-interval must be positive") }
    }

    func run() async throws {
        try await batchFailures {
            let configuration = try rank.configuration()
            let run = try RankRun(configuration: configuration, logger: Logger(label: "gavel"))
            let job = try BatchJob(
                cacheDirectory: configuration.cacheDirectory, manifest: manifest, environment: configuration.environment,
                apiKeyEnv: configuration.apiKeyEnv)
            let report = try await job.submit(run, command: Array(CommandLine.arguments.dropFirst()))
            for r in report {
                var line = "\(r.judge): \(r.needed) calls, \(r.cached) in the cache"
                if r.inFlight > 0 { line += ", \(r.inFlight) in batches not collected yet" }
                line += ", \(r.submitted) submitted"
                if !r.batches.isEmpty { line += " in \(r.batches.count) batch(es): \(r.batches.joined(separator: ", "))" }
                print(line)
            }
            print("manifest: \(job.manifestPath)")
            if wait {
                try await job.wait(every: .milliseconds(Int(pollInterval * 1000))) { all in
                    let ended = all.filter { $0.status.isEnded || $0.entry.collected }.count
                    let done = all.reduce(0) { $0 + $1.status.succeeded + $1.status.failed }
                    let total = all.reduce(0) { $0 + $1.status.total }
                    StandardError.write("gavel: \(ended)/\(all.count) batches ended, \(done)/\(total) requests done\n")
                }
                print("every batch has ended: run gavel batch collect")
            }
        }
    }
}

struct BatchStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Each batch's state and counts.")

    @OptionGroup var place: BatchPlace

    func run() async throws {
        try await batchFailures {
            printBatches(try await place.job().status())
        }
    }
}

struct BatchCollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Put the answers of ended batches into the cache (after the same checks as live answers).",
        discussion: "Collecting twice changes nothing. Then run gavel rank with the flags the batches were submitted with."
    )

    @OptionGroup var place: BatchPlace

    @Flag(help: "Wait until every batch has ended first.")
    var wait = false

    @Option(help: ArgumentHelp("Seconds between polls with --wait.", valueName: "S"))
    var pollInterval = 30.0

    func run() async throws {
        try await batchFailures {
            let job = try place.job()
            if wait { try await job.wait(every: .milliseconds(Int(max(0.05, pollInterval) * 1000))) { _ in } }
            let c = try await job.collect()
            if c.batches == 0 && c.pending.isEmpty {
                print("nothing to collect: every batch of the manifest was collected already")
                return
            }
            print("collected \(c.batches) batch(es): \(c.stored) answers stored in the cache, \(c.alreadyCached) already there")
            if c.invalid + c.failed + c.expired > 0 {
                print("not stored: \(c.invalid) invalid answers, \(c.failed) failed, \(c.expired) expired — gavel rank judges them live")
                for p in c.problems { print("  \(p)") }
            }
            if !c.pending.isEmpty { print("still running: \(c.pending.joined(separator: "; ")) — collect again later") }
        }
    }
}
