import Dispatch
import Foundation
import Synchronization

/// Turns the first SIGINT or SIGTERM into a graceful stop; a second one (or one before there is
/// anything to stop) exits at once with 130.
///
/// `@unchecked Sendable`: `sources` is set once in `init` and then only cancelled (Dispatch sources
/// are thread-safe); the rest is behind mutexes.
final class SignalWatcher: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    /// What a signal does; until it is set, a signal exits at once with 130 (nothing is written yet).
    private let target: Mutex<(@Sendable () -> Void)?>
    private let count = Mutex(0)

    /// Watches from now on; `onSignal` is what a signal does (it can be set later with `then`).
    init(onSignal: (@Sendable () -> Void)? = nil) {
        target = Mutex(onSignal)
        let queue = DispatchQueue(label: "gavel.signals")
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            sources.append(DispatchSource.makeSignalSource(signal: sig, queue: queue))
        }
        self.sources = sources
        for source in sources {
            source.setEventHandler { [weak self] in self?.received() }
            source.resume()
        }
    }

    private func received() {
        let n = count.withLock { c -> Int in
            c += 1
            return c
        }
        guard n == 1, let action = target.withLock({ $0 }) else { exit(130) }
        StandardError.write("gavel: stopping: finishing the output (press Ctrl-C again to quit at once)\n")
        action()
    }

    /// Sets what a signal does from now on.
    func then(_ action: @escaping @Sendable () -> Void) {
        target.withLock { $0 = action }
    }

    func stop() {
        for s in sources { s.cancel() }
    }
}
