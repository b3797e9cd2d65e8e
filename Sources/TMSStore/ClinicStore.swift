import Foundation
import GRDB
import GRDBSQLite
import Synchronization
import TMSCore

/// The clinic's records in one SQLite database.
///
/// One `DatabasePool` (WAL) for the life of the process; migrations run when
/// it opens. Each public method is one transaction that keeps the rules of the
/// records, and every change writes its audit row in the same transaction.
/// A method that returns has committed with `synchronous = FULL`: on disk.
public struct ClinicStore: Sendable, CustomStringConvertible {
    let pool: DatabasePool
    /// Every write of the store goes through it (`write`), in batches.
    let committer: GroupCommitter
    private let commits: CommitObservers
    /// The event loops' read connections (`useOwnReadConnection`).
    let ownReaders: OwnReaders
    public let path: String
    /// The file opened at `path` (`checkFile`).
    let opened: FileVersion?

    /// Opens (creating if needed) and migrates the database at `path`.
    /// Throws `ForeignDatabase`, having changed nothing, for a file that is
    /// another application's or a newer tmsd's.
    public init(path: String) throws {
        try Self.checkIdentity(path: path)
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.publicStatementArguments = false  // arguments are patient data
        let pool = try DatabasePool(path: path, configuration: config)
        // GRDB sets synchronous = NORMAL when it turns WAL on, after
        // prepareDatabase has run; set FULL on the writer afterwards.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY") }
        try pool.writeWithoutTransaction { db in
            if try Int32.fetchOne(db, sql: "PRAGMA application_id") != Self.applicationID {
                try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
            }
        }
        try Self.migrator.migrate(pool)
        // From here every write that changes a record appends its change-log entry, or does not commit.
        let tracker = ChangeTracker()
        pool.add(transactionObserver: tracker, extent: .databaseLifetime)
        try pool.writeWithoutTransaction { db in
            ChangeTracker.register(tracker, for: db)
            try tracker.install(db)
        }
        self.pool = pool
        let commits = CommitObservers()
        self.commits = commits
        committer = GroupCommitter(pool: pool) { commits.notify() }
        ownReaders = OwnReaders(path: path, configuration: config)
        self.path = path
        opened = FileVersion(path)
    }

    /// One write: its own savepoint in a transaction it may share with the
    /// writes that arrived with it, returned only once that is on disk.
    func write<T>(_ body: (Database) throws -> T) throws -> T { try committer.write(body) }

    /// Calls `observer` after every write that committed (a batch of them
    /// once), on the thread that committed it: keep it short.
    public func onCommit(_ observer: @escaping @Sendable () -> Void) { commits.add(observer) }

    /// The file, not the fields: printing a store must not reflect into its locks.
    public var description: String { "ClinicStore(\(path))" }

    /// For the benchmark: the batch sizes committed so far ([size: batches]).
    @_spi(Benchmark) public var batchSizes: [Int: Int] { committer.batchSizes }
    /// How many batches waited for their writers to queue, and how many of those waits ran out.
    @_spi(Benchmark) public var batchingWindows: (waited: Int, ranOut: Int) { committer.batchingWindows }

    /// The writer connection's `synchronous` setting (2 = FULL).
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Takes and releases the write lock: succeeds only while the database
    /// can accept a write (the watchdog's question). Waits at most the busy
    /// timeout for a lock held elsewhere.
    public func probe() throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }

    /// A patient's row with whether it is active (`patientRecord` reads it): `SELECT \(patientColumns) WHERE ...`.
    static let patientColumns = "p.*, coalesce(st.active, 1) AS active FROM patient p LEFT JOIN patient_status st ON st.patient_id = p.id"

    static func patient(_ db: Database, _ id: Int) throws -> PatientRecord {
        let statement = try db.cachedStatement(sql: "SELECT \(patientColumns) WHERE p.id = ?")
        guard let patient = try fetch(statement, [id], patientRecord).first else { throw ClinicError.patientNotFound(id) }
        return patient
    }

    static func course(_ db: Database, _ id: Int) throws -> CourseRecord {
        let statement = try db.cachedStatement(sql: "SELECT * FROM course WHERE id = ?")
        guard let course = try fetch(statement, [id], courseRecord).first else { throw ClinicError.courseNotFound(id) }
        return course
    }

    /// The patient of course `id`, for a write that needs no more of the
    /// course than that it exists and whose it is (reading the whole record
    /// was a fifth of a RecordOutcome's transaction).
    static func coursePatient(_ db: Database, _ id: Int) throws -> Int {
        guard let patient = try Int.fetchOne(db.cachedStatement(sql: "SELECT patient_id FROM course WHERE id = ?"), arguments: [id]) else {
            throw ClinicError.courseNotFound(id)
        }
        return patient
    }

    static func session(_ db: Database, _ id: Int) throws -> SessionRecord {
        guard let session = try sessions(db, where: "s.id = ?", [id]).first else { throw ClinicError.sessionNotFound(id) }
        return session
    }

    /// A session that may still change, and its course, which must be active.
    static func openSession(_ db: Database, _ id: Int) throws -> (SessionRecord, CourseRecord) {
        let (session, course) = try changeableSession(db, id)
        guard course.status == .active else { throw ClinicError.courseNotActive(course.id, status: course.status.rawValue) }
        return (session, course)
    }

    /// A session that has not ended, and its course, whatever the course's state
    /// (for the acts the treatment gate decides on, which weighs it).
    static func changeableSession(_ db: Database, _ id: Int) throws -> (SessionRecord, CourseRecord) {
        let session = try session(db, id)
        let course = try course(db, session.courseId)
        guard session.status.isOpen else { throw ClinicError.sessionAlreadyFinished(id, status: session.status.rawValue) }
        return (session, course)
    }

    /// The columns `sessionRecord` reads.
    static let sessionSelect = """
        SELECT s.id, s.course_id, c.patient_id, s.number, c.total_sessions, s.phase, s.scheduled_date, s.scheduled_time,
          s.scheduled_at, s.status, s.started_at, s.finished_at, s.motor_threshold, s.intensity_pct_mt, s.frequency_hz,
          s.pulses_per_train, s.train_duration_s, s.inter_train_interval_s, s.trains, s.pulses_delivered, s.coil, s.target,
          s.notes, s.reason, s.replaces, (SELECT r.id FROM session r WHERE r.replaces = s.id) AS replaced_by,
          s.chair, s.slot_minutes, s.medications, s.service_date
        """

    static func sessions(
        _ db: Database, where condition: String, _ arguments: StatementArguments, first: Bool = false
    ) throws -> [SessionRecord] {
        let statement = try db.cachedStatement(
            sql: sessionSelect + " FROM session s JOIN course c ON c.id = s.course_id WHERE \(condition) ORDER BY s.scheduled_at, s.id"
                + (first ? " LIMIT 1" : ""))
        return try fetch(statement, arguments, sessionRecord)
    }

    /// Decodes rows straight from SQLite as it steps the statement here, each
    /// read by column name: the names' positions are found once per fetch,
    /// where GRDB's `row["name"]` lower-cases and looks the name up on every
    /// read, and its RowCursor builds a lower-cased index of every column's
    /// name for each fetch.
    static func fetch<T>(_ statement: Statement, _ arguments: StatementArguments, _ decode: (NamedRow) -> T) throws -> [T] {
        try statement.setArguments(arguments)  // resets it, checks and binds the arguments
        let sqlite = statement.sqliteStatement
        defer { sqlite3_reset(sqlite) }
        let columns = Columns(statement)
        var records: [T] = []
        while true {
            switch sqlite3_step(sqlite) {
            case SQLITE_ROW:
                records.append(decode(NamedRow(statement: sqlite, columns: columns)))
            case SQLITE_DONE:
                return records
            case let code:
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(sqlite))),
                    sql: statement.sql)
            }
        }
    }

    /// The one row of `statement`, read by column name.
    static func fetchOne<T>(_ statement: Statement, _ arguments: StatementArguments, _ decode: (NamedRow) -> T) throws -> T? {
        try fetch(statement, arguments, decode).first
    }

    /// Numbers the sessions that count (all but missed and aborted) 1, 2, ... in time order.
    static func renumber(_ db: Database, course: Int) throws {
        try db.cachedStatement(sql: """
            UPDATE session SET number = ranked.n
            FROM (SELECT id, row_number() OVER (ORDER BY scheduled_at, id) AS n FROM session
                  WHERE course_id = ? AND status NOT IN ('missed', 'aborted')) AS ranked
            WHERE session.id = ranked.id AND session.number != ranked.n
            """).execute(arguments: [course])
    }

    /// Where a course stands, counted by SQLite rather than read row by row.
    /// How many of a course's sessions are done, missed, aborted and still open.
    static func sessionCounts(_ db: Database, _ courseId: Int) throws -> (done: Int, missed: Int, aborted: Int, open: Int) {
        try fetchOne(
            try db.cachedStatement(sql: """
                SELECT count(*) FILTER (WHERE status = 'completed') AS done, count(*) FILTER (WHERE status = 'missed') AS missed,
                  count(*) FILTER (WHERE status = 'aborted') AS aborted,
                  count(*) FILTER (WHERE status IN ('scheduled', 'in_progress')) AS open
                FROM session WHERE course_id = ?
                """),
            [courseId]
        ) { row in (row["done"], row["missed"], row["aborted"], row["open"]) }!
    }

    /// `counts`, when the caller has just read them, saves reading them again.
    static func progress(
        _ db: Database, _ course: CourseRecord, counts known: (done: Int, missed: Int, aborted: Int, open: Int)? = nil
    ) throws -> CourseProgress {
        let counts = try known ?? sessionCounts(db, course.id)
        let active = course.status == .active
        let next = active
            ? try sessions(db, where: "s.course_id = ? AND s.status IN ('scheduled', 'in_progress')", [course.id], first: true).first
            : nil
        // A paused course still owes what it has not done.
        let owing = active || course.status == .paused || course.status == .onHold
        return CourseProgress(
            total: course.totalSessions, done: counts.done, missed: counts.missed, aborted: counts.aborted,
            remaining: owing ? course.totalSessions - counts.done : 0, next: next)
    }
}

/// Who is told of commits (`ClinicStore.onCommit`).
final class CommitObservers: Sendable, CustomStringConvertible {
    private let observers = Mutex<[@Sendable () -> Void]>([])
    func add(_ observer: @escaping @Sendable () -> Void) { observers.withLock { $0.append(observer) } }
    func notify() {
        for observer in observers.withLock({ $0 }) { observer() }
    }
    /// Said without reflecting its lock (ServiceLifecycle prints its services).
    var description: String { "CommitObservers" }
}
