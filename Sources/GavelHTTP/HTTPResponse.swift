/// A complete HTTP response: status, header fields and body, plus transfer facts.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header fields of the final response, names lower-cased, in arrival order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// New connections this transfer had to open (0 when a cached connection was reused).
    public var newConnections: Int
    /// The HTTP version used: 1 for HTTP/1.x, 2 for HTTP/2, 3 for HTTP/3.
    public var httpVersion: Int

    public init(
        status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], newConnections: Int = 0, httpVersion: Int = 1
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.newConnections = newConnections
        self.httpVersion = httpVersion
    }

    /// The first value of a header field, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }

    /// The body decoded as UTF-8 (invalid bytes repaired).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
