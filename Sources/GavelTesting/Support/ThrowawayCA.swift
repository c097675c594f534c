import Foundation
import GavelSupport

/// A throw-away CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl(1),
/// for https tests and benchmarks on loopback. Immutable once made.
public final class ThrowawayCA: @unchecked Sendable {
    /// The folder holding `ca.pem`, `server.pem`, `server.key`, `client.pem` and `client.key`.
    public let folder: String
    /// Removes the folder when this CA goes away, when the CA made it.
    private let owned: TempDir?

    public var ca: String { "\(folder)/ca.pem" }
    public var serverCert: String { "\(folder)/server.pem" }
    public var serverKey: String { "\(folder)/server.key" }
    public var clientCert: String { "\(folder)/client.pem" }
    public var clientKey: String { "\(folder)/client.key" }

    /// openssl(1), if the machine has it.
    public static let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A failure of openssl(1).
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Makes the certificates in `folder`, or in a temporary folder removed with the CA. Blocks on
    /// openssl: from async code use `make(in:)`.
    public init(in folder: String? = nil) throws {
        guard let openssl = Self.openssl else { throw Failure(description: "openssl(1) is not installed") }
        owned = folder == nil ? try TempDir() : nil
        self.folder = folder ?? owned?.url.path ?? NSTemporaryDirectory()
        let dir = self.folder
        func run(_ args: [String]) throws {
            let child = try ChildProcess(openssl, args, stdout: .null)
            let (_, message) = child.readOutputs()
            guard child.wait() == 0 else {
                throw Failure(description: "openssl \(args.first ?? ""): \(String(decoding: message, as: UTF8.self))")
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(
            ["req", "-x509"] + ec + [
                "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "2", "-subj", "/CN=gavel throw-away test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        for (name, subject, usage) in [("server", "/CN=127.0.0.1", "serverAuth"), ("client", "/CN=gavel test client", "clientAuth")] {
            try run(["req"] + ec + ["-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr", "-subj", subject])
            try "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=\(usage)\n".write(
                toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
            try run([
                "x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key", "-CAcreateserial",
                "-out", "\(dir)/\(name).pem", "-days", "2", "-extfile", "\(dir)/\(name).ext",
            ])
        }
    }

    /// Makes the certificates off the cooperative pool.
    public static func make(in folder: String? = nil) async throws -> ThrowawayCA {
        try await offload { try ThrowawayCA(in: folder) }
    }
}
