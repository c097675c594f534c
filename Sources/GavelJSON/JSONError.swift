/// Why a JSON text could not be parsed, and where (byte offset from the start of the text).
public struct JSONError: Error, Sendable, CustomStringConvertible {
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset + 1): \(message)" }
}
