public import Foundation
public import Logging
public import NIOCore
import NIOPosix
public import ServiceLifecycle
public import Systemd
import TMSCore
public import TMSStore
public import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP: re-read the configuration. systemd hears RELOADING=1 (with the
/// monotonic time) before and READY=1 after. A file that fails to parse is
/// logged problem by problem, with its line, and the configuration in force
/// stays; the daemon serves throughout.
public struct ReloadService: Service {
    public let signals: UnixSignalsSequence
    public let settings: LiveConfiguration
    public let level: LogLevelBox
    /// Reads the file again and applies the command line's flags over it.
    public let load: @Sendable () throws -> Configuration
    public let notifier: Notifier
    public let status: DaemonStatus
    public let logger: Logger
    /// Where bookings the new configuration no longer allows are moved.
    public let store: ClinicStore?

    public init(signals: UnixSignalsSequence, settings: LiveConfiguration, level: LogLevelBox,
                load: @escaping @Sendable () throws -> Configuration, notifier: Notifier, status: DaemonStatus, logger: Logger,
                store: ClinicStore? = nil) {
        self.store = store
        self.signals = signals
        self.settings = settings
        self.level = level
        self.load = load
        self.notifier = notifier
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading()
            reload()
            notifier.ready(status: status.line())
        }
    }

    /// One reload: apply the new configuration, or keep the old and say why.
    public func reload() {
        do {
            let new = try load()
            let old = settings.configuration
            if new.socketPath != old.socketPath || new.databasePath != old.databasePath {
                logger.notice("the socket and database paths change only at restart", metadata: [
                    "tmsd_socket": "\(old.socketPath)", "tmsd_database": "\(old.databasePath)",
                ])
            }
            settings.replace(new)
            level.current = new.logLevel
            logger.info("configuration reloaded", metadata: ["tmsd_log_level": "\(new.logLevel)", "tmsd_time_zone": "\(new.timeZoneName)"])
            if new.calendar != old.calendar || new.resources != old.resources, let store {
                rebookAfterChange(store, new)
            }
        } catch let error as Configuration.Invalid {
            for problem in error.problems {
                logger.error("configuration not reloaded; the previous one stays in force", metadata: [
                    "tmsd_config_file": "\(problem.file)", "tmsd_config_line": "\(problem.line.map(String.init) ?? "-")",
                    "tmsd_config_key": "\(problem.key ?? "-")", "tmsd_problem": "\(problem.message)",
                ])
            }
        } catch {
            logger.error("configuration not reloaded; the previous one stays in force", metadata: ["tmsd_problem": "\(error)"])
        }
    }
}

extension ReloadService {
    /// Moves every open booking the new days, hours or chairs no longer allow,
    /// and reports each move: a log line per session and an audit row.
    func rebookAfterChange(_ store: ClinicStore, _ config: Configuration) {
        let calendar = config.calendar
        let now = Date()
        let audit = AuditContext(
            uid: Int(getuid()), user: "tmsd", pid: Int(getpid()), method: "reload", at: now)
        do {
            let moves = try store.applyClinicChange(
                clinic: BookingPolicy(calendar: calendar, resources: config.resources), today: calendar.date(at: now), audit: audit)
            for move in moves {
                logger.notice("session moved: the clinic's calendar changed", metadata: [
                    "tmsd_session": "\(move.session)", "tmsd_course": "\(move.course)",
                    "tmsd_from": "\(move.from.date) \(move.from.time)", "tmsd_to": "\(move.to.date) \(move.to.time)",
                    "tmsd_chair": "\(move.to.chair ?? "-")",
                ])
            }
            logger.notice("bookings checked against the new configuration", metadata: ["tmsd_moved": "\(moves.count)"])
            for course in Set(moves.map(\.course)).sorted() {
                _ = try store.authorizationWarnings(course, warnPercent: config.authorizationWarningPercent, "reload", logger)
            }
        } catch {
            logger.error("could not re-book after the configuration changed; the bookings stay as they were", metadata: [
                "tmsd_error": "\(error)",
            ])
        }
    }
}

/// The daemon's one-line STATUS: "serving; 14 sessions today, 5 done".
public struct DaemonStatus: Sendable {
    public let store: ClinicStore
    public let settings: LiveConfiguration
    /// What the start's check of the audit chain found ("audit chain intact at start, through entry 41").
    public let chain: String

    public init(store: ClinicStore, settings: LiveConfiguration, chain: String) {
        self.store = store
        self.settings = settings
        self.chain = chain
    }

    public func line(at instant: Date = Date()) -> String {
        let today = settings.calendar.date(at: instant)
        do {
            try store.checkFile()
        } catch {
            let what = switch error.kind {
            case .removed, .replaced: "DATABASE FILE \(error.kind.rawValue.uppercased()): writes refused; restart tmsd on the clinic's database"
            case .unwritable: "DATABASE FILES NOT WRITABLE: calls refused until they are"
            }
            return "\(what); \(chain)"
        }
        guard let (booked, done) = try? store.dayCounts(on: today) else { return "serving; the database does not answer; \(chain)" }
        return "serving; \(booked) session\(booked == 1 ? "" : "s") today, \(done) done; \(chain)"
    }
}

/// The audit chain's newest `tail` entries checked when tmsd starts: logged
/// (a break at `crit`), and the words for STATUS=. tmsd serves either way.
public func checkChainTail(_ store: ClinicStore, tail: Int = 10_000, logger: Logger) throws -> String {
    let head = try store.chainHead()
    let from = max(1, (head?.sequence ?? 0) - tail + 1)
    let result = try store.verifyChain(from: from)
    if let broken = result.broken {
        logger.critical("audit chain broken", metadata: [
            "tmsd_sequence": "\(broken.sequence)", "tmsd_reason": "\(broken.reason)", "tmsd_checked_from": "\(from)",
        ])
        return "AUDIT CHAIN BROKEN at entry \(broken.sequence)"
    }
    guard let through = result.intactThrough else {
        logger.info("audit chain empty")
        return "audit chain empty at start"
    }
    logger.info("audit chain intact", metadata: [
        "tmsd_sequence": "\(through.sequence)", "tmsd_hash": "\(through.hash)", "tmsd_checked_from": "\(from)",
    ])
    return "audit chain intact at start, through entry \(through.sequence)"
}

/// WATCHDOG=1 at half of systemd's WatchdogSec, sent only when the event
/// loop and the database both answered within that half; STATUS refreshed on
/// the same beat. Without a watchdog it only refreshes STATUS, once a minute.
public struct WatchdogService: Service {
    public let interval: Duration?
    public let eventLoop: any EventLoop
    public let store: ClinicStore
    public let notifier: Notifier
    public let status: DaemonStatus
    public let logger: Logger
    /// Told of database files that cannot take writes (the handler's one `crit` entry).
    public let onFileProblem: @Sendable (DatabaseFileProblem) -> Void

    public init(interval: Duration?, eventLoop: any EventLoop, store: ClinicStore, notifier: Notifier,
                status: DaemonStatus, logger: Logger, onFileProblem: @escaping @Sendable (DatabaseFileProblem) -> Void = { _ in }) {
        self.onFileProblem = onFileProblem
        self.interval = interval
        self.eventLoop = eventLoop
        self.store = store
        self.notifier = notifier
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        let beat = interval ?? .seconds(60)
        var healthy = true
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: beat) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            // Files that cannot take a write are not probed with one (SQLite would write its
            // -shm through a mapping the kernel refuses: SIGBUS); STATUS says so.
            var problem: DatabaseFileProblem?
            do { try store.checkFile() } catch { problem = error }
            if let problem { onFileProblem(problem) }
            let ok = await answers(within: beat, probing: problem == nil)
            if ok {
                if interval != nil { notifier.watchdog() }
                notifier.status(status.line())
                if !healthy { logger.notice("the event loop and the database answer again") }
            } else if healthy {
                logger.critical("the event loop or the database did not answer in time; watchdog pings stop")
            }
            healthy = ok
        }
    }

    /// Whether the event loop ran a task and the database took its write lock,
    /// both within `limit`. A wedged event loop never runs the task, so this
    /// never returns and no ping follows, which is what systemd must see.
    func answers(within limit: Duration, probing: Bool = true) async -> Bool {
        let store = self.store
        let loop = eventLoop
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        let outcome = loop.flatSubmit { () -> EventLoopFuture<Bool> in
            // Here, on the loop: it answered. Now the database, against the clock.
            let database = NIOThreadPool.singleton.runIfActive(eventLoop: loop) { () throws -> Bool in
                if probing { try store.probe() }
                return true
            }
            let first = loop.makePromise(of: Bool.self)
            let decided = NIOLoopBoundBox(false, eventLoop: loop)
            let deadline = loop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                guard !decided.value else { return }
                decided.value = true
                first.succeed(false)
            }
            database.whenComplete { result in
                deadline.cancel()
                guard !decided.value else { return }
                decided.value = true
                first.succeed((try? result.get()) ?? false)
            }
            return first.futureResult
        }
        return (try? await outcome.get()) ?? false
    }
}
