import Foundation
import ServiceLifecycle

/// A service that returns once standard input reaches its end: started with a pipe on its standard
/// input, `gavel serve` stops gracefully when the process holding the pipe's other end exits — even
/// by SIGKILL, when no one is left to send SIGTERM — so a service started by a Python trainer never
/// outlives it. (The kernel closes the pipe's write end with its last holder; nothing is polled.)
struct StandardInputLifeline: Service {
    /// The descriptor watched; standard input unless a test passes another.
    let descriptor: Int32

    init(descriptor: Int32 = STDIN_FILENO) { self.descriptor = descriptor }

    func run() async throws {
        // The blocking read has a thread of its own (never a task of the cooperative pool); its end
        // arrives as the stream's one element. A graceful stop for another reason cancels the wait.
        let (ended, continuation) = AsyncStream<Void>.makeStream()
        let descriptor = self.descriptor
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if n > 0 || (n < 0 && errno == EINTR) { continue }
                break
            }
            continuation.yield()
            continuation.finish()
        }
        reader.name = "gavel-stdin-lifeline"
        reader.start()
        await cancelWhenGracefulShutdown {
            for await _ in ended { break }
        }
    }
}
