import GavelCache
import GavelJudge
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, through swift-metrics into its own Prometheus registry (not the
/// process-wide bootstrap, so several services in one process, as in tests, keep theirs apart).
///
/// Requests, groups, the queue and latencies are counted as they happen; the judge's calls,
/// retries and tokens and the cache's hits are kept by the run, so each scrape adds what changed
/// since the last one.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Groups queued or being judged.
    let queued: Meter
    /// Time from a group's arrival to its answer.
    let groupLatency: Metrics.Timer
    /// Time of each HTTP exchange with the judge.
    let judgeLatency: Metrics.Timer
    private let judgeCalls: Metrics.Counter
    private let promptTokens: Metrics.Counter
    private let completionTokens: Metrics.Counter
    private let cacheHits: Metrics.Counter
    private let cacheMisses: Metrics.Counter
    /// What the last scrape reported of the run's own counts.
    private let reported = Mutex<(judge: JudgeStatistics.Snapshot, hits: Int, misses: Int)>((.init(), 0, 0))

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map {
            .milliseconds(Int($0 * 1000))
        }
        factory.defaultDurationHistogramBuckets = seconds
        self.factory = factory
        queued = Meter(label: "gavel_groups_in_flight", factory: factory)
        groupLatency = Metrics.Timer(label: "gavel_group_seconds", factory: factory)
        judgeLatency = Metrics.Timer(label: "gavel_judge_latency_seconds", factory: factory)
        judgeCalls = Metrics.Counter(label: "gavel_judge_calls_total", factory: factory)
        promptTokens = Metrics.Counter(label: "gavel_judge_tokens_total", dimensions: [("kind", "prompt")], factory: factory)
        completionTokens = Metrics.Counter(label: "gavel_judge_tokens_total", dimensions: [("kind", "completion")], factory: factory)
        cacheHits = Metrics.Counter(label: "gavel_cache_hits_total", factory: factory)
        cacheMisses = Metrics.Counter(label: "gavel_cache_misses_total", factory: factory)
    }

    /// Counts one answered request.
    func request(route: String, status: Int) {
        Metrics.Counter(label: "gavel_requests_total", dimensions: [("route", route), ("status", String(status))], factory: factory)
            .increment()
    }

    /// Counts one group's end: `ranked`, `cached` (every answer from the cache) or a failure's code.
    func group(result: String) {
        Metrics.Counter(label: "gavel_groups_total", dimensions: [("result", result)], factory: factory).increment()
    }

    /// The Prometheus text exposition, after bringing the run's counts up to date.
    func exposition(judge: JudgeStatistics.Snapshot, cache: JudgeCache.Statistics?, spending: SpendingLimit? = nil) -> [UInt8] {
        if let spending {
            // Dollars as gauges: spent over the service's life and in the current window, and the limit.
            let s = spending.snapshot
            Gauge(label: "gavel_cost_dollars", dimensions: [("scope", "total")], factory: factory).record(s.totalSpent)
            Gauge(label: "gavel_cost_dollars", dimensions: [("scope", "window")], factory: factory).record(s.spent)
            Gauge(label: "gavel_cost_limit_dollars", factory: factory).record(spending.limit)
        }
        reported.withLock { last in
            judgeCalls.increment(by: max(0, judge.calls - last.judge.calls))
            promptTokens.increment(by: max(0, judge.usage.prompt - last.judge.usage.prompt))
            completionTokens.increment(by: max(0, judge.usage.completion - last.judge.usage.completion))
            for (cause, count) in judge.retries {
                let delta = count - (last.judge.retries[cause] ?? 0)
                guard delta > 0 else { continue }
                Metrics.Counter(label: "gavel_judge_retries_total", dimensions: [("cause", cause.description)], factory: factory)
                    .increment(by: delta)
            }
            if let cache {
                cacheHits.increment(by: max(0, cache.hits - last.hits))
                cacheMisses.increment(by: max(0, cache.misses - last.misses))
                last.hits = cache.hits
                last.misses = cache.misses
            }
            last.judge = judge
        }
        return registry.emitToBuffer()
    }
}
