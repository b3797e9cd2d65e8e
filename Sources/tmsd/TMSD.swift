import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Systemd
import TMSInterface
import TMSService
import TMSNetwork
import TMSStore
import UnixSignals
import Varlink
import VarlinkNIO

#if canImport(Glibc)
import Glibc
#endif

@main
struct TMSD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tmsd",
        abstract: "The treatment-course service of a TMS clinic.",
        discussion: """
            tmsd keeps the clinic's patients, courses, calendars and sessions in SQLite and serves them \
            over Varlink on a Unix socket; tmsctl is its client. Settings come from the built-in defaults, \
            then the config file, then these flags. Under systemd it takes its socket from socket \
            activation when one is passed, reports READY/STATUS/WATCHDOG/RELOADING/STOPPING through \
            sd_notify, and logs to the journal. SIGHUP re-reads the config file; SIGTERM stops after \
            running calls finish.
            """,
        version: tmsdVersion)

    @Option(name: .long, help: ArgumentHelp("Config file (TOML).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Unix socket to listen on (overrides [daemon] socket).", valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("SQLite database (overrides [daemon] database).", valueName: "path"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp(
        "journal, console, or auto: the journal when standard error is connected to it (JOURNAL_STREAM).",
        valueName: "target"))
    var logTarget: LogTarget = .auto

    @Flag(name: .long, help: "Print the resolved configuration and exit; on errors print each with its line and exit 1.")
    var checkConfig = false

    @Flag(name: .long, help: ArgumentHelp(
        "Create an empty database where one was before (its DATABASE.initialized is there and the file is not);"
            + " without it tmsd refuses to start, so a lost database is restored, not replaced unnoticed."))
    var initialize = false

    enum LogTarget: String, ExpressibleByArgument, CaseIterable {
        case auto, journal, console
    }

    /// Defaults, then the file, then the flags: at start and on every reload.
    func resolve() throws -> Configuration {
        var c = try Configuration().applying(file: config ?? Configuration.defaultPath, required: config != nil)
        if let socket { c.socketPath = socket }
        if let database { c.databasePath = database }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else {
                throw ValidationError("--log-level '\(logLevel)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            c.logLevel = level
        }
        return c
    }

    func run() async throws {
        let settings: Configuration
        do {
            settings = try resolve()
        } catch let error as Configuration.Invalid {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(1)
        }
        if checkConfig {
            print(settings.rendered, terminator: "")
            return
        }

        let level = LogLevelBox(settings.logLevel)
        let toJournal = logTarget == .journal || (logTarget == .auto && JournalLogHandler.stderrIsJournal)
        LoggingSystem.bootstrap { label in
            if toJournal { return JournalLogHandler(identifier: "tmsd", level: level) }
            return ConsoleLogHandler(label: label, level: level)
        }
        let logger = Logger(label: "tmsd")
        let notifier = Notifier()
        // Its memory holds patient data: no core file, no ptrace by its own user.
        if !Hardening.makeUndumpable() { logger.warning("could not make the process undumpable") }

        do {
            // Trap SIGHUP before anything can tell systemd we are ready.
            let hangups = await UnixSignalsSequence(trapping: .sighup)
            let endpoint: VarlinkServer.Endpoint
            do {
                endpoint = try SocketActivation.listeningSocket().map { .fileDescriptor($0) } ?? .path(settings.socketPath)
            } catch {
                throw StartupError(error.description)
            }
            if case .fileDescriptor(let fd) = endpoint { try checkActivatedSocket(fd) }
            // The records are created for tmsd's user alone (SQLite gives -wal and -shm the database
            // file's mode); the socket's umask, which lets the staff group in, is set after.
            try checkDatabaseDirectory(of: settings.databasePath)
            umask(0o077)
            let existed = try DatabaseMark.check(settings.databasePath, initialize: initialize)
            let store: ClinicStore
            do {
                store = try ClinicStore(path: settings.databasePath)
            } catch {
                throw StartupError("Could not open database \(settings.databasePath): \(error)")
            }
            try DatabaseMark.write(settings.databasePath, created: !existed, version: tmsdVersion)
            if !existed { logger.notice("database created", metadata: ["tmsd_database": "\(settings.databasePath)"]) }
            let migrations = try store.appliedMigrations().count
            logger.info("database open", metadata: ["tmsd_database": "\(settings.databasePath)", "tmsd_migrations": "\(migrations)"])

            let shared = LiveConfiguration(settings)
            let shipping = ShippingStatus()
            let handler = ClinicHandler(store: store, configuration: shared, logger: logger, network: shipping)
            let dispatcher = VarlinkDispatcher(
                info: VarlinkServiceInfo(vendor: "tmsd", product: "tmsd", version: tmsdVersion, url: "https://github.com/tmsd/tmsd"),
                interfaces: [Clinic.interface], handler: handler)
            let status = DaemonStatus(store: store, settings: shared, chain: try checkChainTail(store, logger: logger))
            let group = MultiThreadedEventLoopGroup.singleton
            umask(0o007)
            let listener = VarlinkListener(
                endpoint: endpoint, frameTimeout: .seconds(Int64(settings.frameTimeoutSeconds)),
                maximumConnections: { shared.configuration.maximumConnections },
                idleTimeout: { shared.configuration.idleTimeoutSeconds == 0 ? nil : .seconds(Int64(shared.configuration.idleTimeoutSeconds)) },
                dispatcher: dispatcher, group: group, logger: logger,
                onReady: { notifier.ready(status: status.line()) }, onStopping: { notifier.stopping() },
                onChanges: { changed in store.onCommit(changed) })
            let reload = ReloadService(
                signals: hangups, settings: shared, level: level, load: { try self.resolve() }, notifier: notifier,
                status: status, logger: logger, store: store)
            let watchdog = WatchdogService(
                interval: notifier.watchdogInterval, eventLoop: group.next(), store: store, notifier: notifier,
                status: status, logger: logger, onFileProblem: { handler.reportFileProblem($0) })
            let dayClose = DayCloseService(close: DayClose(store: store, logger: logger), settings: shared)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: listener), .init(service: reload), .init(service: watchdog), .init(service: dayClose),
            ]
            // (A reload does not change [network]: a restart does.)
            if let network = settings.network {
                services.append(.init(service: Shipper(store: store, settings: network, status: shipping, logger: logger)))
                logger.info("shipping the change log", metadata: ["tmsd_site": "\(network.site)"])
            }
            var configuration = ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            configuration.maximumGracefulShutdownDuration = .seconds(settings.shutdownTimeoutSeconds)
            try await ServiceGroup(configuration: configuration).run()
            logger.info("stopped")
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["tmsd_error": "\(error.description)"])
            if toJournal { FileHandle.standardError.write(Data("tmsd: \(error.description)\n".utf8)) }
            throw ExitCode(1)
        }
    }
}

let tmsdVersion = "0.1.0"
