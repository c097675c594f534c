import Foundation
import GavelTesting
import Testing

@testable import GavelJSON

/// Files as Python writes them: a byte order mark, `NaN` and `Infinity`, and bytes that are not UTF-8.
@Suite("Python-written JSONL: BOM, NaN, invalid UTF-8")
struct PythonWrittenInputTests {
    static let python =
        ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/python3" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }

    @Test(
        "a file Python wrote with a BOM and NaN metrics ranks; every output line reads back with json.loads, NaN kept",
        .enabled(if: python != nil, "needs python3 to write and read the files"))
    func bomAndNaN() async throws {
        let python = try #require(Self.python)
        let dir = try TempDir()
        let input = dir.path("py.jsonl"), output = dir.path("out.jsonl")
        let writer = """
            import json, math, sys
            with open(sys.argv[1], "w", encoding="utf-8-sig") as f:
                for g in range(3):
                    for q in (0.2, 0.9):
                        t = {"messages": [{"role": "user", "content": "task %d" % g},
                                          {"role": "assistant", "content": "QUALITY=%s" % q}],
                             "reward": float("nan") if q < 0.5 else 1.0,
                             "metrics": {"loss": float("nan"), "tokens": float("inf"), "floor": float("-inf")},
                             "metadata": {"group_id": "g%d" % g}}
                        f.write(json.dumps(t) + "\\n")
            """
        let wrote = try await runProduct(python, ["-c", writer, input])
        #expect(wrote.status == 0, "\(wrote.stderr)")
        let raw = try #require(FileManager.default.contents(atPath: input))
        #expect(Array(raw.prefix(3)) == [0xEF, 0xBB, 0xBF], "Python did not write a BOM")
        #expect(String(decoding: raw, as: UTF8.self).contains("NaN"))

        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", input, "-o", output, "--judge", "openai/sim", "--api-base", sim.baseURL, "--quiet"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        let reader = """
            import json, math, sys
            lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
            assert len(lines) == 6, len(lines)
            for line in lines:
                o = json.loads(line)
                assert math.isnan(o["metrics"]["loss"]), o["metrics"]
                assert o["metrics"]["tokens"] == float("inf") and o["metrics"]["floor"] == float("-inf")
                assert 0 <= o["reward"] <= 1 and not math.isnan(o["reward"])
                assert "error" not in o["gavel"], o["gavel"]
                if o["metadata"]["group_id"] and "QUALITY=0.2" in line:
                    assert math.isnan(o["metrics"]["independent_reward"])
            print("ok")
            """
        let read = try await runProduct(python, ["-c", reader, output])
        #expect(read.status == 0 && read.stdout.contains("ok"), "stdout: \(read.stdout) stderr: \(read.stderr)")
        // The BOM stays out of the output and the spliced lines keep NaN byte for byte.
        let out = try #require(FileManager.default.contents(atPath: output))
        #expect(out.first == UInt8(ascii: "{"))
        #expect(String(decoding: out, as: UTF8.self).contains(#""loss": NaN, "tokens": Infinity, "floor": -Infinity"#))
    }

    @Test("NaN, Infinity and -Infinity parse as numbers whose text is kept; they are no Double and no Int")
    func parserNonFinite() throws {
        let v = try JSONParser.parse(#"{"a":NaN,"b":Infinity,"c":-Infinity,"d":[NaN]}"#)
        #expect(v["a"] == .number("NaN") && v["b"] == .number("Infinity") && v["c"] == .number("-Infinity"))
        #expect(JSONWriter.string(v) == #"{"a":NaN,"b":Infinity,"c":-Infinity,"d":[NaN]}"#)
        #expect(v["a"]?.doubleValue == nil && v["b"]?.intValue == nil)
        #expect(JSONValue.double(.nan) == .null)
        for bad in ["nan", "Inf", "-NaN", "+Infinity", "Infinityx"] {
            #expect(throws: JSONError.self) { try JSONParser.parse(bad) }
        }
    }

    @Test(
        "the UTF-8 check accepts valid text and finds the first invalid byte",
        arguments: [
            ([0x61, 0x62], nil),
            (Array("käse 日本 🎉 plain ascii runs of more than eight bytes".utf8), nil),
            ([0x61, 0xFF, 0x62], 1),
            ([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC3], 8),  // truncated at the end
            ([0xC0, 0xAF], 0),  // overlong '/'
            ([0xED, 0xA0, 0x80], 0),  // a surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0xE2, 0x82, 0x41], 0),  // bad continuation
        ] as [([UInt8], Int?)])
    func utf8(_ bytes: [UInt8], _ expected: Int?) {
        let found = bytes.withUnsafeBufferPointer { buf in buf.baseAddress.flatMap { ByteScan.firstInvalidUTF8($0, end: buf.count) } }
        #expect(found == expected)
    }

    @Test("a line that is not UTF-8 is an error at its line, or skipped; its bytes never reach the output")
    func invalidUTF8() async throws {
        let good = Array(#"{"group_id":"g","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"QUALITY=0.5"}]}"#.utf8)
        let bad = Array(#"{"group_id":"g","messages":[{"role":"user","content":"caf"#.utf8) + [0xE9] + Array(#""}]}"#.utf8)
        let dir = try TempDir()
        let input = dir.path("latin1.jsonl")
        #expect(FileManager.default.createFile(atPath: input, contents: Data(good + [0x0A] + bad + [0x0A] + good + [0x0A])))
        try await withSimulator { sim in
            let r = try await runProduct(
                "gavel", ["rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL])
            #expect(r.status == 2)
            #expect(r.stderr.contains("latin1.jsonl:2: invalid UTF-8 at byte 58"), "stderr: \(r.stderr)")
            #expect(sim.stats.snapshot.requests == 0)
            let skip = try await runProduct(
                "gavel",
                [
                    "rank", input, "-o", dir.path("out.jsonl"), "--judge", "openai/sim", "--api-base", sim.baseURL, "--on-invalid", "skip",
                    "--quiet",
                ])
            #expect(skip.status == 0, "stderr: \(skip.stderr)")
        }
        let out = try #require(FileManager.default.contents(atPath: dir.path("out.jsonl")))
        #expect(!out.contains(0xE9))
        #expect(try parseJSONL(String(decoding: out, as: UTF8.self)).count == 2)
    }
}
