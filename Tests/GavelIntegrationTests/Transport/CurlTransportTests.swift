import Foundation
import GavelTesting
import Testing

@testable import GavelCurl
@testable import GavelHTTP

@Suite("libcurl transport against the judge simulator")
struct CurlTransportTests {
    @Test("256 concurrent requests are all answered")
    func concurrentRequests() async throws {
        // Each answer takes 500 ms, so requests overlap at the simulator even when a loaded machine opens
        // the connections slowly (at 50 ms a fresh-clone CI run once saw only 32 at once).
        try await withSimulator(.init(latencyMs: 500)) { sim in
            let transport = try CurlTransport()
            let url = sim.baseURL + "/chat/completions"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<256 {
                    group.addTask {
                        try await transport.send(HTTPRequest(url: url, body: chatBody(blocks: ["QUALITY=0.\(i % 10)"]))).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 256)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(sim.stats.snapshot.requests == 256)
            #expect(sim.stats.snapshot.maxInFlight > 32, "requests should run concurrently")
        }
    }

    @Test("connections are reused from curl's cache")
    func connectionReuse() async throws {
        try await withSimulator { sim in
            let transport = try CurlTransport()
            let url = sim.baseURL + "/chat/completions"
            for _ in 0..<30 {
                let response = try await transport.send(HTTPRequest(url: url, body: chatBody(blocks: ["a", "b"])))
                #expect(response.status == 200)
            }
            // A second wave in parallel may open a few more, but far fewer than requests.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<60 { group.addTask { _ = try await transport.send(HTTPRequest(url: url, body: chatBody(blocks: ["c"]))) } }
                try await group.waitForAll()
            }
            let stats = transport.statistics
            #expect(stats.requests == 90)
            #expect(stats.connections >= 1)
            #expect(stats.connections <= 61, "opened \(stats.connections) connections for 90 requests")
        }
    }

    @Test("responses carry status, headers and body")
    func responseParts() async throws {
        try await withSimulator(.init(fail429: 1, retryAfterSeconds: 3)) { sim in
            let transport = try CurlTransport()
            let response = try await transport.send(HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x"])))
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "3")
            #expect(response.bodyText.contains("Rate limit"))
            let stats = try await transport.send(HTTPRequest(method: .get, url: "http://127.0.0.1:\(sim.port)/stats"))
            #expect(stats.status == 200)
            #expect(stats.bodyText.contains("\"requests\":1"))
        }
    }

    @Test("a total timeout fires")
    func totalTimeout() async throws {
        try await withSimulator(.init(latencyMs: 3000)) { sim in
            let transport = try CurlTransport()
            let request = HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x"]), timeout: .milliseconds(200))
            await #expect(throws: TransportError.timeout) { try await transport.send(request) }
        }
    }

    @Test("cancelling the awaiting task ends the transfer")
    func cancellation() async throws {
        // A slow answer, so that even a starved test process cancels before it comes.
        try await withSimulator(.init(latencyMs: 30000)) { sim in
            let transport = try CurlTransport()
            let request = HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x"]))
            let task = Task { try await transport.send(request) }
            // Wait until the request reached the server, then cancel.
            for _ in 0..<200 where sim.stats.snapshot.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(sim.stats.snapshot.requests == 1)
            task.cancel()
            let result = await task.result
            #expect(throws: TransportError.cancelled) { try result.get() }
        }
    }

    @Test("a task cancelled before sending never sends")
    func cancelledBeforeSend() async throws {
        try await withSimulator { sim in
            let transport = try CurlTransport()
            let request = HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x"]))
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await transport.send(request)
            }
            let result = await task.result
            #expect(throws: TransportError.cancelled) { try result.get() }
            #expect(sim.stats.snapshot.requests == 0)
        }
    }

    @Test("an oversized body gives the size error")
    func oversized() async throws {
        try await withSimulator { sim in
            let transport = try CurlTransport(configuration: .init(maxResponseBytes: 100))
            let request = HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x", "y", "z"]))
            let error = await #expect(throws: TransportError.responseTooLarge) { try await transport.send(request) }
            #expect(error?.description.contains("100-byte limit") == true)
        }
    }

    @Test("connection refused is a clear typed error without secrets")
    func connectionRefused() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        let transport = try CurlTransport()
        let secret = "sk-test-SECRET-0123456789"
        let request = HTTPRequest(
            url: "http://127.0.0.1:\(port)/v1/chat/completions?key=\(secret)",
            headers: [("Authorization", "Bearer \(secret)")], body: chatBody(blocks: ["x"]))
        let error = await #expect(throws: TransportError.connectionRefused) { try await transport.send(request) }
        let text = "\(String(describing: error))"
        #expect(text.contains("connection refused"))
        #expect(text.contains("127.0.0.1"))
        #expect(!text.contains(secret))
        #expect(!text.contains("Bearer"))
    }

    @Test("no API key appears in any transport error")
    func noKeyInErrors() async throws {
        let secret = "sk-live-DO-NOT-LEAK-42"
        try await withSimulator(.init(latencyMs: 2000, dropConnection: 0)) { sim in
            let transport = try CurlTransport(configuration: .init(maxResponseBytes: 10))
            let headers: [(name: String, value: String)] = [("Authorization", "Bearer \(secret)"), ("x-api-key", secret)]
            let cases = [
                HTTPRequest(
                    url: sim.baseURL + "/chat/completions?api_key=\(secret)", headers: headers, body: chatBody(blocks: ["x"]),
                    timeout: .milliseconds(100)),
                HTTPRequest(
                    url: "http://user:\(secret)@127.0.0.1:\(sim.port)/v1/chat/completions", headers: headers, body: chatBody(blocks: ["x"]),
                    timeout: .milliseconds(100)),
                HTTPRequest(url: "not a url \(secret)", headers: headers),
            ]
            for request in cases {
                do {
                    _ = try await transport.send(request)
                    Issue.record("expected an error")
                } catch {
                    #expect(!"\(error)".contains(secret), "leaked in: \(error)")
                }
            }
        }
    }

    @Test("a dropped connection is a retryable connection-lost error")
    func droppedConnection() async throws {
        try await withSimulator(.init(dropConnection: 1)) { sim in
            let transport = try CurlTransport()
            let error = await #expect(throws: TransportError.connectionLost) {
                try await transport.send(HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["x"])))
            }
            #expect(error?.isRetryable == true)
        }
    }

    @Test("a slow body still arrives whole")
    func slowBody() async throws {
        try await withSimulator(.init(slowBody: 1)) { sim in
            let transport = try CurlTransport()
            let response = try await transport.send(
                HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: ["QUALITY=0.25"])))
            #expect(response.status == 200)
            #expect(response.bodyText.contains("\\\"score\\\":0.25"))
        }
    }

    @Test("a body over 1 MiB is sent without a 100-continue stall and arrives intact")
    func largeBody() async throws {
        try await withSimulator { sim in
            let transport = try CurlTransport()
            let big = String(repeating: "lorem ipsum ", count: 120_000) + "QUALITY=0.75"
            let response = try await transport.send(
                // 60 s: a debug simulator parses 1.4 MB slowly on a loaded machine (5 s timed out in a full run).
                HTTPRequest(url: sim.baseURL + "/chat/completions", body: chatBody(blocks: [big]), timeout: .seconds(60)))
            #expect(response.status == 200)
            #expect(response.bodyText.contains("\\\"score\\\":0.75"))
        }
    }

    @Test("loopback detection")
    func loopback() {
        #expect(URLText.isLoopback("http://127.0.0.1:8080/v1"))
        #expect(URLText.isLoopback("http://localhost/v1"))
        #expect(URLText.isLoopback("http://[::1]:99/"))
        #expect(!URLText.isLoopback("https://api.openai.com/v1"))
        #expect(!URLText.isLoopback("http://127.0.0.1.evil.com/"))
    }
}
