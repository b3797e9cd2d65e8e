import Testing
@testable import Varlink

/// Replies written straight to bytes say what the tree says.
@Suite struct ByteEncoderTests {
    struct Inner: Codable, Equatable {
        var name: String
        var note: String?
        var values: [Double]
    }

    /// Two containers on one encoder, as the flattened wire types use.
    struct Flat: Codable, Equatable {
        var inner: Inner
        var extra: Int
        init(inner: Inner, extra: Int) {
            self.inner = inner
            self.extra = extra
        }
        enum Extra: String, CodingKey { case extra }
        init(from decoder: any Decoder) throws {
            inner = try Inner(from: decoder)
            extra = try decoder.container(keyedBy: Extra.self).decode(Int.self, forKey: .extra)
        }
        func encode(to encoder: any Encoder) throws {
            try inner.encode(to: encoder)
            var c = encoder.container(keyedBy: Extra.self)
            try c.encode(extra, forKey: .extra)
        }
    }

    /// A nested container: the stream hands it to the tree.
    struct Nested: Encodable {
        enum Keys: String, CodingKey { case outer, inner }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var n = c.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try n.encode("x\n\"y\"", forKey: .inner)
        }
    }

    struct Reply: Codable, Equatable {
        var id: Int
        var missing: String?
        var flag: Bool
        var items: [Inner]
        var flat: Flat
        var optionalInner: Inner?
        var words: [String: Int]
        var empty: [Int]
    }

    func same(_ value: some Encodable) throws {
        let tree = JSON.object(try VarlinkEncoder().encodeObject(value))
        let bytes = try VarlinkEncoder().encodeObjectBytes(value)
        #expect(try JSON(parsing: bytes) == tree, "\(String(decoding: bytes, as: UTF8.self))")
    }

    @Test func theStreamAndTheTreeAgree() throws {
        let inner = Inner(name: "a \"quoted\" \\ name\u{1}", note: nil, values: [0, -0.0, 1.5, 1e300, 42])
        try same(Reply(
            id: Int.max, missing: nil, flag: true, items: [inner, Inner(name: "é", note: "n", values: [])],
            flat: Flat(inner: inner, extra: -7), optionalInner: nil, words: ["b": 2, "a": 1], empty: []))
        try same(Flat(inner: inner, extra: 0))
        try same(Nested())
        // The reply's own nil members are null, those inside are left out, as with the tree.
        let text = String(decoding: try VarlinkEncoder().encodeObjectBytes(Flat(inner: inner, extra: 1)), as: UTF8.self)
        #expect(text.contains(#""note":null"#))
        let deeper = String(decoding: try VarlinkEncoder().encodeObjectBytes(
            Reply(id: 1, missing: nil, flag: false, items: [inner], flat: Flat(inner: inner, extra: 1), optionalInner: nil,
                  words: [:], empty: [])), as: UTF8.self)
        #expect(deeper.contains(#""missing":null"#) && deeper.contains(#""optionalInner":null"#))
        #expect(!deeper.contains(#""items":[{"name":"a \"quoted\" \\ name\u0001","note""#))
    }
}
