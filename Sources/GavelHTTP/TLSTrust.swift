import Foundation

/// Which certificates a TLS connection trusts and presents: a private CA for self-hosted judges
/// or proxies that re-sign traffic, and a client certificate for mutual TLS. Verification is
/// never turned off.
public struct TLSTrust: Sendable, Equatable {
    /// A PEM bundle of trusted CAs, replacing the system's (curl's `CAINFO`).
    public var caFile: String?
    /// A folder of hashed CA certificates, replacing the system's (curl's `CAPATH`).
    public var caDirectory: String?
    /// A PEM client certificate, for judges that require mutual TLS.
    public var clientCertificate: String?
    /// The client certificate's PEM private key.
    public var clientKey: String?

    public init(caFile: String? = nil, caDirectory: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    /// The system's hashed CA folder (`/etc/ssl/certs` with `openssl rehash` links, as Debian and
    /// Ubuntu keep it), used when nothing else is configured: OpenSSL then reads only the issuer
    /// it needs for each connection, where curl's default — parsing the whole bundle file — costs
    /// ~20 ms of CPU per new connection with OpenSSL 3 (libcurl 7.88's CA-store cache does not take).
    public static let systemDirectory: String? = {
        let folder = "/etc/ssl/certs"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let hashed = names.contains { name in
            let parts = name.split(separator: ".")
            return parts.count == 2 && parts[0].count == 8 && parts[0].allSatisfy(\.isHexDigit) && parts[1].allSatisfy(\.isNumber)
        }
        return hashed ? folder : nil
    }()

    /// The bundle file the system builds from that folder (Debian's `update-ca-certificates`).
    public static let systemBundle = "/etc/ssl/certs/ca-certificates.crt"

    /// The trust as curl should get it, with at most one of `caFile` and `caDirectory` set: a file
    /// that is the system's own bundle (many environments export it as SSL_CERT_FILE or
    /// CURL_CA_BUNDLE) is read through the system's hashed folder instead — the same certificates,
    /// looked up one at a time; with nothing configured, the system's folder too. Resolves
    /// symlinks on disk: compute it once per transport, not per request.
    public var effective: TLSTrust {
        var trust = self
        if let file = caFile {
            if let folder = Self.systemDirectory, Self.resolved(file) == Self.resolved(Self.systemBundle) {
                (trust.caFile, trust.caDirectory) = (nil, folder)
            } else {
                trust.caDirectory = nil
            }
        } else {
            trust.caDirectory = caDirectory ?? Self.systemDirectory
            if trust.caDirectory == nil { trust.caFile = Self.otherSystemBundle }
        }
        return trust
    }

    /// Where other Linux families keep their CA bundle (Fedora/RHEL, openSUSE, Alpine), as Go's
    /// crypto/x509 looks for it. libcurl has Debian's path compiled in — the one the wheel carries
    /// too — so on a machine without Debian's hashed folder or bundle, the first of these found is used.
    public static let otherBundles = [
        "/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
    ]

    /// The system's bundle when it is not Debian's: nil where Debian's file exists (curl finds it).
    static let otherSystemBundle: String? = otherSystemBundle(exists: { FileManager.default.isReadableFile(atPath: $0) })

    static func otherSystemBundle(exists: (String) -> Bool) -> String? {
        exists(systemBundle) ? nil : otherBundles.first(where: exists)
    }

    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// The environment variables that name a CA bundle, in the order they are honoured after
    /// `--ca-cert` (OpenSSL's, curl's, then Python requests').
    public static let environmentVariables = ["SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE"]

    /// The trust for a run: `caFile` if given, else the first of `environmentVariables` that is set
    /// (`SSL_CERT_DIR` names a folder), else the system's; the client certificate as given.
    public static func resolve(caFile: String?, clientCertificate: String?, clientKey: String?, environment: [String: String]) -> TLSTrust {
        var trust = TLSTrust(caFile: caFile, clientCertificate: clientCertificate, clientKey: clientKey)
        if caFile == nil {
            for name in environmentVariables {
                guard let value = environment[name], !value.isEmpty else { continue }
                if name == "SSL_CERT_DIR" { trust.caDirectory = value } else { trust.caFile = value }
                break
            }
        }
        return trust
    }
}
