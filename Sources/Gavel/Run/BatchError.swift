/// Why a batch operation failed: the provider refused, the manifest is missing or unreadable. It
/// lives beside RankFailure, which maps it to an exit status; the batch jobs are in GavelBatch.
public struct BatchError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable { case unsupported, refused, manifest, transport }
    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// A judge whose provider has no batch API Gavel speaks.
    package static func unsupported(_ message: String) -> BatchError { .init(.unsupported, message) }
    /// The provider answered a batch call with an error.
    package static func refused(_ message: String) -> BatchError { .init(.refused, message) }
    /// The manifest is missing, unreadable or from another version.
    package static func manifest(_ message: String) -> BatchError { .init(.manifest, message) }
    /// The provider could not be reached.
    package static func transport(_ message: String) -> BatchError { .init(.transport, message) }

    /// True when the provider could not be reached (exit status 3, as for live calls).
    public var isUnreachable: Bool { code == .transport }
    /// True when the provider refused a batch call (a bad key, say: exit status 3).
    public var isRefused: Bool { code == .refused }
}
