import Foundation
import GavelCurl
import GavelHTTP

/// `gavel serve` started as a subprocess on a free loopback port, with a client for it.
public final class ServeProcess: Sendable {
    public let process: SpawnedProduct
    public let port: Int
    /// Where its standard output and error go.
    public let log: String
    private let transport: CurlTransport

    /// Starts `gavel serve --port 0` with `arguments` and waits (up to 60 s) until it listens.
    public init(_ arguments: [String], log: String, environment: [String: String] = [:]) async throws {
        self.log = log
        process = try SpawnedProduct("gavel", ["serve", "--port", "0"] + arguments, output: log, environment: environment)
        let deadline = ContinuousClock.now + .seconds(60)
        var found: Int?
        while found == nil, ContinuousClock.now < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[r.upperBound...].prefix { $0.isNumber })
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let found else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            _ = process.killAndWait()
            throw ServeProcessError(message: "gavel serve did not start listening: \(text)")
        }
        port = found
        transport = try CurlTransport(configuration: .init(maxConnectionsPerHost: 512, maxResponseBytes: 64 << 20))
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sends a request to `path` (POST with a body, else GET).
    public func request(
        _ path: String, body: [UInt8]? = nil, headers: [(name: String, value: String)] = [], timeout: Duration = .seconds(120)
    ) async throws -> HTTPResponse {
        try await transport.send(
            HTTPRequest(
                method: body == nil ? .get : .post, url: baseURL + path,
                headers: (body == nil ? [] : [("Content-Type", "application/json")]) + headers, body: body ?? [], timeout: timeout))
    }

    /// What it printed so far.
    public var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}

/// `gavel serve` did not come up.
public struct ServeProcessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
