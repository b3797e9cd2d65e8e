// The few replies sent many times a second (the day's session list) write
// their JSON text themselves, member by member, instead of through Codable's
// containers, which cost a box, a dynamic cast or a metadata lookup per value.

/// A value that writes its own JSON object: byte for byte what its
/// `Encodable` conformance gives through `VarlinkEncoder.encodeObjectBytes`
/// (members in the order it encodes them; nil optionals null at the top
/// level, left out below it). Its members are thus named twice, in its
/// `Encodable` conformance and in `write(to:)`; every conforming type has a
/// test that encodes it both ways, with every optional set and with none,
/// and finds the same bytes.
public protocol JSONWritable: Encodable {
    func write(to object: inout JSONObjectWriter)
}

/// Writes one JSON object's members into a byte buffer; the objects inside
/// it are written into the same buffer, by the same writer.
public struct JSONObjectWriter {
    private(set) var out: [UInt8] = []
    private var members = 0
    /// Whether a nil optional is written as null (the reply's own members) or left out.
    private var explicitNulls: Bool

    /// The JSON text of `value`'s object, its nil optionals null and those of the objects inside it left out.
    static func bytes(of value: some JSONWritable) -> [UInt8] {
        var writer = JSONObjectWriter(explicitNulls: true)
        writer.out.reserveCapacity(4096)
        writer.object(value)
        return writer.out
    }

    private init(explicitNulls: Bool) { self.explicitNulls = explicitNulls }

    /// Writes `value`'s object where the buffer stands, then carries on with this one's members.
    private mutating func object(_ value: some JSONWritable) {
        let outer = members
        out.append(UInt8(ascii: "{"))
        members = 0
        value.write(to: &self)
        out.append(UInt8(ascii: "}"))
        members = outer
    }

    /// Starts a member; `name` is a Swift identifier, which JSON needs no escape for.
    private mutating func key(_ name: StaticString) {
        if members > 0 { out.append(UInt8(ascii: ",")) }
        members += 1
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    /// For a nil optional: null, or nothing.
    private mutating func absent(_ name: StaticString) {
        guard explicitNulls else { return }
        key(name)
        out.append(contentsOf: "null".utf8)
    }

    public mutating func member(_ name: StaticString, _ value: Int) {
        key(name)
        JSON.writeInt(value, into: &out)
    }

    public mutating func member(_ name: StaticString, _ value: Double) {
        key(name)
        JSON.double(value).write(into: &out)
    }

    public mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        out.append(contentsOf: (value ? "true" : "false").utf8)
    }

    public mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        JSON.writeString(value, into: &out)
    }

    public mutating func member(_ name: StaticString, _ value: some VarlinkString) {
        member(name, value.varlinkString)
    }

    /// A member that is an object: written by `value` itself, nil optionals left out.
    public mutating func member(_ name: StaticString, _ value: some JSONWritable) {
        key(name)
        nested(value)
    }

    public mutating func member(_ name: StaticString, _ values: [some JSONWritable]) {
        key(name)
        out.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            nested(value)
        }
        out.append(UInt8(ascii: "]"))
    }

    public mutating func member(_ name: StaticString, _ values: [Int]) {
        key(name)
        out.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSON.writeInt(value, into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    public mutating func member(_ name: StaticString, _ values: [Int]?) {
        if let values { member(name, values) } else { absent(name) }
    }

    public mutating func member(_ name: StaticString, _ value: Int?) {
        if let value { member(name, value) } else { absent(name) }
    }

    public mutating func member(_ name: StaticString, _ value: Double?) {
        if let value { member(name, value) } else { absent(name) }
    }

    public mutating func member(_ name: StaticString, _ value: String?) {
        if let value { member(name, value) } else { absent(name) }
    }

    public mutating func member(_ name: StaticString, _ value: (some VarlinkString)?) {
        if let value { member(name, value) } else { absent(name) }
    }

    public mutating func member(_ name: StaticString, _ value: (some JSONWritable)?) {
        if let value { member(name, value) } else { absent(name) }
    }

    /// An object inside this one: its nil optionals left out.
    private mutating func nested(_ value: some JSONWritable) {
        let outer = explicitNulls
        explicitNulls = false
        object(value)
        explicitNulls = outer
    }
}

extension JSON {
    /// An integer's decimal digits, as `String(value)` gives them, without making the string.
    static func writeInt(_ value: Int, into out: inout [UInt8]) {
        if value >= 0 && value < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var end = buffer.count
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            return buffer.count - end
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { out.append(contentsOf: $0[($0.count - count)...]) }
    }
}
