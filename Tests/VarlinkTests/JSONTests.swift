import Testing
@testable import Varlink

@Suite struct JSONTests {
    @Test func parsesAndSerializesEveryType() throws {
        let text = #"{"a":[1,-2,3.5,1e3,true,false,null],"b":{"c":"d\n\"e\"\u00e9\ud83d\ude00"},"n":-0.25}"#
        let value = try JSON(parsing: text)
        #expect(value["a"] == [1, -2, 3.5, 1000.0, true, false, nil])
        #expect(value["b"]?["c"] == .string("d\n\"e\"é😀"))
        #expect(value["n"] == .double(-0.25))
        // Serializing and parsing again gives the same value.
        #expect(try JSON(parsing: value.serialized()) == value)
    }

    @Test func serializesControlCharactersAndSortsKeys() {
        let value: JSON = ["z": "a\u{01}b", "a": 1]
        #expect(value.text == #"{"a":1,"z":"a\u0001b"}"#)
    }

    @Test(arguments: [
        ("", JSONError.Reason.unexpectedEnd), ("{", .unexpectedEnd), ("{\"a\" 1}", .unexpectedByte),
        ("[1,]", .unexpectedByte), ("01", .trailingData), ("1.", .invalidNumber), ("-", .invalidNumber),
        ("\"\\x\"", .invalidEscape), ("\"\\ud800\"", .invalidEscape), ("\"a\nb\"", .controlCharacter),
        ("{\"a\":1,\"a\":2}", .duplicateKey), ("[1] [2]", .trailingData), ("nul", .unexpectedEnd),
        ("1e999", .invalidNumber), ("'a'", .unexpectedByte),
    ])
    func rejectsMalformedJSON(_ text: String, _ reason: JSONError.Reason) {
        #expect(throws: JSONError.self) { try JSON(parsing: text) }
        do { _ = try JSON(parsing: text) } catch { #expect(error.reason == reason, "\(text)") }
    }

    @Test func rejectsInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            do {
                _ = try JSON(parsing: bytes)
                Issue.record("accepted \(bytes)")
            } catch {
                #expect(error.reason == .invalidUTF8)
            }
        }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError(reason: .tooDeep, offset: 64)) { try JSON(parsing: deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSON(parsing: fine) }
    }

    @Test func integersStayIntegers() throws {
        #expect(try JSON(parsing: "9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSON(parsing: "99999999999999999999") == .double(1e20))
        #expect(JSON.double(120).text == "120.0")
    }
}
