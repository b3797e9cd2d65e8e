import Testing
@testable import Varlink

/// Codable values to and from JSON, as the interface's types travel.
@Suite struct CodableTests {
    struct Inner: Codable, Equatable {
        var n: Int
        var label: String?
    }

    struct Outer: Codable, Equatable {
        var id: Int
        var ratio: Double
        var flag: Bool
        var name: String
        var note: String?
        var inner: Inner
        var list: [Inner]
        var map: [String: Bool]
        var optionalList: [Int]?
        var raw: JSON?
    }

    let value = Outer(
        id: 7, ratio: 1.5, flag: true, name: "x", note: nil, inner: Inner(n: 1, label: nil), list: [Inner(n: 2, label: "b")],
        map: ["a": true], optionalList: [1, 2], raw: ["k": 1])

    @Test func roundTripsEveryKindOfMember() throws {
        let json = try VarlinkEncoder().encode(value)
        #expect(try VarlinkDecoder().decode(Outer.self, from: json) == value)
    }

    @Test func nilMembersAreLeftOutInsideAndNullAtTheTop() throws {
        let members = try VarlinkEncoder().encodeObject(value)
        #expect(members["note"] == .null, "a reply names its own fields, null when absent")
        #expect(members["inner"] == ["n": 1], "objects inside leave their nil members out")
        #expect(try VarlinkEncoder().encode(value)["note"] == nil)
    }

    @Test func anIntIsNotAFloatButAFloatTakesAnInt() throws {
        struct F: Codable { var x: Double }
        struct I: Codable { var x: Int }
        #expect(try VarlinkDecoder().decode(F.self, from: ["x": 3]).x == 3)
        #expect(throws: DecodingError.self) { try VarlinkDecoder().decode(I.self, from: ["x": 3.5]) }
    }

    @Test func missingAndNullDecodeAsNilAndUnknownMembersAreIgnored() throws {
        let decoded = try VarlinkDecoder().decode(Inner.self, from: ["n": 4, "label": nil, "newer": "field"])
        #expect(decoded == Inner(n: 4, label: nil))
    }

    @Test func aWrongTypeNamesItsPath() throws {
        do {
            _ = try VarlinkDecoder().decode(Outer.self, from: try VarlinkEncoder().encode(value).replacing(path: ["list"], with: [["n": "two"]]))
            Issue.record("decoded a string as an int")
        } catch let DecodingError.typeMismatch(_, context) {
            #expect(varlinkPath(context.codingPath) == "list[0].n")
        }
    }
}

extension JSON {
    /// A copy with the member at `path` replaced.
    func replacing(path: [String], with value: JSON) -> JSON {
        guard let first = path.first, case .object(var members) = self else { return value }
        members[first] = (members[first] ?? .null).replacing(path: Array(path.dropFirst()), with: value)
        return .object(members)
    }
}
