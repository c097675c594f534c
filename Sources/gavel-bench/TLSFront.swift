import Foundation
import GavelTesting

/// Debian's nginx as an https front for the simulator on loopback: one port speaking HTTP/1.1,
/// one speaking HTTP/2, both with a certificate from a throw-away CA made with openssl(1).
final class TLSFront {
    let folder: String
    let http1Port: Int
    let http2Port: Int
    private let process = Process()

    /// The CA bundle that trusts the front's certificate: the system's bundle plus the throw-away CA,
    /// so clients pay what they pay against a public judge (parsing ~140 certificates).
    var caFile: String { "\(folder)/bundle.pem" }
    /// The same trust as a hashed folder (the system's certificates and the throw-away CA), which is
    /// how Gavel reads the system's trust by default.
    var caDirectory: String { "\(folder)/certs" }
    var http1BaseURL: String { "https://127.0.0.1:\(http1Port)/v1" }
    var http2BaseURL: String { "https://127.0.0.1:\(http2Port)/v1" }

    init(backendPort: Int, work: String) throws {
        guard let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BenchError("the https benchmark needs nginx (apt-get install nginx-light)")
        }
        folder = URL(fileURLWithPath: work).appendingPathComponent("tls-front-\(getpid())").standardizedFileURL.path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: "\(folder)/logs", withIntermediateDirectories: true)
        _ = try ThrowawayCA(in: folder)
        let system = (try? String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8)) ?? ""
        try (system + "\n" + String(contentsOfFile: "\(folder)/ca.pem", encoding: .utf8)).write(
            toFile: "\(folder)/bundle.pem", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(folder)/certs", withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/etc/ssl/certs")) ?? [] where name.hasSuffix(".pem") {
            try? FileManager.default.copyItem(atPath: "/etc/ssl/certs/\(name)", toPath: "\(folder)/certs/\(name)")
        }
        try FileManager.default.copyItem(atPath: "\(folder)/ca.pem", toPath: "\(folder)/certs/gavel-bench-ca.pem")
        let rehash = try runChild("/usr/bin/openssl", ["rehash", "\(folder)/certs"])
        guard rehash.status == 0 else { throw BenchError("openssl rehash failed: \(rehash.stderr)") }
        http1Port = try Self.freePort()
        http2Port = try Self.freePort()
        let conf = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(folder)/nginx.pid;
            error_log \(folder)/logs/error.log warn;
            events { worker_connections 4096; }
            http {
              access_log off;
              upstream sim { server 127.0.0.1:\(backendPort); keepalive 512; }
              ssl_certificate \(folder)/server.pem;
              ssl_certificate_key \(folder)/server.key;
              ssl_session_cache shared:SSL:10m;
              client_body_temp_path \(folder)/body;
              proxy_temp_path \(folder)/proxy;
              client_max_body_size 64m;
              client_body_buffer_size 1m;
              http2_max_concurrent_streams 256;
              keepalive_requests 100000;
              server {
                listen 127.0.0.1:\(http1Port) ssl;
                location / { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
              }
              server {
                listen 127.0.0.1:\(http2Port) ssl http2;
                location / { proxy_pass http://sim; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
              }
            }
            """
        try conf.write(toFile: "\(folder)/nginx.conf", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", folder, "-c", "\(folder)/nginx.conf", "-e", "\(folder)/logs/error.log"]
        process.standardError = FileHandle(forWritingAtPath: "\(folder)/logs/stderr.log") ?? FileHandle.standardError
        try process.run()
        // Wait until both ports accept connections.
        for _ in 0..<200 {
            if Self.accepts(http1Port), Self.accepts(http2Port) { return }
            usleep(20_000)
        }
        throw BenchError("nginx did not start; see \(folder)/logs")
    }

    /// Stops nginx: a fast shutdown, then SIGKILL if it lingers on open keep-alive connections.
    func stop() {
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
