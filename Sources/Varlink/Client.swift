#if canImport(Glibc)
import Glibc
#endif

/// A small blocking Varlink client over a Unix socket: one connection, one
/// call at a time. It is what tmsctl needs, and it starts fast (no threads).
public final class VarlinkClient {
    public enum Failure: Error, CustomStringConvertible {
        /// No daemon listens at the path (or the path is not a socket we may use).
        case unreachable(path: String, reason: String)
        /// The peer closed the connection before any reply began: a daemon
        /// stopping, or at its connection limit.
        case closedBeforeReply(reason: String)
        /// The connection broke or the peer sent something that is not Varlink.
        case protocolError(String)

        public var description: String {
            switch self {
            case .unreachable(let path, let reason): "cannot reach tmsd at \(path): \(reason)"
            case .closedBeforeReply(let reason):
                "tmsd closed the connection without answering (\(reason)); it may be stopping or at its connection limit"
            case .protocolError(let reason): "bad reply from tmsd: \(reason)"
            }
        }
    }

    private let fd: CInt
    /// What was received and not yet returned; no NUL in its first `scanned` bytes.
    private var buffer: [UInt8] = []
    private var scanned = 0
    /// Where `recv` writes: one allocation for the connection, not one per read.
    private var chunk: [UInt8] = []

    /// Connects to the socket at `path`.
    public init(path: String) throws(Failure) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .unreachable(path: path, reason: "the path is too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(path: path, reason: String(cString: strerror(errno))) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreachable(path: path, reason: reason)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Calls `method` and returns the reply's parameters; a Varlink error reply
    /// is thrown as `VarlinkError`.
    public func call(_ method: String, _ parameters: [String: JSON] = [:]) throws -> [String: JSON] {
        var frame = VarlinkCall(method: method, parameters: parameters).message.serialized()
        frame.append(0)
        try send(frame)
        return try receiveReply().parameters
    }

    /// Calls `method` with `more` and hands `each` every reply's parameters
    /// as it comes, until a reply without `continues` (returned) or `each`
    /// returns false; a Varlink error reply is thrown as `VarlinkError`.
    public func stream(
        _ method: String, _ parameters: [String: JSON] = [:], each: ([String: JSON]) throws -> Bool
    ) throws {
        var frame = VarlinkCall(method: method, parameters: parameters, more: true).message.serialized()
        frame.append(0)
        try send(frame)
        while true {
            let reply = try receiveReply()
            guard try each(reply.parameters), reply.continues else { return }
        }
    }

    /// The next reply's parameters and whether more follow.
    private func receiveReply() throws -> (parameters: [String: JSON], continues: Bool) {
        let reply = try receive()
        guard case .object(let members) = reply else { throw Failure.protocolError("the reply is not an object") }
        let continues = members["continues"] == .bool(true)
        if case .string(let name)? = members["error"] {
            var params: [String: JSON] = [:]
            if case .object(let p)? = members["parameters"] { params = p }
            throw VarlinkError(name, params)
        }
        switch members["parameters"] {
        case .object(let p)?: return (p, continues)
        case nil, .null?: return ([:], continues)
        default: throw Failure.protocolError("'parameters' is not an object")
        }
    }

    private func send(_ bytes: [UInt8]) throws(Failure) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw errno == EPIPE || errno == ECONNRESET ? .closedBeforeReply(reason: reason) : .protocolError("send failed: \(reason)")
            }
            sent += n
        }
    }

    private func receive() throws -> JSON {
        while true {
            if let nul = buffer[scanned...].firstIndex(of: 0) {
                defer {
                    buffer.removeSubrange(...nul)
                    scanned = 0
                }
                return try JSON(parsing: buffer[..<nul])
            }
            scanned = buffer.count
            if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: 65536) }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                if errno == ECONNRESET, buffer.isEmpty { throw Failure.closedBeforeReply(reason: reason) }
                throw Failure.protocolError("receive failed: \(reason)")
            }
            if n == 0 {
                if buffer.isEmpty { throw Failure.closedBeforeReply(reason: "end of stream") }
                throw Failure.protocolError("tmsd closed the connection in the middle of a reply")
            }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}
