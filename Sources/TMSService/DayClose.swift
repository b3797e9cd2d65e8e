public import Foundation
public import Logging
public import ServiceLifecycle
import TMSCore
public import TMSStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The clinic day's close: a session of an active course still scheduled
/// becomes a no-show and is re-booked as a missed one. What CloseDay does
/// when the front desk asks, and what tmsd does itself at `[clinic]
/// day-close` (and, at start, for any earlier day left open).
public struct DayClose: Sendable {
    public let store: ClinicStore
    public let logger: Logger
    /// The sessions already logged as not re-booked: tmsd's own close tries
    /// them again at every beat, and says so once, not every 30 s.
    private let logged = LoggedSessions()

    public init(store: ClinicStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Closes `date`: the no-shows with their replacements, and warnings
    /// (a session that could not be re-booked, authorizations outrun).
    /// Logged with ids and counts, never a patient.
    func close(
        _ date: CivilDate, configuration: Configuration, calendar: ClinicCalendar, today: CivilDate, audit: AuditContext
    ) throws -> (noShows: [(session: SessionRecord, replacement: SessionRecord)], warnings: [String]) {
        let booking = BookingPolicy(calendar: calendar, resources: configuration.resources)
        let result = try store.closeDay(date, clinic: booking, today: today, audit: audit)
        var warnings: [String] = []
        for (session, error) in result.failed {
            warnings.append("Session \(session) could not be re-booked (\((error as? ClinicError)?.message ?? "\(error)")); it stays scheduled.")
            guard logged.first(session) else { continue }
            logger.error("a no-show could not be re-booked; it stays scheduled", metadata: [
                "tmsd_session": "\(session)", "tmsd_date": "\(date)", "tmsd_error": "\((error as? ClinicError)?.code.rawValue ?? "\(type(of: error))")",
            ])
        }
        for course in Set(result.closed.map(\.session.courseId)).sorted() {
            warnings += try store.authorizationWarnings(course, warnPercent: configuration.authorizationWarningPercent, audit.method, logger)
        }
        // (tmsd's own close comes here only for a day with sessions left open.)
        logger.notice("day closed", metadata: [
            "tmsd_date": "\(date)", "tmsd_no_shows": "\(result.closed.count)", "tmsd_not_rebooked": "\(result.failed.count)",
            "tmsd_operator": "\(audit.user)",
        ])
        return (result.closed, warnings)
    }

    /// Closes every day due at `instant`: those before today left open, and
    /// today once its close has passed (none with `day-close = "off"`). How
    /// many sessions became no-shows.
    @discardableResult
    public func closeDue(at instant: Date, settings: LiveConfiguration) -> Int {
        let configuration = settings.configuration, calendar = settings.calendar
        guard configuration.dayClose != .off else { return 0 }
        let today = calendar.date(at: instant)
        let closesToday = configuration.closing(on: today).map { calendar.instant(on: today, at: $0) <= instant } ?? false
        let audit = AuditContext(
            uid: Int(getuid()), user: "tmsd", pid: Int(getpid()), method: "io.tmsd.Clinic.CloseDay", at: instant)
        var count = 0
        do {
            for date in try store.daysLeftOpen(through: today, includingToday: closesToday) {
                count += try close(date, configuration: configuration, calendar: calendar, today: today, audit: audit).noShows.count
            }
        } catch {
            logger.error("could not close the clinic day; its sessions stay scheduled", metadata: ["tmsd_error": "\(error)"])
        }
        return count
    }
}

/// Sessions said once.
private final class LoggedSessions: Sendable {
    private let ids = Mutex<Set<Int>>([])
    /// Whether `session` is said for the first time.
    func first(_ session: Int) -> Bool { ids.withLock { $0.insert(session).inserted } }
}

/// Closes the clinic's days as they end: at start, then every `beat`.
public struct DayCloseService: Service, CustomStringConvertible {
    public let close: DayClose
    public let settings: LiveConfiguration
    public let beat: Duration

    public init(close: DayClose, settings: LiveConfiguration, beat: Duration = .seconds(30)) {
        self.close = close
        self.settings = settings
        self.beat = beat
    }

    /// Said without reflecting its store (ServiceLifecycle prints its services).
    public var description: String { "DayCloseService" }

    public func run() async throws {
        while !Task.isShuttingDownGracefully {
            close.closeDue(at: Date(), settings: settings)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: beat) }
            } catch {
                return
            }
        }
    }
}
