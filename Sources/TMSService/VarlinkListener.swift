public import Logging
public import NIOCore
public import ServiceLifecycle
public import Varlink
public import VarlinkNIO
import Foundation
import Synchronization
import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// The socket server as a lifecycle service: it listens once `run()` starts,
/// reports readiness, and on graceful shutdown stops accepting and lets every
/// running call finish before it returns.
public struct VarlinkListener: Service {
    public let endpoint: VarlinkServer.Endpoint
    public let frameTimeout: TimeAmount
    /// Read at each new connection, so a reload changes it.
    public let maximumConnections: @Sendable () -> Int
    /// Read at each new connection; nil: never.
    public let idleTimeout: @Sendable () -> TimeAmount?
    public let dispatcher: VarlinkDispatcher
    public let group: any EventLoopGroup
    public let logger: Logger
    public let onReady: @Sendable () -> Void
    public let onStopping: @Sendable () -> Void
    /// Given the server's "the records changed" (VarlinkServer.changed), to
    /// call after every commit: subscriptions are answered again.
    public let onChanges: @Sendable (@escaping @Sendable () -> Void) -> Void

    public init(endpoint: VarlinkServer.Endpoint, frameTimeout: TimeAmount = VarlinkServer.defaultFrameTimeout,
                maximumConnections: @escaping @Sendable () -> Int = { VarlinkServer.defaultMaximumConnections },
                idleTimeout: @escaping @Sendable () -> TimeAmount? = { VarlinkServer.defaultIdleTimeout },
                dispatcher: VarlinkDispatcher, group: any EventLoopGroup, logger: Logger,
                onReady: @escaping @Sendable () -> Void = {}, onStopping: @escaping @Sendable () -> Void = {},
                onChanges: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { _ in }) {
        self.onChanges = onChanges
        self.endpoint = endpoint
        self.frameTimeout = frameTimeout
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
        self.dispatcher = dispatcher
        self.group = group
        self.logger = logger
        self.onReady = onReady
        self.onStopping = onStopping
    }

    public func run() async throws {
        if case .path(let path) = endpoint { try Self.checkDirectory(of: path) }
        let logger = self.logger
        let refusals = RefusalTally(logger: logger)
        let server = try await VarlinkServer.start(
            endpoint, dispatcher: dispatcher, group: group, frameTimeout: frameTimeout, maximumConnections: maximumConnections,
            idleTimeout: idleTimeout
        ) { event in
            switch event {
            case .protocolViolation(let peer, let reason):
                logger.warning("closed a connection that broke the protocol", metadata: [
                    "tmsd_reason": "\(reason)", "tmsd_peer_uid": "\(peer.map { String($0.uid) } ?? "?")",
                ])
            case .connectionError(let description):
                logger.notice("connection error", metadata: ["tmsd_error": "\(description)"])
            case .idleConnectionClosed(let peer):
                logger.debug("closed an idle connection", metadata: ["tmsd_peer_uid": "\(peer.map { String($0.uid) } ?? "?")"])
            case .connectionLimitReached(let limit):
                refusals.refused(limit: limit)
            }
        }
        // The refusals a flood left uncounted, said once an interval.
        let flusher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(RefusalTally.interval))
                refusals.flush()
            }
        }
        defer {
            flusher.cancel()
            refusals.flush()
        }
        onChanges { server.changed() }
        logger.info("listening", metadata: ["tmsd_socket": "\(Self.describe(endpoint))"])
        onReady()
        // Until shutdown is asked for (or the task is cancelled).
        try? await gracefulShutdown()
        onStopping()
        logger.info("stopping: no new connections; finishing running calls")
        await server.shutdown()
        if case .path(let path) = endpoint { unlink(path) }
    }

    static func describe(_ endpoint: VarlinkServer.Endpoint) -> String {
        switch endpoint {
        case .path(let path): path
        case .fileDescriptor(let fd): "fd \(fd) from systemd"
        }
    }

    /// The socket's directory must exist and be closed to others: its
    /// permissions, not the socket's, decide who may connect.
    public static func checkDirectory(of socketPath: String) throws {
        try checkClosedDirectory(of: socketPath, "socket")
    }
}

/// The database's directory: tmsd refuses one that other users can read or
/// enter, since the records are patient data.
public func checkDatabaseDirectory(of databasePath: String) throws {
    try checkClosedDirectory(of: databasePath, "database")
}

/// The directory holding `path` exists, is a directory, and is closed to
/// others; else the reason, naming it as the `what` directory and the fix.
func checkClosedDirectory(of path: String, _ what: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    try checkClosed(directory: parent.isEmpty ? "." : parent, what)
}

/// `directory` exists, is a directory, and is closed to others; else the
/// reason, naming it as the `what` directory and the fix.
func checkClosed(directory: String, _ what: String) throws {
    var info = stat()
    guard stat(directory, &info) == 0 else {
        throw StartupError("The \(what) directory \(directory) does not exist: \(String(cString: strerror(errno))).")
    }
    guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StartupError("\(directory) is not a directory.") }
    if info.st_mode & 0o007 != 0 {
        throw StartupError(
            "The \(what) directory \(directory) is open to others (mode \(String(info.st_mode & 0o777, radix: 8))); "
                + "make it reachable only by tmsd's user and group (chmod o-rwx).")
    }
}

/// A socket systemd passed must be one only its users can reach: a path
/// (an abstract socket has no permissions at all), owned by tmsd's user or
/// root, without write permission for others, and without an ACL that
/// lets anyone else in. Connecting needs write permission on the socket.
public func checkActivatedSocket(_ fd: CInt) throws {
    var address = sockaddr_un()
    var length = socklen_t(MemoryLayout<sockaddr_un>.size)
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0, address.sun_family == sa_family_t(AF_UNIX) else {
        throw StartupError("The socket systemd passed (fd \(fd)) is not a Unix socket; tmsd listens only on one (ListenStream=/run/tmsd/tmsd.sock).")
    }
    let path = withUnsafeBytes(of: address.sun_path) { raw -> String? in
        guard let first = raw.first, first != 0 else { return nil }
        return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
    guard let path else {
        throw StartupError("The socket systemd passed is an abstract socket, which any local user may connect to; "
            + "give tmsd.socket a path (ListenStream=/run/tmsd/tmsd.sock) with SocketMode=0660.")
    }
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw StartupError("The socket systemd passed, \(path), cannot be examined: \(String(cString: strerror(errno))).")
    }
    if info.st_uid != geteuid() && info.st_uid != 0 {
        throw StartupError("The socket \(path) belongs to uid \(info.st_uid), not to tmsd's user; set SocketUser=tmsd in tmsd.socket.")
    }
    if info.st_mode & 0o002 != 0 {
        throw StartupError(
            "The socket \(path) lets any local user connect (mode \(String(info.st_mode & 0o777, radix: 8))); "
                + "set SocketMode=0660 in tmsd.socket (or chmod o-w).")
    }
    let acl = Hardening.accessACLSize(path)
    // A minimal ACL (user, group, other: 4 + 3 x 8 bytes) only mirrors the mode; more entries name others.
    if acl > 28 {
        throw StartupError("The socket \(path) has an access ACL naming other users or groups; remove it (setfacl -b \(path)).")
    }
}

/// A reason tmsd cannot start, as one sentence.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Connections refused at the limit, logged once an interval: the first at
/// once, the rest as one line with their count when the interval ends (a
/// flood of 200 is two lines, not 200).
final class RefusalTally: Sendable {
    static let interval = 10
    private struct State {
        var limit = 0
        var untold = 0
        var quietUntil: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func refused(limit: Int) {
        let now = ContinuousClock.now
        let tell = state.withLock { s -> Bool in
            s.limit = limit
            if let quiet = s.quietUntil, now < quiet {
                s.untold += 1
                return false
            }
            s.quietUntil = now + .seconds(Self.interval)
            return true
        }
        if tell {
            logger.warning("refused a connection: the connection limit is reached", metadata: [
                "tmsd_max_connections": "\(limit)", "tmsd_next_count_in_s": "\(Self.interval)",
            ])
        }
    }

    /// The refusals not yet told, as one line; the next one is told at once.
    func flush() {
        let (count, limit) = state.withLock { s -> (Int, Int) in
            defer {
                s.untold = 0
                s.quietUntil = nil
            }
            return (s.untold, s.limit)
        }
        guard count > 0 else { return }
        logger.warning("refused more connections: the connection limit is reached", metadata: [
            "tmsd_max_connections": "\(limit)", "tmsd_refused": "\(count)",
        ])
    }
}
