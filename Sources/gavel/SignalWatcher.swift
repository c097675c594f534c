import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The write end of the signal pipe, for the C signal handler (which can capture nothing). Set
/// before the handler is installed and never changed while it is.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// Turns the first SIGINT or SIGTERM into a graceful stop; a second one (or one before there is
/// anything to stop) exits at once with 130.
///
/// A `sigaction` handler writes one byte to a pipe (`write` is async-signal-safe) and a thread of
/// its own reads it: whichever thread the kernel picks for the signal runs the handler, and a
/// SIGINT that the process inherited as ignored (a background job's) is caught all the same. (A
/// Dispatch signal source lost the signal now and then: with the disposition set to ignore, a
/// thread that did not block it discarded it.)
final class SignalWatcher: Sendable {
    /// The pipe's write end (the reading thread holds the other); -1 when no pipe could be made.
    private let writeEnd: Int32
    /// What a signal does; until it is set, a signal exits at once with 130 (nothing is written yet).
    private let target: Mutex<(@Sendable () -> Void)?>

    /// Watches from now on; `onSignal` is what a signal does (it can be set later with `then`).
    init(onSignal: (@Sendable () -> Void)? = nil) {
        target = Mutex(onSignal)
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else {
            writeEnd = -1
            return
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        writeEnd = fds[1]
        signalPipe = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(signalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for sig in [SIGINT, SIGTERM] { sigaction(sig, &action, nil) }
        let readEnd = fds[0]
        let reader = Thread { [self] in
            var count = 0
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                guard n == 1, byte == 1 else { return }  // closed, or stop()
                count += 1
                if count > 1 { exit(130) }
                guard let action = target.withLock({ $0 }) else { exit(130) }
                StandardError.write("gavel: stopping: finishing the output (press Ctrl-C again to quit at once)\n")
                action()
            }
        }
        reader.name = "gavel-signals"
        reader.start()
    }

    /// Sets what a signal does from now on.
    func then(_ action: @escaping @Sendable () -> Void) {
        target.withLock { $0 = action }
    }

    /// Ends the watching thread; later signals are caught and dropped (the run is finishing anyway).
    func stop() {
        guard writeEnd >= 0 else { return }
        var byte: UInt8 = 0
        _ = write(writeEnd, &byte, 1)
    }
}
