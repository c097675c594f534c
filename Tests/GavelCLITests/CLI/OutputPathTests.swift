import Foundation
import GavelTesting
import Testing

/// `-o` never replaces what it does not own: devices, FIFOs and symlinks stay what they are.
@Suite("gavel rank -o: special files, symlinks, leftovers")
struct OutputPathTests {
    static let example = TestPaths.repo.appendingPathComponent("Examples/art-trajectory-lines.jsonl").path

    private func rank(_ output: String, _ sim: JudgeSimulator) async throws -> ProcessResult {
        try await runProduct("gavel", ["rank", Self.example, "-o", output, "--judge", "openai/sim", "--api-base", sim.baseURL, "--quiet"])
    }

    private func kind(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }

    @Test("a FIFO's reader gets the output and the FIFO stays a FIFO")
    func fifo() async throws {
        let dir = try TempDir()
        let fifo = dir.path("ranked.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader opens the FIFO (blocking until gavel opens it for writing) and reads to EOF.
        nonisolated(unsafe) var received = Data()
        let done = DispatchSemaphore(value: 0)
        Thread {
            if let handle = FileHandle(forReadingAtPath: fifo) { received = handle.readDataToEndOfFile() }
            done.signal()
        }.start()
        try await withSimulator { sim in
            let r = try await rank(fifo, sim)
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        #expect(done.wait(timeout: .now() + 30) == .success, "the FIFO's reader never finished")
        #expect(try parseJSONL(String(decoding: received, as: UTF8.self)).count == 8)
        #expect(kind(fifo) == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["ranked.fifo"])
    }

    @Test(
        "a character device made with mknod stays a device node",
        .enabled(if: getuid() == 0, "mknod of a character device needs root"))
    func characterDevice() async throws {
        let dir = try TempDir()
        let null = dir.path("null")
        // The null device's numbers (1, 3), in a temporary folder: never the machine's /dev/null.
        #expect(mknod(null, S_IFCHR | 0o666, 0x103) == 0)  // makedev(1, 3)
        try await withSimulator { sim in
            let r = try await rank(null, sim)
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        #expect(kind(null) == S_IFCHR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["null"])
    }

    @Test("a symlink stays a symlink, its target gets the output and keeps its permission bits")
    func symlink() async throws {
        let dir = try TempDir()
        try FileManager.default.createDirectory(atPath: dir.path("real"), withIntermediateDirectories: true)
        let target = try dir.write("real/ranked.jsonl", "old\n")
        #expect(chmod(target, 0o600) == 0)
        let link = dir.path("ranked.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real/ranked.jsonl")
        try await withSimulator { sim in
            let r = try await rank(link, sim)
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        #expect(kind(link) == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real/ranked.jsonl")
        #expect(try parseJSONL(try dir.read("real/ranked.jsonl")).count == 8)
        var info = stat()
        #expect(stat(target, &info) == 0 && info.st_mode & 0o7777 == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("real")) == ["ranked.jsonl"])
    }

    @Test("a dangling symlink's target is created")
    func danglingSymlink() async throws {
        let dir = try TempDir()
        let link = dir.path("ranked.jsonl")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: dir.path("target.jsonl"))
        try await withSimulator { sim in
            let r = try await rank(link, sim)
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        #expect(kind(link) == S_IFLNK)
        #expect(try parseJSONL(try dir.read("target.jsonl")).count == 8)
    }

    @Test("a killed run's temporary output is removed by the next run to the same path; a live one's stays")
    func leftovers() async throws {
        let dir = try TempDir()
        let stale = try dir.write(".ranked.jsonl.gavel-Ab12Cd", "half a line")
        let live = try dir.write(".ranked.jsonl.gavel-Xy34Zw", "being written")
        let other = try dir.write(".ranked.jsonl.gavel-notmine.txt", "not ours")
        // A live run holds its temporary file locked.
        let liveFD = open(live, O_RDONLY)
        defer { close(liveFD) }
        #expect(flock(liveFD, LOCK_EX) == 0)
        try await withSimulator { sim in
            let r = try await rank(dir.path("ranked.jsonl"), sim)
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(try parseJSONL(try dir.read("ranked.jsonl")).count == 8)
    }

    @Test("-o naming a directory fails before any judge call")
    func directory() async throws {
        let dir = try TempDir()
        try await withSimulator { sim in
            let r = try await rank(dir.url.path, sim)
            #expect(r.status == 2, "stderr: \(r.stderr)")
            #expect(r.stderr.contains("is a directory"), "stderr: \(r.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
        }
    }
}
