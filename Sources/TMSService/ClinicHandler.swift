public import Foundation
import GRDB
public import Logging
public import TMSCore
import TMSInterface
public import TMSStore
public import TMSNetwork
public import Varlink
import Synchronization

/// The daemon's side of `io.tmsd.Clinic`: each call is checked against its
/// method's declaration in TMSInterface (the role it needs, the IDL, the
/// bounds of its parameters), decoded into the method's input, handed to
/// the method's handler (one per method, grouped by domain in Handlers/),
/// and its output encoded as the IDL's reply. A refusal of a method that
/// writes is audited here, once, with its error's name.
public struct ClinicHandler: VarlinkHandler {
    public let store: ClinicStore
    public let configuration: LiveConfiguration
    public let logger: Logger
    public let now: @Sendable () -> Date
    /// What the network shipper has done (nothing, without [network]).
    public let network: ShippingStatus
    let users = UserDirectory()
    /// Whether the database file was found unable to take writes: said at `crit` once.
    let fileProblem = OnceFlag()
    private var table = MethodTable()

    public init(
        store: ClinicStore, configuration: LiveConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        network: ShippingStatus = ShippingStatus()
    ) {
        self.network = network
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.now = now
        var table = MethodTable()
        registerPatients(&table)
        registerCourses(&table)
        registerSessions(&table)
        registerBooking(&table)
        registerSafety(&table)
        registerMedications(&table)
        registerPathway(&table)
        registerExport(&table)
        registerImports(&table)
        registerNetwork(&table)
        registerOutcomes(&table)
        registerReports(&table)
        registerAccess(&table)
        registerBackups(&table)
        self.table = table
    }

    /// The methods with no handler: none, or a method was declared and not written.
    var unhandled: [String] { Clinic.methods.map { $0.name }.filter { table.entries[$0] == nil } }

    /// A quick read (its declaration's `quick`: one day, course, patient or
    /// session) runs on the event loop, on that loop's own read connection;
    /// every other method, a write or a read that can be long (a report, a
    /// listing of everything), on the call threads, where it holds up no
    /// other connection.
    public func mayBlock(_ method: VarlinkMethod) -> Bool {
        guard let declaration = Clinic.byName[method.name] else { return false }
        return !declaration.quick
    }

    public func streams(_ method: VarlinkMethod) -> Bool { Clinic.byName[method.name]?.streams ?? false }

    /// The reply as members (what the tests read); the server takes `handleEncoded`'s bytes.
    public func handle(
        _ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?
    ) throws -> [String: JSON] {
        let bytes = try handleEncoded(call, method: method, peer: peer, invalid: invalid)
        guard case .object(let members) = try JSON(parsing: bytes) else { throw VarlinkError.methodNotImplemented(call.method) }
        return members
    }

    public func handleEncoded(
        _ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?
    ) throws -> [UInt8] {
        guard let entry = table.entries[method.name] else { throw VarlinkError.methodNotImplemented(call.method) }
        let declaration = entry.declaration
        let snapshot = configuration.snapshot
        let audit = AuditContext(
            uid: Int(peer.uid), user: users.name(of: peer.uid), pid: Int(peer.pid), method: call.method, at: now())
        // Roles are read from the groups only when the method needs one: reads do not touch /etc/group.
        let roles = declaration.role == nil ? [] : snapshot.configuration.roles(of: users.groups(of: peer.uid))
        let context = Call(audit: audit, snapshot: snapshot, roles: roles)
        do {
            if let needed = declaration.role, !roles.contains(needed) {
                logger.notice("permission denied", metadata: [
                    "tmsd_method": "\(call.method)", "tmsd_operator": "\(audit.user)", "tmsd_role_needed": "\(needed.rawValue)",
                ])
                throw Refusal(.permissionDenied, "\(declaration.name) needs the \(needed.rawValue) role")
            }
            if let invalid { throw Refusal(.invalidParameter(invalid.parameter), "parameter \(invalid.parameter): \(invalid.reason)") }
            guard declaration.writes else {
                try checkDatabaseReadable()
                if declaration.quick { try store.useOwnReadConnection() }
                return try entry.run(call.parameters, context)
            }
            // A write is acknowledged only into the file at the database's path: checked before, and
            // after (a change that went into a removed or replaced file is not acknowledged).
            try checkDatabaseFile(acknowledged: false)
            let reply = try entry.run(call.parameters, context)
            try checkDatabaseFile(acknowledged: true)
            return reply
        } catch let refusal as Refusal {
            refused(declaration, audit, refusal.error, refusal.summary)
            throw refusal.error
        } catch let error as ClinicError {
            logger.notice("refused", metadata: [
                "tmsd_method": "\(call.method)", "tmsd_operator": "\(audit.user)", "tmsd_error": "\(error.code.rawValue)",
            ])
            refused(declaration, audit, VarlinkError(error), error.message)
            throw VarlinkError(error)
        } catch let error as VarlinkError {
            refused(declaration, audit, error, error.name)
            throw error
        } catch let error as DatabaseError {
            // GRDB's description names the statement, never its arguments.
            logger.error("database failure", metadata: [
                "tmsd_method": "\(call.method)", "tmsd_sqlite_code": "\(error.resultCode.rawValue)", "tmsd_error": "\(error.message ?? "")",
            ])
            let failure = VarlinkError(
                "\(Clinic.interfaceName).StorageFailure", ["message": .string("The database failed (\(error.resultCode)); nothing was changed.")])
            refused(declaration, audit, failure, "the database failed")
            throw failure
        } catch {
            logger.error("unexpected failure", metadata: ["tmsd_method": "\(call.method)", "tmsd_error": "\(String(describing: type(of: error)))"])
            throw VarlinkError("\(Clinic.interfaceName).StorageFailure", ["message": .string("Internal failure; nothing was changed.")])
        }
    }

    /// Throws StorageFailure if the database file is no longer the one tmsd
    /// opened or its files cannot be written, and says so at `crit` the first time.
    func checkDatabaseFile(acknowledged written: Bool) throws {
        do {
            try store.checkFile(writable: !written)
        } catch {
            reportFileProblem(error)
            let what = written ? "this change went into the old file and is not acknowledged" : "nothing was changed"
            let message = switch error.kind {
            case .removed, .replaced:
                "The database file was \(error.kind == .removed ? "removed" : "replaced by another file") while tmsd ran; \(what). "
                    + "Restart tmsd on the clinic's database (see the README)."
            case .unwritable:
                "The database files cannot be written (\(error.reason ?? "?")); nothing was changed. "
                    + "Make them writable again (chattr -i, a read-write mount) and tmsd goes on."
            }
            throw VarlinkError("\(Clinic.interfaceName).StorageFailure", ["message": .string(message)])
        }
    }

    /// Throws StorageFailure while the database's -shm cannot be written, when
    /// reading through SQLite's mapping of it would kill the process.
    func checkDatabaseReadable() throws {
        do {
            try store.checkReadable()
        } catch {
            reportFileProblem(error)
            throw VarlinkError("\(Clinic.interfaceName).StorageFailure", ["message": .string(
                "The database files cannot be written (\(error.reason ?? "?")), and SQLite cannot read them safely then; "
                    + "nothing was read. Make them writable again (chattr -i, a read-write mount) and tmsd goes on.")])
        }
    }

    /// The one `crit` entry for a database file that can no longer take
    /// writes, whoever finds it first (a write, the watchdog).
    public func reportFileProblem(_ problem: DatabaseFileProblem) {
        guard fileProblem.first() else { return }
        logger.critical("database file cannot take writes: every write is refused; reads go on", metadata: [
            "tmsd_database": "\(problem.path)", "tmsd_error": "\(problem.kind.rawValue)",
        ])
    }

    /// A refusal decided before the handler ran, with what the audit says of it.
    struct Refusal: Error {
        let error: VarlinkError
        let summary: String
        init(_ error: VarlinkError, _ summary: String) {
            self.error = error
            self.summary = summary
        }
    }

    /// Records a refused call of a method that writes, once, with its error's
    /// name; a refused read is not audited (nothing was asked to change).
    private func refused(_ declaration: any ClinicMethod.Type, _ audit: AuditContext, _ error: VarlinkError, _ summary: String) {
        // (Not into files that cannot take it: the write would be lost, or kill the process.)
        guard declaration.writes, (try? store.checkFile()) != nil else { return }
        do {
            try store.auditRefusal(audit, error: error.name, summary: "refused: \(summary)")
        } catch {
            logger.error("could not audit a refused call", metadata: ["tmsd_method": "\(audit.method)", "tmsd_error": "\(error)"])
        }
    }

    /// One line per change: ids and the operator, never patient data. The
    /// caller's place is passed on, so CODE_FILE/LINE/FUNC name the change.
    func log(
        _ message: Logger.Message, _ call: Call, _ metadata: Logger.Metadata,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        var m = metadata
        m["tmsd_method"] = "\(call.audit.method)"
        m["tmsd_operator"] = "\(call.audit.user)"
        logger.info(message, metadata: m, file: file, function: function, line: line)
    }
}

/// What a reload may change while the daemon runs: the configuration in
/// force, with what every call derives from it made once.
public final class LiveConfiguration: Sendable {
    private let current: Mutex<ConfigurationSnapshot>
    public init(_ configuration: Configuration) { current = Mutex(ConfigurationSnapshot(configuration)) }
    public var snapshot: ConfigurationSnapshot { current.withLock { $0 } }
    public var configuration: Configuration { snapshot.configuration }
    public var calendar: ClinicCalendar { snapshot.calendar }
    public func replace(_ configuration: Configuration) {
        let snapshot = ConfigurationSnapshot(configuration)
        current.withLock { $0 = snapshot }
    }
}

/// One configuration and what calls derive from it: the clinic calendar, the
/// records the treatment gate reads and how it weighs its rules. Made once a
/// load, not per call (the gate's selection alone, made per call, was half of
/// CompleteSession's handler outside the store), and shared by reference.
public final class ConfigurationSnapshot: Sendable {
    public let configuration: Configuration
    public let calendar: ClinicCalendar
    public let selection: FactSelection
    public let policy: GatePolicy

    init(_ configuration: Configuration) {
        self.configuration = configuration
        calendar = configuration.calendar
        selection = configuration.clinical.selection
        policy = configuration.clinical.policy
    }
}

/// What a handler knows of its call beyond its input: who and when, the
/// configuration in force when it began, and the caller's roles.
struct Call: Sendable {
    let audit: AuditContext
    let snapshot: ConfigurationSnapshot
    /// The caller's roles, read for methods that need one (empty for reads).
    let roles: Set<Role>

    var configuration: Configuration { snapshot.configuration }
    var calendar: ClinicCalendar { snapshot.calendar }
    /// Today in the clinic's zone.
    var today: CivilDate { calendar.date(at: audit.at) }
    var clinical: ClinicalData { configuration.clinical }
    var booking: BookingPolicy { BookingPolicy(calendar: calendar, resources: configuration.resources) }
    /// Which records the treatment gate reads.
    var selection: FactSelection { snapshot.selection }
    /// The treatment gate, as the clinic weighs its rules, now.
    var gate: TreatmentGate { TreatmentGate(policy: snapshot.policy, calendar: calendar, now: audit.at) }

    /// When something recorded for `date` happened: at `time` that day when
    /// given; else now, when the date is today; else at the start of that day.
    func instant(_ date: CivilDate, _ time: LocalTime?) -> Date {
        if let time { return calendar.instant(on: date, at: time) }
        return date == today ? audit.at : calendar.instant(on: date, at: LocalTime(minutes: 0)!)
    }
}

/// Each method's handler, by name, behind its declaration.
struct MethodTable: Sendable {
    struct Entry: Sendable {
        let declaration: any ClinicMethod.Type
        /// The reply's parameters as JSON text.
        let run: @Sendable ([String: JSON], Call) throws -> [UInt8]
    }

    private(set) var entries: [String: Entry] = [:]

    /// `handler` answers `method`: its input checked against the method's
    /// constraints and decoded, its output encoded.
    mutating func on<M: ClinicMethod>(_ method: M.Type, _ handler: @escaping @Sendable (M.Input, Call) throws -> M.Output) {
        precondition(entries[M.name] == nil, "\(M.name) is handled twice")
        let rules = ConstraintRules(M.Input.constraints)
        entries[M.name] = Entry(declaration: M.self) { parameters, call in
            let input = try Self.input(M.self, parameters, rules: rules, today: call.today)
            return try VarlinkEncoder().encodeObjectBytes(try handler(input, call))
        }
    }

    /// A method's input from its parameters: checked against its
    /// constraints (`rules`, made from them once), then decoded. A breach
    /// is InvalidValue or InvalidDate naming the parameter; a value of the
    /// wrong shape, InvalidParameter.
    static func input<M: ClinicMethod>(
        _ method: M.Type, _ parameters: [String: JSON], rules: ConstraintRules, today: CivilDate
    ) throws -> M.Input {
        var parameters = parameters
        do throws(ConstraintViolation) {
            try rules.check(&parameters, today: today)
        } catch {
            throw ClinicError.invalidValue(error.parameter, error.reason)
        }
        do {
            return try VarlinkDecoder().decode(M.Input.self, from: parameters)
        } catch let DecodingError.dataCorrupted(context) {
            let path = varlinkPath(context.codingPath)
            if let date = context.underlyingError as? CivilDate.Unreadable { throw ClinicError.invalidDate(path, date.text) }
            if let time = context.underlyingError as? LocalTime.Unreadable {
                throw ClinicError.invalidValue(path, "\(UntrustedText.quoted(time.text)) is not HH:MM")
            }
            throw VarlinkError.invalidParameter(path)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.keyNotFound(_, context) {
            throw VarlinkError.invalidParameter(varlinkPath(context.codingPath))
        }
    }
}

/// True the first time it is asked, false after.
final class OnceFlag: Sendable, CustomStringConvertible {
    var description: String { "OnceFlag" }
    private let raised = Atomic<Bool>(false)
    func first() -> Bool { !raised.exchange(true, ordering: .relaxed) }
}
