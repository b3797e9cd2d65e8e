import ArgumentParser
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Systemd
import TMSService
import TMSStore
import Varlink

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
            then the config file, then these flags.
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

    @Flag(name: .long, help: "Print the resolved configuration and exit; on errors print each with its line and exit 1.")
    var checkConfig = false

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

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "tmsd")

        do {
            let store = try ClinicStore(path: settings.databasePath)
            let migrations = try store.appliedMigrations().count
            logger.info("database open", metadata: ["tmsd_database": "\(settings.databasePath)", "tmsd_migrations": "\(migrations)"])
            let service = ClinicService(store: store, settings: ClinicService.Settings(settings), logger: logger)
            let dispatcher = VarlinkDispatcher(
                info: VarlinkServiceInfo(vendor: "tmsd", product: "tmsd", version: tmsdVersion, url: "https://github.com/tmsd/tmsd"),
                interfaces: [ClinicService.interface], handler: service)
            umask(0o007)
            let notifier = Notifier()
            let listener = VarlinkListener(
                endpoint: .path(settings.socketPath), frameTimeout: .seconds(Int64(settings.frameTimeoutSeconds)),
                dispatcher: dispatcher, group: MultiThreadedEventLoopGroup.singleton,
                logger: logger, onReady: { notifier.ready(status: "serving") }, onStopping: { notifier.stopping() })
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: listener)],
                    gracefulShutdownSignals: [.sigterm, .sigint],
                    logger: logger))
            try await group.run()
            logger.info("stopped")
        } catch let error as StartupError {
            logger.critical("cannot start", metadata: ["tmsd_error": "\(error.description)"])
            FileHandle.standardError.write(Data("tmsd: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

let tmsdVersion = "0.1.0"
