import Foundation
import GavelTesting
import Testing

@testable import GavelHTTP
@testable import GavelJSON

@Suite(
    "https judges with a private CA and mutual TLS", .enabled(if: ThrowawayCA.openssl != nil, "needs openssl(1) to make a throw-away CA"))
struct TLSTrustTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    private func rank(_ sim: JudgeSimulator, _ extra: [String], env: [String: String] = [:]) async throws -> ProcessResult {
        try await runProduct(
            "gavel",
            ["rank", Self.example, "--judge", "openai/sim", "--api-base", sim.baseURL, "--cache", "off", "--max-retries", "0"] + extra,
            environment: env, removing: TLSTrust.environmentVariables)
    }

    @Test("a self-signed CA: TLS fails without --ca-cert, with a hint; succeeds with it and with SSL_CERT_FILE")
    func privateCA() async throws {
        let ca = try await ThrowawayCA.make()
        try await withSimulator(.init(tls: .init(certificateChain: ca.serverCert, privateKey: ca.serverKey))) { sim in
            #expect(sim.baseURL.hasPrefix("https://127.0.0.1:"))
            let untrusted = try await rank(sim, [])
            #expect(untrusted.status != 0)
            #expect(untrusted.stderr.contains("certificate"), "stderr: \(untrusted.stderr)")
            #expect(untrusted.stderr.contains("--ca-cert"), "stderr: \(untrusted.stderr)")
            #expect(sim.stats.snapshot.requests == 0)

            let flag = try await rank(sim, ["--ca-cert", ca.ca])
            #expect(flag.status == 0, "stderr: \(flag.stderr)")
            #expect(try parseJSONL(flag.stdout).count == 8)
            let env = try await rank(sim, [], env: ["SSL_CERT_FILE": ca.ca])
            #expect(env.status == 0, "stderr: \(env.stderr)")
            let requests = try await rank(sim, [], env: ["REQUESTS_CA_BUNDLE": ca.ca])
            #expect(requests.status == 0, "stderr: \(requests.stderr)")
            #expect(sim.stats.snapshot.requests == 6)
        }
    }

    @Test("mutual TLS: refused without a client certificate, judged with --client-cert/--client-key")
    func mutualTLS() async throws {
        let ca = try await ThrowawayCA.make()
        try await withSimulator(.init(tls: .init(certificateChain: ca.serverCert, privateKey: ca.serverKey, clientCA: ca.ca))) { sim in
            let anonymous = try await rank(sim, ["--ca-cert", ca.ca])
            #expect(anonymous.status != 0)
            #expect(sim.stats.snapshot.requests == 0)
            let client = try await rank(sim, ["--ca-cert", ca.ca, "--client-cert", ca.clientCert, "--client-key", ca.clientKey])
            #expect(client.status == 0, "stderr: \(client.stderr)")
            #expect(sim.stats.snapshot.requests == 2)
        }
    }

    @Test("the trust's order: --ca-cert, then SSL_CERT_FILE, SSL_CERT_DIR, CURL_CA_BUNDLE, REQUESTS_CA_BUNDLE")
    func resolution() {
        let all = ["SSL_CERT_FILE": "a", "SSL_CERT_DIR": "b", "CURL_CA_BUNDLE": "c", "REQUESTS_CA_BUNDLE": "d"]
        #expect(TLSTrust.resolve(caFile: "flag", clientCertificate: nil, clientKey: nil, environment: all) == TLSTrust(caFile: "flag"))
        #expect(TLSTrust.resolve(caFile: nil, clientCertificate: nil, clientKey: nil, environment: all) == TLSTrust(caFile: "a"))
        #expect(
            TLSTrust.resolve(
                caFile: nil, clientCertificate: nil, clientKey: nil, environment: ["SSL_CERT_DIR": "b", "CURL_CA_BUNDLE": "c"])
                == TLSTrust(caDirectory: "b"))
        #expect(
            TLSTrust.resolve(
                caFile: nil, clientCertificate: nil, clientKey: nil, environment: ["REQUESTS_CA_BUNDLE": "d", "SSL_CERT_FILE": ""])
                == TLSTrust(caFile: "d"))
        #expect(TLSTrust.resolve(caFile: nil, clientCertificate: nil, clientKey: nil, environment: [:]) == TLSTrust())
    }

    @Test(
        "the system's bundle is read through its hashed folder; other bundles as given",
        .enabled(if: TLSTrust.systemDirectory != nil, "needs the system's hashed CA folder (/etc/ssl/certs)"))
    func effectiveTrust() throws {
        let folder = try #require(TLSTrust.systemDirectory)
        #expect(TLSTrust().effective.caFile == nil && TLSTrust().effective.caDirectory == folder)
        let system = TLSTrust(caFile: "/etc/ssl/certs/ca-certificates.crt").effective
        #expect(system.caFile == nil && system.caDirectory == folder)
        let mine = TLSTrust(caFile: "/srv/my-ca.pem").effective
        #expect(mine.caFile == "/srv/my-ca.pem" && mine.caDirectory == nil)
        #expect(TLSTrust(caDirectory: "/srv/cas").effective.caDirectory == "/srv/cas")
    }

    @Test("on a system without Debian's bundle (Fedora, Alpine: where the wheel's libcurl would look in vain), its own bundle is found")
    func otherSystemsBundle() {
        #expect(TLSTrust.otherSystemBundle(exists: { $0 == TLSTrust.systemBundle || $0 == "/etc/ssl/cert.pem" }) == nil)
        #expect(TLSTrust.otherSystemBundle(exists: { $0 == "/etc/ssl/cert.pem" }) == "/etc/ssl/cert.pem")
        #expect(
            TLSTrust.otherSystemBundle(exists: { $0.hasPrefix("/etc/pki/") || $0 == "/etc/ssl/cert.pem" })
                == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(TLSTrust.otherSystemBundle(exists: { _ in false }) == nil)
    }
}
