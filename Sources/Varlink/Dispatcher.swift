/// The credentials of the process at the other end of a Unix socket (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// What a service does with a call that passed the interface's checks.
///
/// Calls are synchronous: a call that cannot block (a read of a few rows)
/// runs on the connection's event loop with no thread hop at all; a call
/// that may block (a write that waits for fsync) runs on a thread pool, so
/// the event loop keeps serving other connections meanwhile.
public protocol VarlinkHandler: Sendable {
    /// Whether `method` may block on I/O for long.
    func mayBlock(_ method: VarlinkMethod) -> Bool

    /// Whether a call of `method` with `more` is a subscription: answered at
    /// once and again, each reply with `continues`, whenever the server is
    /// told the records changed, until the client closes. (Other calls with
    /// `more` get one reply.) By default none is.
    func streams(_ method: VarlinkMethod) -> Bool

    /// Returns the reply's parameters or throws a `VarlinkError`. Any other
    /// error is a fault of the service, answered as MethodNotImplemented;
    /// the handler should not let it happen.
    ///
    /// `invalid` is set when the parameters do not match the interface's
    /// definition: the handler answers `InvalidParameter` (see
    /// `VarlinkError.invalidParameter`), after whatever must come first, such
    /// as refusing a caller who may not call the method at all, and
    /// recording the refusal.
    func handle(_ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?) throws -> [String: JSON]

    /// The same reply's parameters as the JSON text of an object, for a
    /// handler that writes them straight to bytes; by default, `handle`'s,
    /// serialized.
    func handleEncoded(_ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?) throws -> [UInt8]
}

extension VarlinkHandler {
    public func streams(_ method: VarlinkMethod) -> Bool { false }

    public func handleEncoded(
        _ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?
    ) throws -> [UInt8] {
        JSON.object(try handle(call, method: method, peer: peer, invalid: invalid)).serialized()
    }
}

/// Who the service says it is, for `GetInfo`.
public struct VarlinkServiceInfo: Sendable {
    public var vendor: String
    public var product: String
    public var version: String
    public var url: String

    public init(vendor: String, product: String, version: String, url: String) {
        self.vendor = vendor
        self.product = product
        self.version = version
        self.url = url
    }
}

/// Turns one frame into one reply: parses, checks the call against the
/// interface definitions, answers `org.varlink.service` itself, and hands the
/// rest to the service's handler. Has no I/O, so tests drive it directly.
public struct VarlinkDispatcher: Sendable {
    public let info: VarlinkServiceInfo
    public let interfaces: [String: VarlinkInterface]
    public let handler: any VarlinkHandler
    private let serviceInterface: VarlinkInterface

    public init(info: VarlinkServiceInfo, interfaces: [VarlinkInterface], handler: any VarlinkHandler) {
        self.info = info
        self.interfaces = Dictionary(uniqueKeysWithValues: interfaces.map { ($0.name, $0) })
        self.handler = handler
        self.serviceInterface = try! VarlinkInterface(description: VarlinkServiceInterface.description)
    }

    /// The result of reading one frame.
    public enum Step: Sendable {
        /// Reply with these parameters (their JSON text) or this error (nil: the call was oneway).
        case reply(Result<[UInt8], VarlinkError>?)
        /// A call for the handler; `invalid` says how its parameters break the interface, if they do.
        case call(VarlinkCall, VarlinkMethod, invalid: ParameterError?)
        /// The frame breaks the protocol: close the connection.
        case violation(String)
    }

    /// Everything that can be decided without the handler.
    public func step(_ frame: some Collection<UInt8>) -> Step {
        let message: JSON
        do {
            message = try JSON(parsing: frame)
        } catch {
            return .violation("malformed JSON: \(error)")
        }
        let call: VarlinkCall
        do {
            call = try VarlinkCall(message: message)
        } catch {
            return .violation(error.reason)
        }
        if call.upgrade { return .violation("protocol upgrade is not supported") }
        switch route(call) {
        case .success(let (method, invalid)):
            if call.interface == VarlinkServiceInterface.name {
                if let invalid { return .reply(call.oneway ? nil : .failure(.invalidParameter(invalid.parameter))) }
                return .reply(call.oneway ? nil : serviceReply(call).map { JSON.object($0).serialized() })
            }
            return .call(call, method, invalid: invalid)
        case .failure(let error):
            return .reply(call.oneway ? nil : .failure(error))
        }
    }

    /// Runs a full call, the handler included: the reply frame, or nil for none.
    public func reply(to frame: some Collection<UInt8>, peer: PeerCredentials) -> Result<[UInt8]?, ProtocolViolation> {
        switch step(frame) {
        case .violation(let reason):
            return .failure(ProtocolViolation(reason))
        case .reply(let result):
            return .success(result.map(Self.encode))
        case .call(let call, let method, let invalid):
            let result = run(call, method, peer: peer, invalid: invalid)
            return .success(call.oneway ? nil : Self.encode(result))
        }
    }

    /// Calls the handler, folding its errors into a result.
    public func run(
        _ call: VarlinkCall, _ method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError? = nil
    ) -> Result<[UInt8], VarlinkError> {
        do {
            return .success(try handler.handleEncoded(call, method: method, peer: peer, invalid: invalid))
        } catch let error as VarlinkError {
            return .failure(error)
        } catch {
            return .failure(VarlinkError("org.varlink.service.MethodNotImplemented", ["method": .string(call.method)]))
        }
    }

    /// The method a call names, and how its parameters break its definition, if they do.
    private func route(_ call: VarlinkCall) -> Result<(VarlinkMethod, ParameterError?), VarlinkError> {
        let interfaceName = String(call.interface)
        let interface: VarlinkInterface
        if interfaceName == VarlinkServiceInterface.name {
            interface = serviceInterface
        } else if let found = interfaces[interfaceName] {
            interface = found
        } else {
            return .failure(.interfaceNotFound(interfaceName))
        }
        guard let method = interface.methods[String(call.member)] else {
            return .failure(.methodNotFound(call.method))
        }
        do {
            try interface.validate(call.parameters, against: method.input)
        } catch {
            return .success((method, error))
        }
        return .success((method, nil))
    }

    private func serviceReply(_ call: VarlinkCall) -> Result<[String: JSON], VarlinkError> {
        switch call.member {
        case "GetInfo":
            let names = [VarlinkServiceInterface.name] + interfaces.keys.sorted()
            return .success([
                "vendor": .string(info.vendor), "product": .string(info.product),
                "version": .string(info.version), "url": .string(info.url),
                "interfaces": .array(names.map(JSON.string)),
            ])
        case "GetInterfaceDescription":
            guard case .string(let name)? = call.parameters["interface"] else { return .failure(.invalidParameter("interface")) }
            if name == VarlinkServiceInterface.name { return .success(["description": .string(serviceInterface.description)]) }
            guard let interface = interfaces[name] else { return .failure(.interfaceNotFound(name)) }
            return .success(["description": .string(interface.description)])
        default:
            return .failure(.methodNotImplemented(call.method))
        }
    }

    /// A reply message, without the trailing NUL, from its parameters' JSON text.
    public static func encode(_ result: Result<[UInt8], VarlinkError>) -> [UInt8] {
        switch result {
        case .success(let parameters):
            var message = Array(#"{"parameters":"#.utf8)
            message.reserveCapacity(message.count + parameters.count + 1)
            message.append(contentsOf: parameters)
            message.append(UInt8(ascii: "}"))
            return message
        case .failure(let error):
            return JSON.object(["error": .string(error.name), "parameters": .object(error.parameters)]).serialized()
        }
    }
}
