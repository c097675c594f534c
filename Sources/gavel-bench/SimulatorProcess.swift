import Foundation
import GavelCurl
import GavelHTTP

/// A `gavel-judge-sim` child process on a free loopback port, stopped on `stop()`.
final class SimulatorProcess {
    let process = Process()
    let port: Int

    init(arguments: [String]) throws {
        let sim = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gavel-judge-sim")
        process.executableURL = sim
        process.arguments = ["--port", "0"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        // The first line says where it listens.
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: "127.0.0.1:"), let end = text[r.upperBound...].firstIndex(of: "/"),
            let port = Int(text[r.upperBound..<end])
        else {
            throw BenchError("the simulator did not start: \(text)")
        }
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// The simulator's counters (`GET /stats`).
    func stats() async throws -> [String: Any] {
        let response = try await CurlTransport().send(HTTPRequest(method: .get, url: "http://127.0.0.1:\(port)/stats"))
        guard let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw BenchError("cannot read the simulator's stats")
        }
        return object
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// A benchmark failure with a message.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Wall-clock seconds since an arbitrary start.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
