import Foundation
import GavelJSON
import GavelTesting
import Testing

@testable import Gavel
@testable import GavelBatch

/// The pure parts of batch ranking: splitting, the manifest, validating an answer.
@Suite struct BatchUnitTests {
    static func request(_ i: Int, bytes: Int) -> BatchRequest {
        BatchRequest(customID: String(format: "%064d", i), member: 0, body: .string(String(repeating: "x", count: bytes)), ids: 3)
    }

    @Test func splitsByRequestsAndBytesInOrder() {
        let requests = (0..<10).map { Self.request($0, bytes: 100) }
        let byCount = BatchJob.split(requests, limits: (requests: 4, bytes: 1 << 20))
        #expect(byCount.map(\.count) == [4, 4, 2])
        #expect(byCount.flatMap { $0 }.map(\.customID) == requests.map(\.customID))
        // Each request is ~100 + 64 + 80 + quotes bytes: three fit in 800.
        let byBytes = BatchJob.split(requests, limits: (requests: 100, bytes: 800))
        #expect(byBytes.map(\.count) == [3, 3, 3, 1])
        // A request larger than the byte limit still goes, alone.
        #expect(BatchJob.split([Self.request(0, bytes: 5000)], limits: (requests: 10, bytes: 800)).map(\.count) == [1])
    }

    @Test func manifestRoundTripsAndRefusesStrangers() throws {
        let dir = try TempDir()
        var m = BatchManifest()
        m.command = ["batch", "submit", "in.jsonl"]
        m.entries.append(
            .init(
                id: "batch_1", api: "openai", judge: "openai/gpt-4.1-mini", identity: "abc", baseURL: "https://api.openai.com/v1",
                inputFile: "file-1", created: "2026-11-26T00:00:00Z", calls: [("k1", 4), ("k2", 8)], collected: false))
        try m.write(to: dir.path("m.json"))
        let back = try BatchManifest.read(dir.path("m.json"))
        #expect(back.entries.count == 1)
        #expect(back.entries[0].calls.map(\.key) == ["k1", "k2"] && back.entries[0].calls.map(\.ids) == [4, 8])
        #expect(back.entries[0].identity == "abc" && !back.entries[0].collected && back.command == m.command)
        let stranger = try dir.write("s.json", #"{"version": 99, "batches": []}"#)
        #expect(throws: BatchError.self) { try BatchManifest.read(stranger) }
        #expect(throws: BatchError.self) { try BatchManifest.read(dir.path("missing.json")) }
    }

    @Test func answersAreValidatedAsLiveOnes() throws {
        let good =
            #"{"choices":[{"message":{"role":"assistant","content":"{\"scores\":[{\"trajectory_id\":\"1\",\"explanation\":\"a\","#
            + #"\"score\":0.2},{\"trajectory_id\":\"2\",\"explanation\":\"b\",\"score\":0.9}]}"}}],"usage":{"prompt_tokens":10,"#
            + #""completion_tokens":5}}"#
        let verdict = try BatchJob.verdict(Array(good.utf8), ids: 2, style: .openAI).get()
        #expect(verdict.scores == [0.2, 0.9] && verdict.usage.prompt == 10)
        // One id short: refused, as a live answer would be (and judged live later).
        let short =
            #"{"choices":[{"message":{"role":"assistant","content":"{\"scores\":[{\"trajectory_id\":\"1\",\"explanation\":\"a\","#
            + #"\"score\":0.2}]}"}}]}"#
        guard case .failure = BatchJob.verdict(Array(short.utf8), ids: 2, style: .openAI) else {
            Issue.record("an answer missing an id was accepted")
            return
        }
    }
}
