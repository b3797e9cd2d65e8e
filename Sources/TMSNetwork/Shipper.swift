public import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
public import ServiceLifecycle
import Synchronization
import TMSCore
public import TMSStore

/// Where a site sends its change log: the network's central PostgreSQL.
public struct NetworkSettings: Sendable, Equatable {
    /// The site's id in the network: 1-40 lowercase letters, digits and '-'.
    public var site: String
    /// The server's Unix socket (`/run/postgresql/.s.PGSQL.5432`), or its host and port.
    public var socket: String?
    public var host: String?
    public var port = 5432
    public var database = "tmsd"
    public var user = "tmsd"
    /// The file holding the password (systemd's LoadCredential=), read at each connection; nil: none.
    public var passwordFile: String?
    /// Whether a TCP connection speaks TLS (a Unix socket never does).
    public var tls = CentralTLS.verifyFull
    /// The PEM certificates the server's certificate must chain to; nil: the system's trusted roots.
    public var caFile: String?
    /// Entries sent in one transaction.
    public var batch = 500
    /// What of the records leaves the site.
    public var records = RecordsShipped.full

    public init(site: String) { self.site = site }

    /// Whether `text` can be a site's id.
    public static func isSiteID(_ text: String) -> Bool {
        (1...40).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            && text.first != "-"
    }
}

/// TLS to the central server over TCP.
public enum CentralTLS: String, Sendable, Equatable, CaseIterable {
    /// TLS required, the server's certificate chained to a trusted root and
    /// naming the host connected to (libpq's sslmode of the same name).
    case verifyFull = "verify-full"
    /// Plain TCP: a loopback, or a tunnel that encrypts it.
    case disable
}

/// What the shipper has done, for `tmsctl network status`.
public final class ShippingStatus: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The last entry the central server holds of this site's.
        public var shipped: ChainHead?
        public var lastShippedAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
        /// The central server refused this site's history: shipping stopped.
        public var refused: Bool = false
    }

    private let state = Mutex(Snapshot())
    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) { state.withLock { change(&$0) } }
}

/// Ships the site's change log to the central PostgreSQL, after the last
/// entry the server holds: in order, in batches of `batch` entries, each
/// batch one transaction there. The server applies each entry once (keyed
/// by site and sequence; one sent again is a no-op when it is the same
/// entry) and only after the one before it, and refuses a site whose
/// history differs from what it holds. The shipper reads with the store's
/// readers, never its writer, and holds at most one batch: the clinic's
/// writes never wait on the network. Down links and a stopped server are
/// retried, 1 s doubling to 30 s.
public struct Shipper: Service {
    let store: ClinicStore
    let settings: NetworkSettings
    let status: ShippingStatus
    let logger: Logger

    public init(store: ClinicStore, settings: NetworkSettings, status: ShippingStatus, logger: Logger) {
        self.store = store
        self.settings = settings
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var pause = TimeAmount.seconds(1)
            while !Task.isCancelled, !status.snapshot.refused {
                do {
                    try await ship()
                    pause = .seconds(1)
                } catch is CancellationError {
                    return
                } catch {
                    let text = Self.describe(error)
                    if status.snapshot.lastError != text {
                        logger.warning("network shipping failed", metadata: ["tmsd_site": "\(settings.site)", "tmsd_error": "\(text)"])
                    }
                    status.update {
                        $0.lastError = text
                        $0.lastErrorAt = Date()
                    }
                    try? await Self.pause(pause)
                    pause = min(pause * 2, .seconds(30))
                }
            }
        }
    }

    /// One connection's life: the schema, where the server stands, then
    /// every batch there is, and a look for more each second.
    private func ship() async throws {
        let connection = try await connect()
        do {
            try await ship(on: connection)
        } catch {
            // Closed, and waited for (a connection must not be let go open), whether or not this task is cancelled.
            connection.close().whenComplete { _ in }
            try? await connection.closeFuture.get()
            throw error
        }
    }

    private func ship(on connection: PostgresConnection) async throws {
        let (head, refusal) = try await Self.bounded(connection, .seconds(30)) {
            try await Central.prepare(connection, logger: logger)
            return try await Central.head(connection, site: settings.site, logger: logger)
        }
        status.update { $0.shipped = head }
        if let refusal {
            status.update { $0.refused = true }
            throw ShippingRefused(reason: refusal)
        }
        // The last entry both hold is sent again, for the server to compare: a site whose log was
        // replaced (restored from an older backup, made anew) differs there, or falls short of it.
        let local = try store.chainHead()?.sequence ?? 0
        if let head, local == 0 {
            let reason = "the site's change log is empty, and the server holds \(head.sequence) entries of it"
            try await Self.bounded(connection, .seconds(30)) { try await Central.refuse(settings.site, reason, on: connection, logger: logger) }
            status.update { $0.refused = true }
            throw ShippingRefused(reason: reason)
        }
        let resendAfter = max(0, min(head?.sequence ?? 0, local) - 1)
        var shipped = resendAfter == 0 ? nil : try store.changeLogEntries(after: resendAfter - 1, limit: 1).first?.head
        while !Task.isCancelled {
            let entries = try store.changeLogEntries(after: shipped?.sequence ?? 0, limit: settings.batch)
            guard !entries.isEmpty else {
                try await Self.pause(.seconds(1))
                // A server gone while there was nothing to send: found now, not at the next batch.
                if connection.isClosed { throw ConnectionClosed() }
                continue
            }
            // The site's own chain, checked before it leaves: a break here is shipped nowhere.
            var previous = shipped
            for entry in entries {
                guard entry.follows(previous) else {
                    throw ShippingRefused(reason: "the local change log is broken at entry \(entry.sequence); run tmsctl audit verify")
                }
                previous = entry.head
            }
            guard !connection.isClosed else { throw ConnectionClosed() }
            let verdict = try await Self.bounded(connection, .seconds(30)) {
                try await connection.withTransaction(logger: logger) { connection in
                    try await Central.accept(
                        settings.records == .full ? entries : entries.map(Deidentify.entry), site: settings.site,
                        whole: settings.records == .full, on: connection, logger: logger)
                }
            }
            if let verdict {
                status.update { $0.refused = true }
                logger.critical("the central server refused this site's history", metadata: [
                    "tmsd_site": "\(settings.site)", "tmsd_error": "\(verdict)",
                ])
                throw ShippingRefused(reason: verdict)
            }
            shipped = entries.last!.head
            status.update {
                $0.shipped = shipped
                $0.lastShippedAt = Date()
                $0.lastError = nil
            }
        }
    }

    private func connect() async throws -> PostgresConnection {
        let password = try settings.passwordFile.map { path in
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        var configuration = if let socket = settings.socket {
            PostgresConnection.Configuration(unixSocketPath: socket, username: settings.user, password: password, database: settings.database)
        } else {
            PostgresConnection.Configuration(
                host: settings.host ?? "localhost", port: settings.port, username: settings.user, password: password,
                database: settings.database, tls: try tls())
        }
        configuration.options.connectTimeout = .seconds(10)
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger)
    }

    /// The TCP connection's TLS: verified against `ca-file` (read at each
    /// connection, as the password is) or the system's roots.
    private func tls() throws -> PostgresConnection.Configuration.TLS {
        switch settings.tls {
        case .disable:
            return .disable
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            configuration.minimumTLSVersion = .tlsv12
            if let file = settings.caFile {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            }
            return .require(try NIOSSLContext(configuration: configuration))
        }
    }

    /// Waits `amount` on an event loop's timer (the monotonic clock, whatever
    /// the wall clock does), or until the task is cancelled.
    static func pause(_ amount: TimeAmount) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: Void.self)
        let timer = loop.scheduleTask(in: amount) { promise.succeed() }
        try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            timer.cancel()
            promise.fail(CancellationError())
        }
    }

    /// `work` on `connection`, which is closed (failing what it waits for)
    /// when `work` takes longer than `limit` or the task is cancelled: a
    /// server that went away mid-batch holds nothing up.
    static func bounded<T: Sendable>(
        _ connection: PostgresConnection, _ limit: TimeAmount, _ work: () async throws -> T
    ) async throws -> T {
        let timer = connection.eventLoop.scheduleTask(in: limit) { connection.close().whenComplete { _ in } }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await work()
        } onCancel: {
            connection.close().whenComplete { _ in }
        }
    }

    /// A failure in one line, without the server's whole report.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return "the server said: \(message)" }
            // A connection that failed says why underneath (refused, a certificate not trusted, ...).
            if let underlying = error.underlying { return "\(error.code): \(describe(underlying))" }
            return "\(error.code)"
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "TLS: the server's certificate does not name the host connected to (\(error))"
        }
        if let error = error as? NIOSSLError, case .handshakeFailed(let reasons) = error {
            // BoringSSL's reason names what failed (CERTIFICATE_VERIFY_FAILED, WRONG_VERSION_NUMBER, ...).
            let reason = "\(reasons)".firstMatch(of: /OPENSSL_internal:([A-Z0-9_]+)/).map { String($0.1) } ?? "\(reasons)"
            if reason == "CERTIFICATE_VERIFY_FAILED" {
                return "TLS: the server's certificate is not trusted (it does not chain to ca-file's certificates, or to the system's roots)"
            }
            return "TLS: the handshake failed: \(reason)"
        }
        return "\(error)"
    }
}

/// The central server refused the site's history, or the site's own is broken.
struct ShippingRefused: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// The central server's connection closed (the server stopped, the link went down).
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to the central server closed" }
}
