/// `Codable` values to and from `JSON`, so a Varlink interface's types can be
/// Swift structs whose property names are the IDL's field names: one
/// declaration, read by the server and the client alike.
///
/// Numbers keep the IDL's two kinds: an `Int` property is a JSON integer (a
/// float is refused), a `Double` property takes either. An optional that is
/// nil is left out, as the IDL's `?T` allows; a missing or null member
/// decodes as nil. Members a type does not declare are ignored when decoding,
/// so a client reads replies from a newer server.
public struct VarlinkEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSON {
        if let json = Self.primitive(value) { return json }
        let encoder = ValueEncoder(path: .root)
        try value.encode(to: encoder)
        return encoder.slot.value
    }

    /// An object's members, for a call's or a reply's parameters. Its own
    /// optional members that are nil are written as null (a client may read
    /// every field a reply declares); those of the objects inside it are left out.
    public func encodeObject(_ value: some Encodable) throws -> [String: JSON] {
        let encoder = ValueEncoder(path: .root)
        encoder.explicitNulls = true
        try value.encode(to: encoder)
        guard case .object(let members) = encoder.slot.value else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not encoded as an object"))
        }
        return members
    }

    /// The JSON of a value that needs no container, without building an encoder.
    static func primitive<T: Encodable>(_ value: T) -> JSON? {
        // Compared as types first (a pointer comparison), cast only when it is one.
        if T.self == String.self { return .string(value as! String) }
        if T.self == Int.self { return .int(value as! Int) }
        if T.self == Double.self { return .double(value as! Double) }
        if T.self == Bool.self { return .bool(value as! Bool) }
        if T.self == JSON.self { return (value as! JSON) }
        if let string = value as? any VarlinkString { return .string(string.varlinkString) }
        return nil
    }
}

/// A value the wire carries as one JSON string (a date, a time, a word of an
/// enumeration): encoded straight to its string, with no encoder or container
/// of its own. Its `Encodable` conformance must write the same string.
public protocol VarlinkString: Encodable {
    var varlinkString: String { get }
}

extension VarlinkString where Self: RawRepresentable, Self.RawValue == String {
    public var varlinkString: String { rawValue }
}

public struct VarlinkDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try ValueDecoder(value: json, codingPath: []).decodeValue(type)
    }

    public func decode<T: Decodable>(_ type: T.Type, from members: [String: JSON]) throws -> T {
        try decode(type, from: .object(members))
    }
}

extension JSON: Codable {
    public init(from decoder: any Decoder) throws {
        guard let decoder = decoder as? ValueDecoder else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "JSON decodes only from JSON"))
        }
        self = decoder.value
    }

    public func encode(to encoder: any Encoder) throws {
        guard let encoder = encoder as? ValueEncoder else {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "JSON encodes only to JSON"))
        }
        encoder.slot.value = self
    }
}

/// A coding path as the IDL checks name parameters: `delivery.trains`, `items[2]`.
public func varlinkPath(_ path: [any CodingKey]) -> String {
    var out = ""
    for key in path {
        if let index = key.intValue {
            out += "[\(index)]"
        } else {
            out += (out.isEmpty ? "" : ".") + key.stringValue
        }
    }
    return out
}

// MARK: - Encoding

/// Where an encoder's value goes: filled in place by the containers it hands
/// out. A nested container's slot writes each change through to its parent.
final class Slot {
    var value: JSON = .null {
        didSet { writeThrough?(value) }
    }
    var writeThrough: ((JSON) -> Void)?

    init() {}

    /// A slot for the member `key` of `parent`'s object.
    init(member key: String, of parent: Slot) {
        writeThrough = { value in
            guard case .object(var members) = parent.value else { return }
            members[key] = value
            parent.value = .object(members)
        }
    }

    /// A slot for the element `index` of `parent`'s array.
    init(element index: Int, of parent: Slot) {
        writeThrough = { value in
            guard case .array(var elements) = parent.value, elements.indices.contains(index) else { return }
            elements[index] = value
            parent.value = .array(elements)
        }
    }
}

/// A coding path as a link to its parent's: appending a key costs one small
/// node, not a copy of the whole path; the array is built only when asked for
/// (an error's context).
struct CodingPathLink {
    final class Node {
        let key: any CodingKey
        let parent: Node?
        init(key: any CodingKey, parent: Node?) {
            self.key = key
            self.parent = parent
        }
    }

    let node: Node?
    static var root: CodingPathLink { CodingPathLink(node: nil) }

    func appending(_ key: any CodingKey) -> CodingPathLink { CodingPathLink(node: Node(key: key, parent: node)) }

    var keys: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node = node
        while let n = node {
            keys.append(n.key)
            node = n.parent
        }
        return keys.reversed()
    }
}

final class ValueEncoder: Encoder {
    let path: CodingPathLink
    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let slot = Slot()
    /// Whether this value's own nil members are written as null.
    var explicitNulls = false

    init(path: CodingPathLink) { self.path = path }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // Room for most of this protocol's objects, so their members go in without a rehash.
        if case .object = slot.value {} else { slot.value = .object(Dictionary(minimumCapacity: 12)) }
        return KeyedEncodingContainer(KeyedEncoder<Key>(slot: slot, path: path, explicitNulls: explicitNulls))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = slot.value {} else { slot.value = .array([]) }
        return UnkeyedEncoder(slot: slot, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoder(slot: slot, path: path) }

    /// Encodes `value` at `path` into a JSON value of its own.
    static func json(_ value: some Encodable, at path: @autoclosure () -> CodingPathLink) throws -> JSON {
        if let json = VarlinkEncoder.primitive(value) { return json }
        let encoder = ValueEncoder(path: path())
        try value.encode(to: encoder)
        return encoder.slot.value
    }
}

struct Key: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

struct KeyedEncoder<K: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let path: CodingPathLink
    var codingPath: [any CodingKey] { path.keys }
    var explicitNulls = false

    private func set(_ value: JSON, _ key: K) {
        guard case .object(var members) = slot.value else { return }
        slot.value = .null  // keeps `members` uniquely referenced while it changes
        members[key.stringValue] = value
        slot.value = .object(members)
    }

    mutating func encodeNil(forKey key: K) throws { set(.null, key) }

    // nil members: left out, or null where the container says so.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: K) throws { scalar(value.map(JSON.bool), key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: K) throws { scalar(value.map(JSON.string), key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: K) throws { scalar(value.map(JSON.double), key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: K) throws { scalar(value.map(JSON.int), key) }

    private func scalar(_ value: JSON?, _ key: K) {
        if let value {
            set(value, key)
        } else if explicitNulls {
            set(.null, key)
        }
    }
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: K) throws { try present(value, key) }

    private mutating func present(_ value: (some Encodable)?, _ key: K) throws {
        if let value {
            try encode(value, forKey: key)
        } else if explicitNulls {
            set(.null, key)
        }
    }
    mutating func encode(_ value: Bool, forKey key: K) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: K) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: K) throws { set(.double(value), key) }
    mutating func encode(_ value: Int, forKey key: K) throws { set(.int(value), key) }
    mutating func encode(_ value: some Encodable, forKey key: K) throws {
        set(try ValueEncoder.json(value, at: path.appending(key)), key)
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) -> KeyedEncodingContainer<N> {
        // Nested containers are rare in this protocol's types: encode through a child and copy it in on demand.
        let child = Slot(member: key.stringValue, of: slot)
        child.value = .object([:])
        return KeyedEncodingContainer(KeyedEncoder<N>(slot: child, path: path.appending(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: K) -> any UnkeyedEncodingContainer {
        let child = Slot(member: key.stringValue, of: slot)
        child.value = .array([])
        return UnkeyedEncoder(slot: child, path: path.appending(key))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: K(stringValue: "super")!) }
    mutating func superEncoder(forKey key: K) -> any Encoder {
        let encoder = ValueEncoder(path: path.appending(key))
        let parent = slot
        encoder.slot.value = .null
        return ForwardingEncoder(inner: encoder) { value in
            if case .object(var members) = parent.value {
                members[key.stringValue] = value
                parent.value = .object(members)
            }
        }
    }
}

/// An encoder whose result is handed on when asked for (superEncoder).
final class ForwardingEncoder: Encoder {
    let inner: ValueEncoder
    let deliver: (JSON) -> Void
    init(inner: ValueEncoder, deliver: @escaping (JSON) -> Void) {
        self.inner = inner
        self.deliver = deliver
    }
    deinit { deliver(inner.slot.value) }
    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<K: CodingKey>(keyedBy type: K.Type) -> KeyedEncodingContainer<K> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let slot: Slot
    let path: CodingPathLink
    var codingPath: [any CodingKey] { path.keys }
    var count: Int {
        if case .array(let elements) = slot.value { return elements.count }
        return 0
    }

    private func append(_ value: JSON) {
        guard case .array(var elements) = slot.value else { return }
        slot.value = .null
        elements.append(value)
        slot.value = .array(elements)
    }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Int) throws { append(.int(value)) }
    mutating func encode(_ value: some Encodable) throws {
        append(try ValueEncoder.json(value, at: path.appending(Key(intValue: count))))
    }

    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) -> KeyedEncodingContainer<N> {
        let index = count
        append(.object([:]))
        let child = Slot(element: index, of: slot)
        child.value = .object([:])
        return KeyedEncodingContainer(KeyedEncoder<N>(slot: child, path: path.appending(Key(intValue: index))))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let index = count
        append(.array([]))
        let child = Slot(element: index, of: slot)
        child.value = .array([])
        return UnkeyedEncoder(slot: child, path: path.appending(Key(intValue: index)))
    }

    mutating func superEncoder() -> any Encoder {
        let index = count
        append(.null)
        let parent = slot
        return ForwardingEncoder(inner: ValueEncoder(path: path.appending(Key(intValue: index)))) { value in
            if case .array(var elements) = parent.value, elements.indices.contains(index) {
                elements[index] = value
                parent.value = .array(elements)
            }
        }
    }
}

struct SingleEncoder: SingleValueEncodingContainer {
    let slot: Slot
    let path: CodingPathLink
    var codingPath: [any CodingKey] { path.keys }
    mutating func encodeNil() throws { slot.value = .null }
    mutating func encode(_ value: Bool) throws { slot.value = .bool(value) }
    mutating func encode(_ value: String) throws { slot.value = .string(value) }
    mutating func encode(_ value: Double) throws { slot.value = .double(value) }
    mutating func encode(_ value: Int) throws { slot.value = .int(value) }
    mutating func encode(_ value: some Encodable) throws { slot.value = try ValueEncoder.json(value, at: path) }
}

// MARK: - Decoding

struct ValueDecoder: Decoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func mismatch(_ expected: String) -> DecodingError {
        if case .null = value {
            return .valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "missing (expected \(expected))"))
        }
        return .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), got \(value.typeName)"))
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        // The common leaves, without a container each.
        switch (type, value) {
        case (is String.Type, .string(let s)): return s as! T
        case (is Int.Type, .int(let i)): return i as! T
        case (is Double.Type, .double(let d)): return d as! T
        case (is Double.Type, .int(let i)): return Double(i) as! T
        case (is Bool.Type, .bool(let b)): return b as! T
        case (is JSON.Type, _): return value as! T
        case (is String.Type, _): throw mismatch("string")
        case (is Int.Type, _): throw mismatch("int")
        case (is Double.Type, _): throw mismatch("float")
        case (is Bool.Type, _): throw mismatch("bool")
        default: return try T(from: self)
        }
    }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        guard case .object(let members) = value else { throw mismatch("object") }
        return KeyedDecodingContainer(KeyedDecoder<K>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw mismatch("array") }
        return UnkeyedDecoder(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleDecoder(decoder: self) }
}

struct KeyedDecoder<K: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSON]
    let codingPath: [any CodingKey]

    var allKeys: [K] { members.keys.compactMap { K(stringValue: $0) } }

    func contains(_ key: K) -> Bool { members[key.stringValue] != nil }

    private func child(_ key: K) -> ValueDecoder {
        ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: K) throws -> Bool {
        switch members[key.stringValue] {
        case nil, .null?: true
        default: false
        }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { try child(key).decodeValue(type) }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T? {
        try decodeNil(forKey: key) ? nil : try child(key).decodeValue(type)
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer { try child(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { ValueDecoder(value: .object(members), codingPath: codingPath) }
    func superDecoder(forKey key: K) throws -> any Decoder { child(key) }
}

struct UnkeyedDecoder: UnkeyedDecodingContainer {
    let elements: [JSON]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ValueDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath + [Key(intValue: currentIndex)], debugDescription: "past the array's end"))
        }
        defer { currentIndex += 1 }
        return ValueDecoder(value: elements[currentIndex], codingPath: codingPath + [Key(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = elements[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct SingleDecoder: SingleValueDecodingContainer {
    let decoder: ValueDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        if case .null = decoder.value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
}
