import Foundation
import Gavel
import GavelJudge
import GavelSupport
import Synchronization

/// The live progress line of `gavel rank` on standard error.
///
/// On a terminal: one line redrawn in place a few times a second. Elsewhere (CI, pipes): a
/// plain line every `interval` seconds. Shows groups done/total, calls/s, ETA, cache hits,
/// retries, tokens and the estimated cost so far.
final class ProgressReporter: RankObserver {
    private let state = Mutex<RankProgress?>(nil)
    private let start = ContinuousClock.now
    private let tty: Bool
    private let interval: Duration
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// Words put before the figures (`tune 2/6 scores+logprobs`).
    private let label: String

    init(interval: Duration, label: String = "") {
        self.label = label
        self.tty = isatty(2) == 1
        self.interval = tty ? .milliseconds(200) : interval
    }

    /// The run's callback as groups finish.
    func progress(_ progress: RankProgress) {
        state.withLock { $0 = progress }
    }

    func begin() {
        let t = Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                draw()
            }
        }
        task.withLock { $0 = t }
    }

    /// Stops drawing and clears the live line.
    func end() {
        task.withLock {
            $0?.cancel()
            $0 = nil
        }
        if tty { StandardError.write("\r\u{1B}[2K") }
    }

    /// The current progress text.
    func line() -> String {
        let p = state.withLock { $0 }
        let (done, total) = (p?.done ?? 0, p?.total ?? 0)
        let s = p?.judge ?? JudgeStatistics.Snapshot()
        let elapsed = max(0.001, (ContinuousClock.now - start).seconds)
        let rate = Double(s.calls) / elapsed
        var parts = ["\(done)/\(total == 0 ? "?" : String(total)) groups", String(format: "%.1f calls/s", rate)]
        if done > 0, total > done {
            let eta = elapsed / Double(done) * Double(total - done)
            parts.append("ETA " + Self.duration(eta))
        }
        if let hits = p?.cacheHits { parts.append("\(hits) cached") }
        if s.totalRetries > 0 { parts.append("\(s.totalRetries) retries") }
        parts.append(Self.tokens(s.usage.prompt + s.usage.completion) + " tokens")
        if let dollars = p?.cost { parts.append(String(format: "~$%.2f", dollars)) }
        return "gavel: " + (label.isEmpty ? "" : label + " · ") + parts.joined(separator: " · ")
    }

    private func draw() {
        // A log (no terminal) gets lines only once the run knows its groups: "0/? groups" lines while
        // it reads its input or asks the judge's server for its context say nothing.
        if !tty, state.withLock({ $0 == nil }) { return }
        let text = line()
        StandardError.write(tty ? "\r\u{1B}[2K" + text : text + "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : (s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s")
    }

    static func tokens(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : (n >= 1000 ? String(format: "%.1fk", Double(n) / 1e3) : "\(n)")
    }
}
