import TMSCore
import Varlink

/// What a `Decodable` type reads, found by decoding it from a decoder that
/// makes every value up and writes down what was asked for: the fields of
/// each object (and whether each was read as optional), the kind of each
/// leaf, the cases of each enumeration. The declarations are compared with
/// the IDL through it, so neither can change without the other.
indirect enum Shape: Equatable, CustomStringConvertible {
    case int, float, string, bool, json
    /// A `CivilDate` or a `LocalTime`: a string on the wire.
    case formatted(String)
    case enumeration(Set<String>)
    case array(Shape)
    /// An object whose members were read by name; for a `[String: T]`, the one made-up key.
    case object([String: Member])
    case unknown

    struct Member: Equatable {
        var shape: Shape
        var optional: Bool
    }

    var description: String {
        switch self {
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .bool: "bool"
        case .json: "object"
        case .formatted(let name): name
        case .enumeration(let cases): "(\(cases.sorted().joined(separator: ", ")))"
        case .array(let element): "[]\(element)"
        case .object(let members):
            "(" + members.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.optional ? "?" : "")\($0.value.shape)" }
                .joined(separator: ", ") + ")"
        case .unknown: "?"
        }
    }

    /// The key a dictionary is given, so its element type is read.
    static let mapKey = "__map__"

    static func of<T: Decodable>(_ type: T.Type) throws -> Shape {
        let node = Node()
        _ = try Recorder(node: node).make(type)
        return node.finish()
    }
}

/// One value's place in the shape being recorded.
final class Node {
    var leaf: Shape = .unknown
    var isObject = false
    var members: [String: (node: Node, optional: Bool)] = [:]
    var element: Node?

    func finish() -> Shape {
        if isObject { return .object(members.mapValues { Shape.Member(shape: $0.node.finish(), optional: $0.optional) }) }
        if let element { return .array(element.finish()) }
        return leaf
    }
}

/// Decodes anything, making values up and recording what was read.
struct Recorder: Decoder {
    let node: Node
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func make<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Int.Type: node.leaf = .int; return 0 as! T
        case is Double.Type: node.leaf = .float; return 0.0 as! T
        case is String.Type: node.leaf = .string; return "" as! T
        case is Bool.Type: node.leaf = .bool; return false as! T
        case is JSON.Type: node.leaf = .json; return JSON.object([:]) as! T
        case is CivilDate.Type: node.leaf = .formatted("date"); return CivilDate("2026-12-02")! as! T
        case is LocalTime.Type: node.leaf = .formatted("time"); return LocalTime("09:00")! as! T
        default: break
        }
        if let cases = type as? any (CaseIterable & RawRepresentable).Type, let value = Self.firstCase(cases) {
            node.leaf = .enumeration(Self.names(cases))
            return value as! T
        }
        return try T(from: self)
    }

    static func names<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> Set<String> {
        Set(E.allCases.compactMap { $0.rawValue as? String })
    }

    static func firstCase<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> Any? { E.allCases.first }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        node.isObject = true
        return KeyedDecodingContainer(KeyedRecorder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let element = node.element ?? Node()
        node.element = element
        return UnkeyedRecorder(element: element, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleRecorder(decoder: self) }
}

struct KeyedRecorder<K: CodingKey>: KeyedDecodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    var allKeys: [K] { K(stringValue: Shape.mapKey).map { [$0] } ?? [] }
    func contains(_ key: K) -> Bool { true }

    private func child(_ key: K, optional: Bool) -> Recorder {
        let child = node.members[key.stringValue]?.node ?? Node()
        node.members[key.stringValue] = (child, optional)
        return Recorder(node: child, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: K) throws -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { try child(key, optional: false).make(type) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T? { try child(key, optional: true).make(type) }
    // The standard library's own overloads for the leaves would read through `decode`, as if required.
    func decodeIfPresent(_ type: String.Type, forKey key: K) throws -> String? { try child(key, optional: true).make(type) }
    func decodeIfPresent(_ type: Int.Type, forKey key: K) throws -> Int? { try child(key, optional: true).make(type) }
    func decodeIfPresent(_ type: Double.Type, forKey key: K) throws -> Double? { try child(key, optional: true).make(type) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: K) throws -> Bool? { try child(key, optional: true).make(type) }
    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
        try child(key, optional: false).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer {
        try child(key, optional: false).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { Recorder(node: node, codingPath: codingPath) }
    func superDecoder(forKey key: K) throws -> any Decoder { child(key, optional: false) }
}

struct UnkeyedRecorder: UnkeyedDecodingContainer {
    let element: Node
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex >= 1 }

    mutating func decodeNil() throws -> Bool { false }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try Recorder(node: element, codingPath: codingPath).make(type)
    }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        currentIndex += 1
        return try Recorder(node: element, codingPath: codingPath).container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return try Recorder(node: element, codingPath: codingPath).unkeyedContainer()
    }
    mutating func superDecoder() throws -> any Decoder {
        currentIndex += 1
        return Recorder(node: element, codingPath: codingPath)
    }
}

struct SingleRecorder: SingleValueDecodingContainer {
    let decoder: Recorder
    var codingPath: [any CodingKey] { decoder.codingPath }
    func decodeNil() -> Bool { false }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.make(type) }
}

extension Shape {
    /// How `self` differs from the IDL's `type` (types resolved in `interface`), one line each, at `path`.
    func differences(from type: VarlinkType, in interface: VarlinkInterface, at path: String) -> [String] {
        switch (type, self) {
        case (.named(let name), _):
            guard let resolved = interface.types[name] else { return ["\(path): type \(name) is not in the IDL"] }
            return differences(from: resolved, in: interface, at: path)
        case (.maybe(let inner), _):
            return differences(from: inner, in: interface, at: path)
        case (.int, .int), (.float, .float), (.bool, .bool), (.object, .json), (.string, .string), (.string, .formatted):
            return []
        case (.string, .enumeration):
            return []  // a string the IDL leaves open, read as one of known words
        case (.enumeration(let cases), .enumeration(let mine)):
            return Set(cases) == mine ? [] : ["\(path): the IDL's cases \(cases.sorted()) are not the declaration's \(mine.sorted())"]
        case (.array(let element), .array(let mine)):
            return mine.differences(from: element, in: interface, at: path + "[]")
        case (.map(let element), .object(let members)):
            guard members.count == 1, let only = members[Shape.mapKey] else { return ["\(path): the IDL has a map, the declaration \(self)"] }
            return only.shape.differences(from: element, in: interface, at: path + "[]")
        case (.structure(let fields), .object(let members)):
            return Shape.differences(fields: fields, members: members, in: interface, at: path)
        case (.structure(let fields), .unknown) where fields.isEmpty:
            return []
        default:
            return ["\(path): the IDL says \(type), the declaration reads \(self)"]
        }
    }

    static func differences(fields: [VarlinkField], members: [String: Member], in interface: VarlinkInterface, at path: String) -> [String] {
        var out: [String] = []
        func here(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
        for field in fields {
            guard let member = members[field.name] else {
                out.append("\(here(field.name)): in the IDL, not in the declaration")
                continue
            }
            let optional: Bool
            if case .maybe = field.type { optional = true } else { optional = false }
            if optional != member.optional {
                out.append("\(here(field.name)): \(optional ? "optional" : "required") in the IDL, \(member.optional ? "optional" : "required") in the declaration")
            }
            out += member.shape.differences(from: field.type, in: interface, at: here(field.name))
        }
        for name in members.keys.sorted() where !fields.contains(where: { $0.name == name }) {
            out.append("\(here(name)): in the declaration, not in the IDL")
        }
        return out
    }
}
