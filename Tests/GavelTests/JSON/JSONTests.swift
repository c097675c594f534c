import Testing
@testable import Gavel

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

    @Test("invalid JSON is an error with a position", arguments: [
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
