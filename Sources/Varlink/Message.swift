/// A Varlink call as a peer sent it.
public struct VarlinkCall: Sendable {
    /// `interface.Member`.
    public var method: String
    public var parameters: [String: JSON]
    /// The peer accepts several replies (`continues`).
    public var more: Bool
    /// The peer wants no reply.
    public var oneway: Bool
    public var upgrade: Bool

    public init(method: String, parameters: [String: JSON] = [:], more: Bool = false, oneway: Bool = false, upgrade: Bool = false) {
        self.method = method
        self.parameters = parameters
        self.more = more
        self.oneway = oneway
        self.upgrade = upgrade
    }

    /// The interface part of `method`, and the member after its last dot.
    public var interface: Substring { method.lastIndex(of: ".").map { method[..<$0] } ?? "" }
    public var member: Substring { method.lastIndex(of: ".").map { method[method.index(after: $0)...] } ?? Substring(method) }

    /// Reads a call from a message. A message that is not a call object is a
    /// protocol violation, reported as `nil` with the reason.
    public init(message: JSON) throws(ProtocolViolation) {
        guard case .object(let members) = message else { throw ProtocolViolation("the message is not a JSON object") }
        guard case .string(let method)? = members["method"] else {
            throw ProtocolViolation("the message has no string 'method'")
        }
        var parameters: [String: JSON] = [:]
        switch members["parameters"] {
        case nil, .null?: break
        case .object(let p)?: parameters = p
        default: throw ProtocolViolation("'parameters' is not an object")
        }
        func flag(_ key: String) throws(ProtocolViolation) -> Bool {
            switch members[key] {
            case nil, .null?: return false
            case .bool(let b)?: return b
            default: throw ProtocolViolation("'\(key)' is not a bool")
            }
        }
        let unknown = members.keys.filter { !["method", "parameters", "more", "oneway", "upgrade"].contains($0) }
        if !unknown.isEmpty {
            // Not named: what a client sends is not repeated in the log this reason goes to.
            throw ProtocolViolation("\(unknown.count) message field\(unknown.count == 1 ? "" : "s") the protocol does not define")
        }
        self.init(method: method, parameters: parameters, more: try flag("more"), oneway: try flag("oneway"), upgrade: try flag("upgrade"))
    }

    public var message: JSON {
        var m: [String: JSON] = ["method": .string(method), "parameters": .object(parameters)]
        if more { m["more"] = true }
        if oneway { m["oneway"] = true }
        return .object(m)
    }
}

/// A named Varlink error reply: `{"error": name, "parameters": {...}}`.
public struct VarlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: JSON]

    public init(_ name: String, _ parameters: [String: JSON] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String { "\(name) \(JSON.object(parameters).text)" }

    public static func interfaceNotFound(_ interface: some StringProtocol) -> VarlinkError {
        VarlinkError("org.varlink.service.InterfaceNotFound", ["interface": .string(String(interface))])
    }
    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotFound", ["method": .string(method)])
    }
    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError("org.varlink.service.MethodNotImplemented", ["method": .string(method)])
    }
    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError("org.varlink.service.InvalidParameter", ["parameter": .string(parameter)])
    }
    public static let permissionDenied = VarlinkError("org.varlink.service.PermissionDenied")
    public static let expectedMore = VarlinkError("org.varlink.service.ExpectedMore")
}

/// A message that breaks the protocol itself; the connection is closed.
public struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The standard interface every Varlink service implements.
public enum VarlinkServiceInterface {
    public static let name = "org.varlink.service"

    public static let description = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """
}
