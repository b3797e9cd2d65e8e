/// A Varlink type, as the interface definition language writes it.
public indirect enum VarlinkType: Sendable, Hashable {
    case bool, int, float, string
    /// `object`: any JSON object, unchecked.
    case object
    case named(String)
    case structure([VarlinkField])
    case enumeration([String])
    /// `?T`: may be absent or null.
    case maybe(VarlinkType)
    /// `[]T`
    case array(VarlinkType)
    /// `[string]T`
    case map(VarlinkType)
}

public struct VarlinkField: Sendable, Hashable {
    public var name: String
    public var type: VarlinkType
}

public struct VarlinkMethod: Sendable, Hashable {
    public var name: String
    public var input: [VarlinkField]
    public var output: [VarlinkField]
}

/// A parsed `.varlink` interface definition. `description` is the text exactly
/// as written, which `GetInterfaceDescription` serves.
public struct VarlinkInterface: Sendable {
    public let name: String
    public let description: String
    public private(set) var types: [String: VarlinkType] = [:]
    public private(set) var methods: [String: VarlinkMethod] = [:]
    public private(set) var errors: [String: [VarlinkField]] = [:]

    public init(description: String) throws(IDLError) {
        var scanner = IDLScanner(Array(description.utf8))
        try scanner.keyword("interface")
        let name = try scanner.interfaceName()
        self.name = name
        self.description = description
        while !scanner.atEnd {
            let word = try scanner.word()
            let member = try scanner.memberName()
            switch word {
            case "type":
                guard types[member] == nil else { throw scanner.fail("type \(member) is defined twice") }
                types[member] = try scanner.typeDefinition()
            case "method":
                guard methods[member] == nil else { throw scanner.fail("method \(member) is defined twice") }
                let input = try scanner.structure()
                try scanner.arrow()
                let output = try scanner.structure()
                methods[member] = VarlinkMethod(name: member, input: input, output: output)
            case "error":
                guard errors[member] == nil else { throw scanner.fail("error \(member) is defined twice") }
                errors[member] = try scanner.structure()
            default:
                throw scanner.fail("expected type, method or error, found '\(word)'")
            }
        }
        // Every named type must exist.
        var missing: [String] = []
        func check(_ t: VarlinkType) {
            switch t {
            case .named(let n): if types[n] == nil { missing.append(n) }
            case .structure(let fields): fields.forEach { check($0.type) }
            case .maybe(let e), .array(let e), .map(let e): check(e)
            default: break
            }
        }
        types.values.forEach(check)
        methods.values.forEach { m in (m.input + m.output).forEach { check($0.type) } }
        errors.values.forEach { $0.forEach { check($0.type) } }
        if let first = missing.sorted().first { throw IDLError(message: "type \(first) is used but not defined", line: 0) }
    }

    /// Checks `parameters` against the fields of `fields`; throws naming the
    /// first parameter that is missing, of the wrong type or unknown.
    public func validate(_ parameters: [String: JSON], against fields: [VarlinkField]) throws(ParameterError) {
        try validateStruct(parameters, fields, path: "")
    }

    private func validateStruct(_ members: [String: JSON], _ fields: [VarlinkField], path: String) throws(ParameterError) {
        for field in fields {
            let fieldPath = path.isEmpty ? field.name : path + "." + field.name
            try validate(members[field.name] ?? .null, field.type, path: fieldPath)
        }
        if members.count > fields.count || members.keys.contains(where: { key in !fields.contains { $0.name == key } }) {
            let unknown = members.keys.filter { key in !fields.contains { $0.name == key } }.sorted().first!
            throw ParameterError(parameter: path.isEmpty ? unknown : path + "." + unknown, reason: "unknown parameter")
        }
    }

    private func validate(_ value: JSON, _ type: VarlinkType, path: String) throws(ParameterError) {
        if case .maybe(let inner) = type {
            if case .null = value { return }
            return try validate(value, inner, path: path)
        }
        func wrong(_ expected: String) -> ParameterError {
            if case .null = value { return ParameterError(parameter: path, reason: "missing") }
            return ParameterError(parameter: path, reason: "expected \(expected), got \(value.typeName)")
        }
        switch (type, value) {
        case (.bool, .bool), (.int, .int), (.float, .int), (.float, .double), (.string, .string), (.object, .object):
            return
        case (.named(let n), _):
            guard let resolved = types[n] else { throw ParameterError(parameter: path, reason: "unknown type \(n)") }
            try validate(value, resolved, path: path)
        case (.structure(let fields), .object(let members)):
            try validateStruct(members, fields, path: path)
        case (.enumeration(let cases), .string(let s)):
            guard cases.contains(s) else {
                throw ParameterError(parameter: path, reason: "'\(s)' is not one of \(cases.joined(separator: ", "))")
            }
        case (.array(let element), .array(let elements)):
            for (i, e) in elements.enumerated() { try validate(e, element, path: "\(path)[\(i)]") }
        case (.map(let element), .object(let members)):
            for (k, e) in members { try validate(e, element, path: "\(path)[\(k)]") }
        case (.bool, _): throw wrong("bool")
        case (.int, _): throw wrong("int")
        case (.float, _): throw wrong("float")
        case (.string, _): throw wrong("string")
        case (.object, _), (.structure, _), (.map, _): throw wrong("object")
        case (.enumeration, _): throw wrong("string")
        case (.array, _): throw wrong("array")
        case (.maybe, _): return  // handled above
        }
    }
}

public struct IDLError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// A parameter that does not match the interface: `org.varlink.service.InvalidParameter`.
public struct ParameterError: Error, Sendable, Equatable {
    public let parameter: String
    public let reason: String
}

/// Tokens of the interface definition language; `#` starts a comment.
private struct IDLScanner {
    let text: [UInt8]
    var index = 0

    init(_ text: [UInt8]) {
        self.text = text
        skip()
    }

    var atEnd: Bool { index >= text.count }

    func fail(_ message: String) -> IDLError {
        IDLError(message: message, line: text[..<min(index, text.count)].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) })
    }

    mutating func skip() {
        while index < text.count {
            switch text[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case UInt8(ascii: "#"): while index < text.count, text[index] != 0x0A { index += 1 }
            default: return
            }
        }
    }

    func peek(_ byte: UInt8) -> Bool { index < text.count && text[index] == byte }

    mutating func expect(_ byte: UInt8) throws(IDLError) {
        guard peek(byte) else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
        skip()
    }

    mutating func token(_ allowed: (UInt8) -> Bool) -> String {
        let start = index
        while index < text.count, allowed(text[index]) { index += 1 }
        let s = String(decoding: text[start..<index], as: UTF8.self)
        skip()
        return s
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    mutating func word() throws(IDLError) -> String {
        let w = token { IDLScanner.isAlnum($0) }
        guard !w.isEmpty else { throw fail("expected a word") }
        return w
    }

    mutating func keyword(_ k: String) throws(IDLError) {
        guard try word() == k else { throw fail("expected '\(k)'") }
    }

    mutating func interfaceName() throws(IDLError) -> String {
        let n = token { IDLScanner.isAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
        let parts = n.split(separator: ".", omittingEmptySubsequences: false)
        // [A-Za-z]([-]*[A-Za-z0-9])*(\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.first != "-" && $0.last != "-" }),
              let first = n.first, first.isLetter else { throw fail("'\(n)' is not an interface name") }
        return n
    }

    mutating func memberName() throws(IDLError) -> String {
        let n = token { IDLScanner.isAlnum($0) }
        guard let first = n.utf8.first, first >= 0x41, first <= 0x5A else { throw fail("'\(n)' is not a member name") }
        return n
    }

    mutating func fieldName() throws(IDLError) -> String {
        let n = token { IDLScanner.isAlnum($0) || $0 == UInt8(ascii: "_") }
        guard let first = n.utf8.first, IDLScanner.isAlnum(first), !(first >= 0x30 && first <= 0x39),
              !n.contains("__"), !n.hasSuffix("_") else { throw fail("'\(n)' is not a field name") }
        return n
    }

    mutating func arrow() throws(IDLError) {
        guard index + 1 < text.count, text[index] == UInt8(ascii: "-"), text[index + 1] == UInt8(ascii: ">") else {
            throw fail("expected '->'")
        }
        index += 2
        skip()
    }

    /// `( ... )` after `type Name`: a struct or an enum.
    mutating func typeDefinition() throws(IDLError) -> VarlinkType {
        let t = try parenthesized()
        return t
    }

    /// A struct (fields with `:`) or an enum (bare names), both in parentheses.
    mutating func parenthesized() throws(IDLError) -> VarlinkType {
        try expect(UInt8(ascii: "("))
        if peek(UInt8(ascii: ")")) {
            index += 1
            skip()
            return .structure([])
        }
        var fields: [VarlinkField] = []
        var cases: [String] = []
        while true {
            let name = try fieldName()
            if peek(UInt8(ascii: ":")) {
                guard cases.isEmpty else { throw fail("an enum cannot have typed fields") }
                index += 1
                skip()
                guard !fields.contains(where: { $0.name == name }) else { throw fail("field \(name) appears twice") }
                fields.append(VarlinkField(name: name, type: try typeDeclaration()))
            } else {
                guard fields.isEmpty else { throw fail("expected ':' after \(name)") }
                cases.append(name)
            }
            if peek(UInt8(ascii: ",")) {
                index += 1
                skip()
                continue
            }
            try expect(UInt8(ascii: ")"))
            break
        }
        return cases.isEmpty ? .structure(fields) : .enumeration(cases)
    }

    mutating func structure() throws(IDLError) -> [VarlinkField] {
        guard case .structure(let fields) = try parenthesized() else { throw fail("expected fields, not an enum") }
        return fields
    }

    mutating func typeDeclaration() throws(IDLError) -> VarlinkType {
        if peek(UInt8(ascii: "?")) {
            index += 1
            let inner = try typeDeclaration()
            if case .maybe = inner { throw fail("'??' is not a type") }
            return .maybe(inner)
        }
        if peek(UInt8(ascii: "[")) {
            index += 1
            if peek(UInt8(ascii: "]")) {
                index += 1
                return .array(try typeDeclaration())
            }
            guard try word() == "string" else { throw fail("a map's key must be string") }
            guard peek(UInt8(ascii: "]")) else { throw fail("expected ']'") }
            index += 1
            return .map(try typeDeclaration())
        }
        if peek(UInt8(ascii: "(")) { return try parenthesized() }
        let w = try word()
        switch w {
        case "bool": return .bool
        case "int": return .int
        case "float": return .float
        case "string": return .string
        case "object": return .object
        default:
            guard let first = w.utf8.first, first >= 0x41, first <= 0x5A else { throw fail("unknown type '\(w)'") }
            return .named(w)
        }
    }
}
