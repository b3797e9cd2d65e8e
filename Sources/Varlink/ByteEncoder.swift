// A reply's parameters written straight to JSON text, without building the
// `JSON` tree first: what `VarlinkEncoder.encodeObject` gives, serialized,
// except that members come in the order the value encodes them. A value
// that asks for a nested container or a super encoder (none of this
// protocol's types do) is encoded through the tree instead. A value that
// writes itself (`JSONWritable`) does so.

extension VarlinkEncoder {
    /// The JSON text of `value`'s members as an object: its own nil optionals
    /// as null, those of the objects inside it left out, as `encodeObject`.
    public func encodeObjectBytes(_ value: some Encodable) throws -> [UInt8] {
        if let writable = value as? any JSONWritable { return JSONObjectWriter.bytes(of: writable) }
        let sink = ByteSink()
        let encoder = ByteEncoder(sink: sink, path: .root, explicitNulls: true)
        do {
            try value.encode(to: encoder)
            if sink.needsTree { throw ByteEncoder.NeedsTree() }
            guard case .object = encoder.state else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not encoded as an object"))
            }
            encoder.finish()
            return sink.bytes
        } catch is ByteEncoder.NeedsTree {
            var bytes: [UInt8] = []
            JSON.object(try encodeObject(value)).write(into: &bytes)
            return bytes
        }
    }
}

final class ByteSink {
    var bytes: [UInt8] = []
    /// A nested container or a super encoder was asked for: the stream cannot close it.
    var needsTree = false
    init(capacity: Int = 4096) { bytes.reserveCapacity(capacity) }
}

final class ByteEncoder: Encoder {
    /// A shape this encoder cannot stream: the caller encodes through the tree.
    struct NeedsTree: Error {}

    enum State {
        case empty
        case object(members: Int)
        case array(elements: Int)
        case single
    }

    let sink: ByteSink
    let path: CodingPathLink
    let explicitNulls: Bool
    var state = State.empty
    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(sink: ByteSink, path: CodingPathLink, explicitNulls: Bool = false) {
        self.sink = sink
        self.path = path
        self.explicitNulls = explicitNulls
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .empty = state {
            sink.bytes.append(UInt8(ascii: "{"))
            state = .object(members: 0)
        }
        return KeyedEncodingContainer(ByteKeyedEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .empty = state {
            sink.bytes.append(UInt8(ascii: "["))
            state = .array(elements: 0)
        }
        return ByteUnkeyedEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { ByteSingleEncoder(encoder: self) }

    /// For a shape the stream cannot close: marks the encoding for the tree and
    /// hands out an encoder whose writes go nowhere.
    func refuse() -> ByteEncoder {
        sink.needsTree = true
        return ByteEncoder(sink: ByteSink(capacity: 0), path: path)
    }

    /// Closes what the value opened, once its `encode(to:)` has returned.
    func finish() {
        switch state {
        case .object: sink.bytes.append(UInt8(ascii: "}"))
        case .array: sink.bytes.append(UInt8(ascii: "]"))
        case .single: break
        case .empty: sink.bytes.append(contentsOf: "null".utf8)  // encoded nothing, as the tree has it
        }
    }

    /// Starts member `key` of this encoder's object: a comma after the first, the name, a colon.
    func member(_ key: String) throws {
        guard case .object(let members) = state else { throw NeedsTree() }
        if members > 0 { sink.bytes.append(UInt8(ascii: ",")) }
        state = .object(members: members + 1)
        JSON.writeString(key, into: &sink.bytes)
        sink.bytes.append(UInt8(ascii: ":"))
    }

    /// Starts the next element of this encoder's array.
    func element() throws -> Int {
        guard case .array(let elements) = state else { throw NeedsTree() }
        if elements > 0 { sink.bytes.append(UInt8(ascii: ",")) }
        state = .array(elements: elements + 1)
        return elements
    }

    /// Writes `value` where the sink stands: a scalar directly, anything else
    /// through an encoder of its own at `path`.
    func write<T: Encodable>(_ value: T, at path: @autoclosure () -> CodingPathLink) throws {
        if let json = VarlinkEncoder.primitive(value) {
            json.write(into: &sink.bytes)
            return
        }
        let child = ByteEncoder(sink: sink, path: path())
        try value.encode(to: child)
        child.finish()
    }
}

struct ByteKeyedEncoder<K: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ByteEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func scalar(_ json: JSON, _ key: K) throws {
        try encoder.member(key.stringValue)
        json.write(into: &encoder.sink.bytes)
    }

    mutating func encodeNil(forKey key: K) throws { try scalar(.null, key) }
    mutating func encode(_ value: Bool, forKey key: K) throws { try scalar(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: K) throws {
        try encoder.member(key.stringValue)
        JSON.writeString(value, into: &encoder.sink.bytes)
    }
    mutating func encode(_ value: Double, forKey key: K) throws { try scalar(.double(value), key) }
    mutating func encode(_ value: Int, forKey key: K) throws { try scalar(.int(value), key) }
    mutating func encode(_ value: some Encodable, forKey key: K) throws {
        try encoder.member(key.stringValue)
        try encoder.write(value, at: encoder.path.appending(key))
    }

    // nil members: left out, or null where the encoder says so.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: K) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: K) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: K) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: K) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: K) throws { try present(value, key) }

    private mutating func present(_ value: (some Encodable)?, _ key: K) throws {
        if let value {
            try encode(value, forKey: key)
        } else if encoder.explicitNulls {
            try encodeNil(forKey: key)
        }
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) -> KeyedEncodingContainer<N> {
        encoder.refuse().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer(forKey key: K) -> any UnkeyedEncodingContainer { encoder.refuse().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { encoder.refuse() }
    mutating func superEncoder(forKey key: K) -> any Encoder { encoder.refuse() }
}

struct ByteUnkeyedEncoder: UnkeyedEncodingContainer {
    let encoder: ByteEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int {
        if case .array(let elements) = encoder.state { return elements }
        return 0
    }

    private func scalar(_ json: JSON) throws {
        _ = try encoder.element()
        json.write(into: &encoder.sink.bytes)
    }

    mutating func encodeNil() throws { try scalar(.null) }
    mutating func encode(_ value: Bool) throws { try scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { try scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { try scalar(.double(value)) }
    mutating func encode(_ value: Int) throws { try scalar(.int(value)) }
    mutating func encode(_ value: some Encodable) throws {
        let index = try encoder.element()
        try encoder.write(value, at: encoder.path.appending(Key(intValue: index)))
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) -> KeyedEncodingContainer<N> {
        encoder.refuse().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder.refuse().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { encoder.refuse() }
}

struct ByteSingleEncoder: SingleValueEncodingContainer {
    let encoder: ByteEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func scalar(_ json: JSON) throws {
        guard case .empty = encoder.state else { throw ByteEncoder.NeedsTree() }
        encoder.state = .single
        json.write(into: &encoder.sink.bytes)
    }

    mutating func encodeNil() throws { try scalar(.null) }
    mutating func encode(_ value: Bool) throws { try scalar(.bool(value)) }
    mutating func encode(_ value: String) throws { try scalar(.string(value)) }
    mutating func encode(_ value: Double) throws { try scalar(.double(value)) }
    mutating func encode(_ value: Int) throws { try scalar(.int(value)) }
    mutating func encode(_ value: some Encodable) throws {
        guard case .empty = encoder.state else { throw ByteEncoder.NeedsTree() }
        encoder.state = .single
        try encoder.write(value, at: encoder.path)
    }
}
