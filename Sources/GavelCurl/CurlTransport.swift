import CCurl
import Foundation
import GavelHTTP
import Synchronization

/// HTTP over one libcurl multi handle driven by its own thread, exposed as `async`.
///
/// Connections are cached and reused across requests, HTTP/2 is negotiated over TLS,
/// and each request carries its own connect and total timeouts. Cancelling the awaiting
/// task removes the transfer. Deinitialising the transport stops its thread.
public final class CurlTransport: HTTPTransport {
    /// Settings of the transport.
    public struct Configuration: Sendable {
        /// Most connections open to one host at once; further transfers wait for a free one.
        public var maxConnectionsPerHost: Int
        /// Largest response body accepted; larger ones fail with `TransportError.responseTooLarge`.
        public var maxResponseBytes: Int
        /// The CAs trusted and the client certificate presented over https.
        public var tls: TLSTrust

        public init(maxConnectionsPerHost: Int = 256, maxResponseBytes: Int = 32 << 20, tls: TLSTrust = .init()) {
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxResponseBytes = maxResponseBytes
            self.tls = tls
        }
    }

    private let engine: CurlEngine

    public init(configuration: Configuration = .init()) throws {
        CurlGlobal.initialize()
        engine = try CurlEngine(configuration: configuration)
        engine.start()
    }

    deinit { engine.stop() }

    /// Totals since start: requests completed and connections opened.
    public var statistics: (requests: Int, connections: Int) { engine.statistics }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = CurlTransfer(request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if transfer.attach(continuation) { engine.submit(transfer) }
            }
        } onCancel: {
            if transfer.markCancelled() { engine.cancel(transfer) }
        }
    }
}

/// The curl thread and its multi handle. Curl state is touched only on that thread;
/// other threads talk to it through a locked command queue and `curl_multi_wakeup`.
final class CurlEngine: @unchecked Sendable {
    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
    }

    private struct Shared {
        var commands: [Command] = []
        var stopping = false
        var requests = 0
        var connections = 0
    }

    private let multi: UnsafeMutableRawPointer
    /// TLS sessions shared by every transfer, so a new connection resumes a session instead of a
    /// full handshake. Only the curl thread uses it, so it needs no lock callbacks.
    private let share: UnsafeMutableRawPointer?
    private let configuration: CurlTransport.Configuration
    /// The TLS trust as handed to every transfer, resolved once.
    private let tls: TLSTrust
    private let shared = Mutex(Shared())
    private let exited = DispatchSemaphore(value: 0)
    /// Active transfers by easy handle; only the curl thread touches it.
    private var active: [UnsafeMutableRawPointer: CurlEasyHandle] = [:]

    init(configuration: CurlTransport.Configuration) throws {
        guard let m = curl_multi_init() else { throw TransportError.invalidRequest("curl_multi_init failed") }
        multi = m
        self.configuration = configuration
        self.tls = configuration.tls.effective
        let perHost = max(1, configuration.maxConnectionsPerHost)
        gavel_multi_setopt_long(m, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        gavel_multi_setopt_long(m, CURLMOPT_MAXCONNECTS, max(perHost, 16))
        gavel_multi_setopt_long(m, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        // As many HTTP/2 streams per connection as calls may be in flight (curl's default is 100;
        // the server's own limit still applies). With the default, libcurl 7.88 opened a new
        // connection for every transfer over the first connection's 100, before learning it could
        // have waited: 157 connections for 256 streams.
        gavel_multi_setopt_long(m, CURLMOPT_MAX_CONCURRENT_STREAMS, perHost)
        share = curl_share_init()
        if let share { gavel_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue)) }
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "gavel-curl"
        thread.start()
    }

    func stop() {
        shared.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
        exited.wait()
        curl_multi_cleanup(multi)
        if let share { curl_share_cleanup(share) }
    }

    var statistics: (requests: Int, connections: Int) {
        shared.withLock { ($0.requests, $0.connections) }
    }

    func submit(_ transfer: CurlTransfer) {
        let stopping = shared.withLock { s -> Bool in
            if !s.stopping { s.commands.append(.add(transfer)) }
            return s.stopping
        }
        if stopping { transfer.finish(.failure(TransportError.shutDown("the transport was shut down"))) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        shared.withLock { $0.commands.append(.cancel(transfer)) }
        curl_multi_wakeup(multi)
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (commands, stopping) = shared.withLock { s -> ([Command], Bool) in
                let c = s.commands
                s.commands.removeAll(keepingCapacity: true)
                return (c, s.stopping)
            }
            if stopping {
                for cmd in commands {
                    if case .add(let t) = cmd { t.finish(.failure(TransportError.shutDown("the transport was shut down"))) }
                }
                for (_, easy) in active { remove(easy, with: .failure(TransportError.shutDown("the transport was shut down"))) }
                exited.signal()
                return
            }
            for command in commands {
                switch command {
                case .add(let transfer): add(transfer)
                case .cancel(let transfer):
                    if let easy = active.values.first(where: { $0.transfer === transfer }) {
                        remove(
                            easy,
                            with: .failure(TransportError.cancelled("\(URLText.redacted(transfer.request.url)): the task was cancelled")))
                    }
                }
            }
            curl_multi_perform(multi, &running)
            drainFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func add(_ transfer: CurlTransfer) {
        do {
            let easy = try CurlEasyHandle(transfer: transfer, maxResponseBytes: configuration.maxResponseBytes, tls: tls, share: share)
            let code = curl_multi_add_handle(multi, easy.handle)
            guard code == CURLM_OK else {
                transfer.finish(.failure(TransportError.invalidRequest(String(cString: curl_multi_strerror(code)))))
                return
            }
            active[easy.handle] = easy
        } catch {
            transfer.finish(.failure(error))
        }
    }

    private func remove(_ easy: CurlEasyHandle, with result: Result<HTTPResponse, any Error>) {
        curl_multi_remove_handle(multi, easy.handle)
        active[easy.handle] = nil
        easy.transfer.finish(result)
    }

    private func drainFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let easy = active[handle]
            else { continue }
            let code = message.pointee.data.result
            let result: Result<HTTPResponse, any Error>
            if code == CURLE_OK {
                let response = easy.finishedResponse()
                shared.withLock {
                    $0.requests += 1; $0.connections += response.newConnections
                }
                result = .success(response)
            } else {
                result = .failure(easy.error(for: code))
            }
            remove(easy, with: result)
        }
    }
}
