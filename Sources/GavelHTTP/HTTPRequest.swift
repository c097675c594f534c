import Foundation

/// One HTTP request for the transport: method, URL, headers, body and its time limits.
public struct HTTPRequest: Sendable {
    /// The HTTP methods Gavel uses.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    public var url: String
    /// Header fields in the order they are sent. Values may hold secrets: they never appear in errors.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Time allowed to establish the connection.
    public var connectTimeout: Duration
    /// Time allowed for the whole transfer, connection included.
    public var timeout: Duration

    public init(
        method: Method = .post,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        connectTimeout: Duration = .seconds(10),
        timeout: Duration = .seconds(120)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up, at least 1.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, ms))
    }
}
