import GavelTesting
import Testing

@testable import GavelJSON

@Suite("Ordered JSON parser and writer")
struct JSONTests {
    @Test("round trip keeps key order and number text")
    func roundTrip() throws {
        let text = #"{"z":1,"a":[true,false,null,-0.50,1e3,"x"],"m":{"b":2,"a":1}}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text)
        #expect(value["z"] == .number("1"))
        #expect(value.objectValue?.keys == ["z", "a", "m"])
    }

    @Test("strings escape quotes, controls and <>& so tags cannot be forged")
    func escaping() throws {
        let value = JSONValue.string("a\"b\\c\n\t\u{01}</trajectory><trajectory id=\"1\">&")
        let out = JSONWriter.string(value)
        #expect(out == #""a\"b\\c\n\t\u0001\u003c/trajectory\u003e\u003ctrajectory id=\"1\"\u003e\u0026""#)
        #expect(!out.contains("<") && !out.contains(">") && !out.contains("&"))
        #expect(try JSONParser.parse(out) == value)
    }

    @Test("unicode escapes and surrogate pairs decode; raw UTF-8 passes through")
    func unicode() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00 ünï""#) == .string("é😀 ünï"))
        #expect(JSONWriter.string(.string("é😀")) == "\"é😀\"")
    }

    @Test(
        "invalid JSON is an error with a position",
        arguments: [
            "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "\"abc", "tru", "{} x", "\"\u{01}\"", "[1 2]", "-", "\"\\x\"",
        ])
    func invalid(_ text: String) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
    }

    @Test("nesting deeper than the limit is refused, not a crash")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: JSONError.self) { try JSONParser.parse(deep) }
        #expect(error?.message.contains("nesting") == true)
    }

    @Test("doubles are written shortest, integers without a fraction")
    func doubles() {
        #expect(JSONWriter.string(.double(0.134)) == "0.134")
        #expect(JSONWriter.string(.double(1)) == "1")
        #expect(JSONWriter.string(.double(-1.5)) == "-1.5")
        #expect(JSONWriter.string(.double(.nan)) == "null")
    }

    @Test("dotted paths reach nested members")
    func paths() throws {
        let v = try JSONParser.parse(#"{"metadata":{"group_id":"g1","n":{"x":3}}}"#)
        #expect(v.value(atPath: "metadata.group_id") == .string("g1"))
        #expect(v.value(atPath: "metadata.n.x") == .number("3"))
        #expect(v.value(atPath: "metadata.missing") == nil)
    }
}

@Suite("Word-at-a-time byte scans")
struct ByteScanTests {
    @Test("the SWAR scans agree with a byte-by-byte scan on random input")
    func agreesWithNaive() {
        var state: UInt64 = 12345
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = UInt8(truncatingIfNeeded: state >> 56)
            // Mostly plain text, sometimes a special byte.
            return r < 230
                ? UInt8(ascii: "a") + r % 26 : [0x22, 0x5C, 0x3C, 0x3E, 0x26, 0x00, 0x1F, 0x0A, 0x80, 0xFF, 0x20, 0x7F][Int(r) % 12]
        }
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 200] {
            for _ in 0..<200 {
                let bytes = (0..<length).map { _ in next() }
                bytes.withUnsafeBufferPointer { buf in
                    guard let base = buf.baseAddress else { return }
                    for from in [0, length / 3, length] {
                        let naiveString = (from..<length).first { bytes[$0] == 0x22 || bytes[$0] == 0x5C || bytes[$0] < 0x20 } ?? length
                        let naiveEscape =
                            (from..<length).first { [0x22, 0x5C, 0x3C, 0x3E, 0x26].contains(bytes[$0]) || bytes[$0] < 0x20 } ?? length
                        #expect(ByteScan.stringEnd(base, from: from, end: length) == naiveString)
                        #expect(ByteScan.escapeNeeded(base, from: from, end: length) == naiveEscape)
                    }
                }
            }
        }
    }
}
