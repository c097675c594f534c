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
