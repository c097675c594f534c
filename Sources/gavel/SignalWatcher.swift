import Dispatch
import Foundation

/// Turns the first SIGINT or SIGTERM into a graceful stop; a second one exits at once with 130.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "gavel.signals")
    private var count = 0

    init(onSignal: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.count += 1
                if self.count > 1 { exit(130) }
                StandardError.write("gavel: stopping: finishing the output (press Ctrl-C again to quit at once)\n")
                onSignal()
            }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for s in sources { s.cancel() }
    }
}
