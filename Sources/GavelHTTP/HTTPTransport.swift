/// Something that sends HTTP requests asynchronously: the libcurl transport, or a test double for pure logic.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the complete response, or throws a `TransportError`.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
