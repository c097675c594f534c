import ArgumentParser

/// Gavel's benchmarks; each prints its figures as ratios against a baseline measured in the same run.
@main
struct GavelBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gavel-bench",
        abstract: "Gavel's benchmarks (run them through Benchmarks/run).",
        subcommands: [
            TransportBench.self, CacheBench.self, ScoreBench.self, PeerBench.self, ScaleBench.self, RateLimitBench.self, ReportBench.self,
            LargeGroupBench.self, ParquetBench.self, ScaleOutBench.self, ServeBench.self,
        ]
    )
}
