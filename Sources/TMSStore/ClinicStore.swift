import Foundation
import GRDB
public import TMSCore

/// The clinic's records in one SQLite database.
///
/// One `DatabasePool` (WAL) for the life of the process; migrations run when
/// it opens. Each public method is one transaction that keeps the rules of the
/// records, and every change writes its audit row in the same transaction.
/// A method that returns has committed with `synchronous = FULL`: on disk.
public struct ClinicStore: Sendable {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.publicStatementArguments = false  // arguments are patient data
        let pool = try DatabasePool(path: path, configuration: config)
        // GRDB sets synchronous = NORMAL when it turns WAL on, after
        // prepareDatabase has run; set FULL on the writer afterwards.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(pool)
        self.pool = pool
        self.path = path
    }

    /// The writer connection's `synchronous` setting (2 = FULL).
    public func synchronousMode() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedMigrations(db) }
    }

    // MARK: - Migrations (never edited once landed; add new ones below)

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-30 patients, courses, sessions, audit") { db in
            try db.execute(sql: """
                CREATE TABLE patient (
                  id INTEGER PRIMARY KEY,
                  mrn TEXT NOT NULL UNIQUE,
                  family_name TEXT NOT NULL,
                  given_name TEXT NOT NULL,
                  birth_date TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE TABLE course (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  protocol_id TEXT NOT NULL,
                  protocol_name TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'cancelled')),
                  status_reason TEXT,
                  start_date TEXT NOT NULL,
                  session_time TEXT NOT NULL,
                  time_zone TEXT NOT NULL,
                  prescriber TEXT NOT NULL,
                  target_method TEXT NOT NULL,
                  target_label TEXT NOT NULL,
                  target_x REAL, target_y REAL, target_z REAL,
                  coordinate_system TEXT,
                  frequency_hz REAL NOT NULL,
                  intensity_pct_mt REAL NOT NULL,
                  pulses_per_train INTEGER NOT NULL,
                  train_duration_s REAL NOT NULL,
                  inter_train_interval_s REAL NOT NULL,
                  trains INTEGER NOT NULL,
                  pulses_per_session INTEGER NOT NULL CHECK (pulses_per_session = trains * pulses_per_train),
                  sessions_per_day INTEGER NOT NULL,
                  interval_minutes INTEGER NOT NULL,
                  total_sessions INTEGER NOT NULL,
                  phases TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX course_by_patient ON course(patient_id);
                CREATE TABLE session (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  number INTEGER NOT NULL,
                  phase TEXT NOT NULL,
                  scheduled_date TEXT NOT NULL,
                  scheduled_time TEXT NOT NULL,
                  scheduled_at TEXT NOT NULL,
                  status TEXT NOT NULL
                    CHECK (status IN ('scheduled', 'in_progress', 'completed', 'missed', 'aborted')),
                  started_at TEXT,
                  finished_at TEXT,
                  motor_threshold REAL,
                  intensity_pct_mt REAL,
                  frequency_hz REAL,
                  pulses_per_train INTEGER,
                  train_duration_s REAL,
                  inter_train_interval_s REAL,
                  trains INTEGER,
                  pulses_delivered INTEGER,
                  coil TEXT,
                  target TEXT,
                  notes TEXT,
                  reason TEXT,
                  replaces INTEGER UNIQUE REFERENCES session(id),
                  CHECK (status != 'completed' OR (motor_threshold IS NOT NULL AND pulses_delivered IS NOT NULL))
                );
                CREATE INDEX session_by_date ON session(scheduled_date, scheduled_time);
                CREATE INDEX session_by_course ON session(course_id, scheduled_at);
                CREATE TABLE audit (
                  id INTEGER PRIMARY KEY,
                  at TEXT NOT NULL,
                  uid INTEGER NOT NULL,
                  user TEXT NOT NULL,
                  pid INTEGER NOT NULL,
                  method TEXT NOT NULL,
                  patient_id INTEGER,
                  course_id INTEGER,
                  session_id INTEGER,
                  summary TEXT NOT NULL
                );
                CREATE INDEX audit_by_course ON audit(course_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 chairs and slots") { db in
            try db.execute(sql: """
                ALTER TABLE course ADD COLUMN coil TEXT;
                ALTER TABLE course ADD COLUMN slot_minutes INTEGER;
                ALTER TABLE session ADD COLUMN chair TEXT;
                ALTER TABLE session ADD COLUMN start_minute INTEGER;
                ALTER TABLE session ADD COLUMN slot_minutes INTEGER;
                CREATE INDEX session_by_day_and_chair ON session(scheduled_date, chair);
                """)
            for treatment in ProtocolLibrary.builtIn {
                try db.execute(
                    sql: "UPDATE course SET coil = ?, slot_minutes = ? WHERE protocol_id = ?",
                    arguments: [treatment.coil, ClinicResources.stimulationMinutes(treatment) + 10, treatment.id])
            }
            // The last line of defence: no two live bookings overlap on a chair.
            let clash = """
                SELECT RAISE(ABORT, 'chair double-booked') FROM session o
                WHERE o.scheduled_date = NEW.scheduled_date AND o.chair = NEW.chair AND o.id != NEW.id
                  AND o.status IN ('scheduled', 'in_progress', 'completed')
                  AND o.start_minute < NEW.start_minute + NEW.slot_minutes AND NEW.start_minute < o.start_minute + o.slot_minutes;
                """
            try db.execute(sql: """
                CREATE TRIGGER session_chair_free_on_insert BEFORE INSERT ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                CREATE TRIGGER session_chair_free_on_update
                BEFORE UPDATE OF scheduled_date, start_minute, slot_minutes, chair, status ON session
                WHEN NEW.chair IS NOT NULL AND NEW.status IN ('scheduled', 'in_progress', 'completed')
                BEGIN \(clash) END;
                """)
        }
        migrator.registerMigration("2026-11-30 pauses and chair outages") { db in
            try db.execute(sql: """
                ALTER TABLE course ADD COLUMN paused_from TEXT;
                CREATE TABLE chair_outage (
                  id INTEGER PRIMARY KEY,
                  chair TEXT NOT NULL,
                  from_date TEXT NOT NULL,
                  to_date TEXT NOT NULL CHECK (to_date >= from_date),
                  reason TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX chair_outage_by_dates ON chair_outage(from_date, to_date);
                """)
        }
        migrator.registerMigration("2026-11-30 outcomes and alerts") { db in
            try db.execute(sql: """
                CREATE TABLE outcome (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  scale TEXT NOT NULL,
                  timepoint TEXT NOT NULL CHECK (timepoint IN ('baseline', 'weekly', 'end')),
                  date TEXT NOT NULL,
                  total INTEGER NOT NULL,
                  items TEXT,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX outcome_by_course ON outcome(course_id, scale, date);
                CREATE TABLE alert (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  outcome_id INTEGER REFERENCES outcome(id),
                  kind TEXT NOT NULL,
                  detail TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  acknowledged_at TEXT,
                  acknowledged_by TEXT,
                  note TEXT
                );
                CREATE INDEX alert_open ON alert(acknowledged_at, id);
                """)
        }
        migrator.registerMigration("2026-11-30 motor thresholds and adverse events") { db in
            try db.execute(sql: """
                CREATE TABLE motor_threshold (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  date TEXT NOT NULL,
                  method TEXT NOT NULL CHECK (method IN ('visual', 'emg', 'algorithm')),
                  muscle TEXT NOT NULL,
                  value REAL NOT NULL CHECK (value >= 1 AND value <= 100),
                  operator TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX motor_threshold_by_course ON motor_threshold(course_id, date);
                CREATE TABLE adverse_event (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  session_id INTEGER REFERENCES session(id),
                  kind TEXT NOT NULL,
                  severity TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
                  date TEXT NOT NULL,
                  details TEXT NOT NULL,
                  held INTEGER NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX adverse_event_by_course ON adverse_event(course_id, date);
                ALTER TABLE course ADD COLUMN held_since TEXT;
                ALTER TABLE course ADD COLUMN hold_reason TEXT;
                """)
        }
        migrator.registerMigration("2026-11-30 safety screens") { db in
            try db.execute(sql: """
                CREATE TABLE screen (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  date TEXT NOT NULL,
                  answers TEXT NOT NULL,
                  result TEXT NOT NULL CHECK (result IN ('clear', 'relative', 'absolute')),
                  findings TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  signed_off_by TEXT,
                  sign_off_reason TEXT,
                  signed_off_at TEXT
                );
                CREATE INDEX screen_by_course ON screen(course_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 medications") { db in
            try db.execute(sql: """
                CREATE TABLE medication (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  drug TEXT NOT NULL,
                  dose REAL NOT NULL CHECK (dose > 0),
                  unit TEXT NOT NULL CHECK (unit != ''),
                  start_date TEXT NOT NULL,
                  stop_date TEXT CHECK (stop_date IS NULL OR stop_date >= start_date),
                  replaces INTEGER REFERENCES medication(id),
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX medication_by_patient ON medication(patient_id, start_date);
                ALTER TABLE session ADD COLUMN medications TEXT;
                """)
        }
        migrator.registerMigration("2026-11-30 treatment trials") { db in
            try db.execute(sql: """
                CREATE TABLE trial (
                  id INTEGER PRIMARY KEY,
                  patient_id INTEGER NOT NULL REFERENCES patient(id),
                  kind TEXT NOT NULL CHECK (kind IN ('medication', 'psychotherapy')),
                  drug TEXT,
                  drug_class TEXT,
                  highest_dose REAL,
                  unit TEXT,
                  weeks_at_dose REAL NOT NULL CHECK (weeks_at_dose >= 0),
                  adherence TEXT NOT NULL CHECK (adherence IN ('good', 'partial', 'poor')),
                  outcome TEXT NOT NULL CHECK (outcome IN ('none', 'partial', 'response', 'remission', 'intolerance')),
                  side_effects TEXT NOT NULL,
                  reason_stopped TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  CHECK (kind = 'psychotherapy' OR (drug IS NOT NULL AND highest_dose > 0 AND unit IS NOT NULL AND unit != ''))
                );
                CREATE INDEX trial_by_patient ON trial(patient_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 payer authorizations") { db in
            try db.execute(sql: """
                CREATE TABLE payer_authorization (
                  id INTEGER PRIMARY KEY,
                  course_id INTEGER NOT NULL REFERENCES course(id),
                  payer TEXT NOT NULL CHECK (payer != ''),
                  reference TEXT NOT NULL CHECK (reference != ''),
                  sessions INTEGER NOT NULL CHECK (sessions > 0),
                  from_date TEXT NOT NULL,
                  to_date TEXT NOT NULL CHECK (to_date >= from_date),
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX payer_authorization_by_course ON payer_authorization(course_id, id);
                CREATE TABLE authorization_extension (
                  id INTEGER PRIMARY KEY,
                  authorization_id INTEGER NOT NULL REFERENCES payer_authorization(id),
                  sessions INTEGER NOT NULL CHECK (sessions >= 0),
                  to_date TEXT,
                  reason TEXT NOT NULL,
                  recorded_by TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  CHECK (sessions > 0 OR to_date IS NOT NULL)
                );
                CREATE INDEX authorization_extension_by_authorization ON authorization_extension(authorization_id, id);
                """)
        }
        migrator.registerMigration("2026-11-30 indexes for the daily report") { db in
            // The report reads the courses under way, and the day's events, measurements and medication changes,
            // over years of history.
            try db.execute(sql: """
                CREATE INDEX course_by_status ON course(status);
                CREATE INDEX adverse_event_by_date ON adverse_event(date);
                CREATE INDEX motor_threshold_by_date ON motor_threshold(date);
                CREATE INDEX medication_by_start ON medication(start_date);
                CREATE INDEX medication_by_stop ON medication(stop_date);
                """)
        }
        migrator.registerMigration("2026-12-02 refusals name their error") { db in
            // A refused call's audit row carries the name of the error it got.
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN error TEXT")
        }
        return migrator
    }

    // MARK: - Patients

    public func addPatient(_ new: NewPatient, audit: AuditContext) throws -> PatientRecord {
        try pool.write { db in
            if let existing = try Int.fetchOne(db, sql: "SELECT id FROM patient WHERE mrn = ?", arguments: [new.mrn]) {
                throw ClinicError.duplicateMRN(existing: existing)
            }
            try db.execute(
                sql: "INSERT INTO patient (mrn, family_name, given_name, birth_date, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [new.mrn, new.familyName, new.givenName, new.birthDate.description, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: id, summary: "patient \(id) registered")
            return try Self.patient(db, id)
        }
    }

    public func patients() throws -> [PatientRecord] {
        try pool.read { db in
            try Self.fetch(try db.cachedStatement(sql: "SELECT * FROM patient ORDER BY family_name, given_name, id"), [], Self.patientRecord)
        }
    }

    public func patient(id: Int) throws -> PatientRecord {
        try pool.read { db in try Self.patient(db, id) }
    }

    // MARK: - Courses

    /// Prescribes a course and books its whole calendar into the clinic's
    /// chairs, inside the same transaction, so no other booking can take a
    /// slot between planning and writing.
    public func createCourse(
        _ new: NewCourse, clinic: BookingPolicy, timeZone: String, overridden: String? = nil, audit: AuditContext
    ) throws -> CourseRecord {
        try pool.write { db in
            _ = try Self.patient(db, new.patientId)
            let treatment = new.treatment
            let slotMinutes = clinic.resources.slotMinutes(for: treatment)
            let plan: [PlannedSession]
            do {
                plan = try ScheduleGenerator(calendar: clinic.calendar, treatment: treatment).plan(
                    PhaseDemand.course(treatment), from: new.startDate, at: new.sessionTime,
                    booker: Self.booker(db, clinic, coil: treatment.coil, minutes: slotMinutes,
                                        interval: treatment.minimumIntervalMinutes, preferred: new.sessionTime))
            } catch let failure as ScheduleGenerator.Failure {
                throw Self.noRoom(failure, coil: treatment.coil)
            }
            let t = new.target
            let d = new.dose
            try db.execute(
                sql: """
                    INSERT INTO course (patient_id, protocol_id, protocol_name, status, start_date, session_time, time_zone,
                      prescriber, target_method, target_label, target_x, target_y, target_z, coordinate_system,
                      frequency_hz, intensity_pct_mt, pulses_per_train, train_duration_s, inter_train_interval_s, trains,
                      pulses_per_session, sessions_per_day, interval_minutes, total_sessions, phases, created_at, coil, slot_minutes)
                    VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    new.patientId, new.treatment.id, new.treatment.name, new.startDate.description,
                    new.sessionTime.description, timeZone, new.prescriber, t.method.rawValue, t.label, t.x, t.y, t.z,
                    t.coordinateSystem, d.frequencyHz, d.intensityPercentMT, d.pulsesPerTrain, d.trainDurationSeconds,
                    d.interTrainIntervalSeconds, d.trains, d.pulsesPerSession, new.treatment.sessionsPerDay,
                    new.treatment.minimumIntervalMinutes, plan.count,
                    new.treatment.phases.map(\.encoded).joined(separator: ";"), Timestamp.format(audit.at),
                    treatment.coil, slotMinutes,
                ])
            let courseId = Int(db.lastInsertedRowID)
            let insert = try db.makeStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status,
                  chair, start_minute, slot_minutes)
                VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?)
                """)
            for (index, slot) in plan.enumerated() {
                try insert.execute(arguments: [
                    courseId, index + 1, slot.phase, slot.date.description, slot.time.description, Timestamp.format(slot.instant),
                    slot.chair, slot.time.minutes, slot.minutes,
                ])
            }
            try Self.writeAudit(
                db, audit, patient: new.patientId, course: courseId,
                summary: "course \(courseId) prescribed: \(new.treatment.id), \(plan.count) sessions from \(new.startDate)"
                    + (overridden.map { "; \($0)" } ?? ""))
            return try Self.course(db, courseId)
        }
    }

    public func course(id: Int) throws -> CourseRecord {
        try pool.read { db in try Self.course(db, id) }
    }

    public func courses(patientId: Int? = nil, status: CourseStatus? = nil) throws -> [CourseRecord] {
        try pool.read { db in
            var sql = "SELECT * FROM course WHERE 1"
            var arguments = StatementArguments()
            if let patientId {
                sql += " AND patient_id = ?"
                arguments += [patientId]
            }
            switch status {
            case .onHold?: sql += " AND status = 'active' AND held_since IS NOT NULL"
            case .paused?: sql += " AND status = 'active' AND paused_from IS NOT NULL AND held_since IS NULL"
            case .active?: sql += " AND status = 'active' AND paused_from IS NULL AND held_since IS NULL"
            case let other?:
                sql += " AND status = ?"
                arguments += [other.rawValue]
            case nil: break
            }
            return try Self.fetch(try db.cachedStatement(sql: sql + " ORDER BY id"), arguments, Self.courseRecord)
        }
    }

    /// A course's sessions, in calendar order, and where it stands.
    public func courseDetail(id: Int) throws -> (CourseRecord, CourseProgress, [SessionRecord]) {
        try pool.read { db in
            let course = try Self.course(db, id)
            return (course, try Self.progress(db, course), try Self.sessions(db, where: "s.course_id = ?", [id]))
        }
    }

    public func progress(courseId: Int) throws -> CourseProgress {
        try pool.read { db in try Self.progress(db, try Self.course(db, courseId)) }
    }

    public func cancelCourse(id: Int, reason: String, audit: AuditContext) throws -> CourseRecord {
        try pool.write { db in
            let course = try Self.course(db, id)
            guard course.status == .active || course.status == .paused || course.status == .onHold else {
                throw ClinicError.courseNotActive(id, status: course.status.rawValue)
            }
            try db.execute(
                sql: "UPDATE course SET status = 'cancelled', status_reason = ?, paused_from = NULL, held_since = NULL WHERE id = ?",
                arguments: [reason, id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) cancelled")
            return try Self.course(db, id)
        }
    }

    // MARK: - Sessions

    public func session(id: Int) throws -> SessionRecord {
        try pool.read { db in try Self.session(db, id) }
    }

    /// Every session booked on `date`, by time, with the patient's name.
    public func sessions(on date: CivilDate) throws -> [DaySessionRecord] {
        try pool.read { db in
            let statement = try db.cachedStatement(sql: Self.sessionSelect + """
                , p.family_name, p.given_name, c.protocol_id
                FROM session s JOIN course c ON c.id = s.course_id JOIN patient p ON p.id = c.patient_id
                WHERE s.scheduled_date = ? ORDER BY s.scheduled_time, s.id
                """)
            // The three columns after sessionSelect's.
            return try Self.fetch(statement, [date.description]) { row in
                DaySessionRecord(
                    session: Self.sessionRecord(row), patientName: "\(row[29] as String), \(row[30] as String)",
                    protocolId: row[31])
            }
        }
    }

    public func startSession(id: Int, audit: AuditContext) throws -> SessionRecord {
        try pool.write { db in
            let (session, course) = try Self.openSession(db, id)
            if let blocked = try Self.screenBlocks(db, course.id) { throw blocked }
            guard session.status == .scheduled else {
                throw ClinicError.invalidValue("id", "session \(id) is already in progress")
            }
            try db.execute(
                sql: "UPDATE session SET status = 'in_progress', started_at = ? WHERE id = ?",
                arguments: [Timestamp.format(audit.at), id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: course.id, session: id, summary: "session \(id) started")
            return try Self.session(db, id)
        }
    }

    /// Records a delivered session; the course completes with its last session.
    public func completeSession(
        id: Int, delivery d: Delivery, recheck: RecheckRules? = nil, holdKinds: Set<String> = [],
        recheckDrugs: Set<String> = [], doseWarning: String? = nil, override: String? = nil, audit: AuditContext
    ) throws -> (SessionRecord, CourseProgress) {
        try pool.write { db in
            var (session, course) = try Self.openSession(db, id)
            if let blocked = try Self.screenBlocks(db, course.id) { throw blocked }
            try DeliveryRules.check(d, prescribedPulses: course.dose.pulsesPerSession)
            var overridden = ""
            if let doseWarning {
                guard let override else { throw ClinicError.doseLimitExceeded(doseWarning) }
                overridden += "; dose limit (\(doseWarning)) overridden: \(override)"
            }
            if let recheck, let reason = try Self.recheckDue(
                db, course, on: session.date, recheck, holdKinds: holdKinds, recheckDrugs: recheckDrugs) {
                guard let override else { throw ClinicError.recheckDue(course: course.id, reason: reason) }
                overridden += "; MT re-check (\(reason)) overridden: \(override)"
            }
            let now = Timestamp.format(audit.at)
            let medications = try Self.activeMedications(db, patient: course.patientId, on: session.date)
                .map { "\($0.drug) \($0.dose.clinical) \($0.unit)" }.joined(separator: "; ")
            try db.cachedStatement(sql: """
                UPDATE session SET status = 'completed', started_at = coalesce(started_at, ?), finished_at = ?,
                  motor_threshold = ?, intensity_pct_mt = ?, frequency_hz = ?, pulses_per_train = ?,
                  train_duration_s = ?, inter_train_interval_s = ?, trains = ?, pulses_delivered = ?,
                  coil = ?, target = ?, notes = ?, medications = ?
                WHERE id = ?
                """).execute(arguments: [
                    now, now, d.motorThreshold, d.intensityPercentMT, d.frequencyHz, d.pulsesPerTrain,
                    d.trainDurationSeconds, d.interTrainIntervalSeconds, d.trains, d.pulsesDelivered, d.coil, d.target,
                    d.notes, medications, id,
                ])
            let counts = try Self.sessionCounts(db, course.id)
            let open = counts.open
            if open == 0 {
                try db.cachedStatement(sql: "UPDATE course SET status = 'completed' WHERE id = ?").execute(arguments: [course.id])
                course.status = .completed
            }
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id,
                summary: "session \(id) completed: \(d.pulsesDelivered) pulses at \(d.intensityPercentMT.clinical)% of MT \(d.motorThreshold.clinical)%"
                    + (open == 0 ? "; course \(course.id) completed" : "") + overridden)
            // The session as the UPDATE left it, without reading it back.
            let finished = Timestamp.parse(now)!
            session.status = .completed
            session.startedAt = session.startedAt ?? finished
            session.finishedAt = finished
            session.delivery = d
            session.pulsesDelivered = d.pulsesDelivered
            session.medications = medications
            return (session, try Self.progress(db, course, counts: counts))
        }
    }

    /// How a session ended without being delivered in full.
    public enum Shortfall: Sendable {
        case missed(reason: String?)
        case aborted(pulsesDelivered: Int, reason: String)
    }

    /// Records a missed or aborted session and books its replacement on the
    /// next free clinic day, moving the rest of the course so each phase keeps
    /// its count and rhythm. `today` is the clinic's date now.
    public func endShort(
        id: Int, _ shortfall: Shortfall, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (session: SessionRecord, replacement: SessionRecord, progress: CourseProgress) {
        try pool.write { db in
            let (session, course) = try Self.openSession(db, id)
            let now = Timestamp.format(audit.at)
            switch shortfall {
            case .missed(let reason):
                try db.execute(
                    sql: "UPDATE session SET status = 'missed', finished_at = ?, reason = ? WHERE id = ?",
                    arguments: [now, reason, id])
            case .aborted(let pulses, let reason):
                guard pulses >= 0 else { throw ClinicError.invalidValue("pulsesDelivered", "cannot be negative") }
                try DeliveryRules.checkPulses(pulses, prescribed: course.dose.pulsesPerSession)
                try db.execute(
                    sql: """
                        UPDATE session SET status = 'aborted', started_at = coalesce(started_at, ?), finished_at = ?,
                          pulses_delivered = ?, reason = ? WHERE id = ?
                        """,
                    arguments: [now, now, pulses, reason, id])
            }

            // Sessions after the missed day move; those on or before it stay.
            let all = try Self.sessions(db, where: "s.course_id = ?", [course.id])
            let movable = all.filter { $0.status == .scheduled && $0.date > session.date }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && !movable.contains($0) }
            let from = max(session.date.adding(days: 1), today)
            let result = try Self.rebook(
                db, course, movable: movable, replacing: session.phase, from: from, busyDays: Set(staying.map(\.date)),
                clinic: clinic)
            let slot = result.replacement
            try db.execute(
                sql: """
                    INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status, replaces,
                      chair, start_minute, slot_minutes)
                    VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)
                    """,
                arguments: [
                    course.id, session.number, slot.phase, slot.date.description, slot.time.description,
                    Timestamp.format(slot.instant), id, slot.chair, slot.time.minutes, slot.minutes,
                ])
            let replacementId = Int(db.lastInsertedRowID)
            try Self.renumber(db, course: course.id)
            let verb = if case .missed = shortfall { "missed" } else { "aborted" }
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id,
                summary: "session \(id) \(verb); replacement \(replacementId) booked on \(slot.date), \(result.moved.count) sessions moved")
            return (try Self.session(db, id), try Self.session(db, replacementId), try Self.progress(db, course))
        }
    }

    /// Moves one booked session to `date` (and `time`, and `chair`, when
    /// given), keeping every rule of the chairs; see RescheduleSession in the IDL.
    public func reschedule(
        id: Int, to date: CivilDate, time: LocalTime?, chair: String?, clinic: BookingPolicy, today: CivilDate,
        audit: AuditContext
    ) throws -> SessionRecord {
        try pool.write { db in
            let (session, course) = try Self.openSession(db, id)
            guard session.status == .scheduled else { throw ClinicError.invalidValue("id", "session \(id) is in progress") }
            if date < today { throw ClinicError.dateInPast(date, today: today) }
            let open = clinic.resources.openingHours(on: date)
            guard clinic.calendar.isClinicDay(date), !open.isEmpty else { throw ClinicError.closedDay(date) }
            var resources = clinic.resources
            if let chair {
                guard let found = resources.chair(named: chair) else { throw ClinicError.chairNotFound(chair) }
                guard found.coils.contains(course.coil) else { throw ClinicError.chairUnsuitable(chair, coil: course.coil) }
                resources.chairs = [found]
            }
            let sameDay = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM session WHERE course_id = ? AND scheduled_date = ? AND id != ? AND status != 'missed' AND status != 'aborted'",
                arguments: [course.id, date.description, id]) ?? 0
            if sameDay >= course.sessionsPerDay {
                throw ClinicError.invalidValue("date", "course \(course.id) already has its session\(course.sessionsPerDay == 1 ? "" : "s") on \(date)")
            }
            // Off its chair while we look, so it never stands in its own way.
            try db.execute(sql: "UPDATE session SET chair = NULL WHERE id = ?", arguments: [id])
            let occupancy = try Self.occupancy(db, date)
            let slot: Slot
            if let time {
                let range = TimeRange(start: time.minutes, end: time.minutes + course.slotMinutes)
                guard open.contains(where: { $0.contains(range) }) else { throw ClinicError.outsideOpeningHours(date, range) }
                let chairs = resources.chairs(carrying: course.coil).map(\.name)
                guard !chairs.isEmpty else { throw ClinicError.noFreeSlot(date, coil: course.coil) }
                guard let free = chairs.first(where: { occupancy.isFree($0, range) }) else {
                    // Name the booking in the way; when only outages are, there is none to name.
                    let marks = Array(repeating: "?", count: chairs.count).joined(separator: ",")
                    guard let blocking = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT id, chair, start_minute, slot_minutes FROM session
                            WHERE scheduled_date = ? AND chair IN (\(marks)) AND status IN ('scheduled', 'in_progress', 'completed')
                              AND start_minute < ? AND ? < start_minute + slot_minutes
                            ORDER BY start_minute LIMIT 1
                            """,
                        arguments: StatementArguments([date.description] as [any DatabaseValueConvertible]
                            + chairs.map { $0 as any DatabaseValueConvertible } + [range.end, range.start]))
                    else { throw ClinicError.noFreeSlot(date, coil: course.coil) }
                    let start: Int = blocking[2]
                    throw ClinicError.slotTaken(
                        by: blocking[0], chair: blocking[1], date: date, range: TimeRange(start: start, end: start + (blocking[3] as Int)))
                }
                slot = Slot(chair: free, start: time.minutes, minutes: course.slotMinutes)
            } else {
                let finder = SlotFinder(resources: resources, coil: course.coil, minutes: course.slotMinutes, interval: 0)
                guard let found = finder.find(count: 1, on: date, preferred: course.sessionTime.minutes, occupancy: occupancy)?.first else {
                    throw ClinicError.noFreeSlot(date, coil: course.coil)
                }
                slot = found
            }
            var calendar = clinic.calendar
            calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
            let start = LocalTime(minutes: slot.start)!
            try db.execute(
                sql: """
                    UPDATE session SET scheduled_date = ?, scheduled_time = ?, scheduled_at = ?, chair = ?, start_minute = ?,
                      slot_minutes = ?
                    WHERE id = ?
                    """,
                arguments: [
                    date.description, start.description, Timestamp.format(calendar.instant(on: date, at: start)), slot.chair,
                    slot.start, slot.minutes, id,
                ])
            try Self.renumber(db, course: course.id)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id,
                summary: "session \(id) moved from \(session.date) \(session.time) to \(date) \(start) on \(slot.chair)")
            return try Self.session(db, id)
        }
    }

    /// After the clinic's days, hours or chairs changed: every open booking from
    /// `today` on that no longer fits (a closed day, outside hours, a chair
    /// gone or without the coil) moves, course by course. Returns the moves.
    public func applyClinicChange(clinic: BookingPolicy, today: CivilDate, audit: AuditContext) throws -> [Move] {
        try pool.write { db in
            // A light scan of every open booking from today; full records only for those that move.
            let coils = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, coil FROM course").map {
                ($0[0] as Int, ($0[1] as String?) ?? "")
            })
            var affectedIds: [Int] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, course_id, scheduled_date, start_minute, slot_minutes, chair FROM session
                    WHERE status = 'scheduled' AND scheduled_date >= ? AND chair IS NOT NULL
                    """,
                arguments: [today.description])
            var days: [String: (clinic: Bool, hours: [TimeRange])] = [:]
            while let row = try rows.next() {
                let dateText: String = row[2]
                if days[dateText] == nil, let date = CivilDate(dateText) {
                    days[dateText] = (clinic.calendar.isClinicDay(date), clinic.resources.openingHours(on: date))
                }
                guard let day = days[dateText] else { continue }
                let start: Int = row[3]
                let range = TimeRange(start: start, end: start + (row[4] as Int))
                let fits = day.clinic && day.hours.contains { $0.contains(range) }
                    && (clinic.resources.chair(named: row[5])?.coils.contains(coils[row[1]] ?? "") ?? false)
                if !fits { affectedIds.append(row[0]) }
            }
            let affected = try affectedIds.map { try Self.session(db, $0) }
            let moves = try Self.moveOff(db, affected, clinic: clinic, today: today)
            try Self.auditMoves(db, moves, audit, because: "after the clinic's calendar changed")
            return moves
        }
    }

    /// An appointment cancelled ahead of time (by the patient or the clinic):
    /// the session itself moves to the next clinic day with a free slot, and
    /// the course's later open sessions move behind it.
    public func postponeSession(
        id: Int, reason: String, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (session: SessionRecord, moves: [Move]) {
        try pool.write { db in
            let (session, course) = try Self.openSession(db, id)
            guard session.status == .scheduled else { throw ClinicError.invalidValue("id", "session \(id) is in progress") }
            let all = try Self.sessions(db, where: "s.course_id = ?", [course.id])
            let movable = all.filter { $0.status == .scheduled && $0.date >= session.date }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && $0.date < session.date }
            // Not that day again: the appointment was cancelled.
            var busy = Set(staying.map(\.date))
            busy.insert(session.date)
            let result = try Self.rebook(
                db, course, movable: movable, replacing: nil, from: max(session.date.adding(days: 1), today), busyDays: busy,
                clinic: clinic)
            try Self.renumber(db, course: course.id)
            let moves = Self.moves(movable, result)
            try db.execute(sql: "UPDATE session SET reason = ? WHERE id = ?", arguments: ["cancelled \(session.date): \(reason)", id])
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id, summary: "session \(id) cancelled on \(session.date)")
            try Self.auditMoves(db, moves, audit, because: "after the appointment on \(session.date) was cancelled")
            return (try Self.session(db, id), moves)
        }
    }

    /// Takes a chair out of service from `from` to `to` (inclusive); its
    /// bookings in that range move. Returns the outage's id and the moves.
    public func setChairOutOfService(
        _ chair: String, from: CivilDate, to: CivilDate, reason: String, clinic: BookingPolicy, today: CivilDate,
        audit: AuditContext
    ) throws -> (id: Int, moves: [Move]) {
        try pool.write { db in
            guard clinic.resources.chair(named: chair) != nil else { throw ClinicError.chairNotFound(chair) }
            guard to >= from else { throw ClinicError.invalidValue("to", "is before from") }
            if to < today { throw ClinicError.dateInPast(to, today: today) }
            try db.execute(
                sql: "INSERT INTO chair_outage (chair, from_date, to_date, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [chair, from.description, to.description, reason, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            let affected = try Self.sessions(
                db, where: "s.status = 'scheduled' AND s.chair = ? AND s.scheduled_date BETWEEN ? AND ?",
                [chair, max(from, today).description, to.description])
            try Self.writeAudit(db, audit, summary: "chair \(chair) out of service \(from) to \(to)")
            let moves = try Self.moveOff(db, affected, clinic: clinic, today: today)
            try Self.auditMoves(db, moves, audit, because: "off chair \(chair), out of service")
            return (id, moves)
        }
    }

    /// Lifts a chair's outages from `from` (today or later) on: those that
    /// begin then or later go, one that began earlier ends the day before.
    /// Sessions already moved off the chair stay where they are. Returns how
    /// many outages changed.
    public func returnChairToService(
        _ chair: String, from: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> Int {
        try pool.write { db in
            guard clinic.resources.chair(named: chair) != nil else { throw ClinicError.chairNotFound(chair) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            try db.cachedStatement(sql: "DELETE FROM chair_outage WHERE chair = ? AND from_date >= ?")
                .execute(arguments: [chair, from.description])
            var changed = db.changesCount
            try db.cachedStatement(sql: "UPDATE chair_outage SET to_date = ? WHERE chair = ? AND from_date < ? AND to_date >= ?")
                .execute(arguments: [from.adding(days: -1).description, chair, from.description, from.description])
            changed += db.changesCount
            guard changed > 0 else {
                throw ClinicError.invalidValue("from", "chair \(chair) is not out of service on \(from) or later")
            }
            try Self.writeAudit(db, audit, summary: "chair \(chair) back in service from \(from)")
            return changed
        }
    }

    /// Pauses a course from `from`: its open sessions from that day are
    /// released (they were plans, nothing happened); `resumeCourse` books
    /// what remains.
    public func pauseCourse(id: Int, from: CivilDate, today: CivilDate, audit: AuditContext) throws -> CourseRecord {
        try pool.write { db in
            let course = try Self.course(db, id)
            guard course.status == .active else { throw ClinicError.courseNotActive(id, status: course.status.rawValue) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            let released = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM session WHERE course_id = ? AND status = 'scheduled' AND scheduled_date >= ?",
                arguments: [id, from.description]) ?? 0
            try db.execute(
                sql: "DELETE FROM session WHERE course_id = ? AND status = 'scheduled' AND scheduled_date >= ?",
                arguments: [id, from.description])
            try db.execute(sql: "UPDATE course SET paused_from = ? WHERE id = ?", arguments: [from.description, id])
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: id, summary: "course \(id) paused from \(from); \(released) sessions released")
            return try Self.course(db, id)
        }
    }

    /// Resumes a paused course on `on`: what each phase still owes is booked
    /// from that day, so the rest of the calendar shifts by the pause.
    public func resumeCourse(id: Int, on: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext) throws -> CourseRecord {
        try pool.write { db in
            let course = try Self.course(db, id)
            guard course.status == .paused else {
                throw ClinicError.invalidValue("id", "course \(id) is \(course.status.rawValue), not paused")
            }
            if on < today { throw ClinicError.dateInPast(on, today: today) }
            let counting = try Self.sessions(db, where: "s.course_id = ? AND s.status NOT IN ('missed', 'aborted')", [id])
            var demands: [PhaseDemand] = []
            for phase in course.phases {
                let owed = phase.days * course.sessionsPerDay - counting.count { $0.phase == phase.name }
                guard owed > 0 else { continue }
                switch phase {
                case .daily(let name, _): demands.append(PhaseDemand(name: name, rhythm: .daily, sessions: owed))
                case .weekly(let name, let perWeek, _):
                    demands.append(PhaseDemand(name: name, rhythm: .weekly(perWeek: perWeek), sessions: owed))
                }
            }
            var calendar = clinic.calendar
            calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
            calendar.holidays.formUnion(counting.map(\.date))
            let plan: [PlannedSession]
            do {
                plan = try ScheduleGenerator(calendar: calendar, sessionsPerDay: course.sessionsPerDay, intervalMinutes: course.intervalMinutes)
                    .plan(demands, from: on, at: course.sessionTime, booker: Self.booker(
                        db, clinic, coil: course.coil, minutes: course.slotMinutes, interval: course.intervalMinutes,
                        preferred: course.sessionTime))
            } catch let failure as ScheduleGenerator.Failure {
                throw Self.noRoom(failure, coil: course.coil)
            }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status,
                  chair, start_minute, slot_minutes)
                VALUES (?, 0, ?, ?, ?, ?, 'scheduled', ?, ?, ?)
                """)
            for slot in plan {
                try insert.execute(arguments: [
                    id, slot.phase, slot.date.description, slot.time.description, Timestamp.format(slot.instant), slot.chair,
                    slot.time.minutes, slot.minutes,
                ])
            }
            try db.execute(sql: "UPDATE course SET paused_from = NULL WHERE id = ?", arguments: [id])
            try Self.renumber(db, course: id)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: id, summary: "course \(id) resumed on \(on); \(plan.count) sessions booked")
            return try Self.course(db, id)
        }
    }

    /// The patient's preferred time changes from `from` on: the course's open
    /// sessions from that day are booked again around the new time.
    public func changePreferredTime(
        id: Int, to time: LocalTime, from: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (CourseRecord, [Move]) {
        try pool.write { db in
            let course = try Self.course(db, id)
            guard course.status == .active else { throw ClinicError.courseNotActive(id, status: course.status.rawValue) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            try db.execute(sql: "UPDATE course SET session_time = ? WHERE id = ?", arguments: [time.description, id])
            let affected = try Self.sessions(
                db, where: "s.course_id = ? AND s.status = 'scheduled' AND s.scheduled_date >= ?", [id, from.description])
            let moves = try Self.moveOff(db, affected, clinic: clinic, today: today)
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) preferred time \(time) from \(from)")
            try Self.auditMoves(db, moves, audit, because: "to the new preferred time")
            return (try Self.course(db, id), moves)
        }
    }

    /// Chairs out of service on `date`, with the reason.
    public func outages(on date: CivilDate) throws -> [String: String] {
        try pool.read { db in
            var out: [String: String] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT chair, reason FROM chair_outage WHERE from_date <= ?1 AND to_date >= ?1", arguments: [date.description])
            while let row = try rows.next() { out[row[0]] = row[1] }
            return out
        }
    }

    // MARK: - Treatment trials

    public func recordTrial(
        patientId: Int, _ trial: Trial, sideEffects: String, reasonStopped: String, audit: AuditContext
    ) throws -> Trial {
        try pool.write { db in
            _ = try Self.patient(db, patientId)
            if trial.kind == .medication {
                guard let drug = trial.drug, !drug.isEmpty else { throw ClinicError.invalidValue("drug", "a medication trial names its drug") }
                guard let dose = trial.highestDose, dose > 0 else { throw ClinicError.invalidValue("highestDose", "must be above 0") }
                guard let unit = trial.unit, !unit.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ClinicError.invalidValue("unit", "a dose needs its unit (mg, ...)")
                }
            }
            guard trial.weeksAtDose >= 0, trial.weeksAtDose <= 520 else { throw ClinicError.invalidValue("weeksAtDose", "must be 0 to 520") }
            try db.execute(
                sql: """
                    INSERT INTO trial (patient_id, kind, drug, drug_class, highest_dose, unit, weeks_at_dose, adherence, outcome,
                      side_effects, reason_stopped, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [patientId, trial.kind.rawValue, trial.drug?.lowercased(), trial.drugClass, trial.highestDose, trial.unit,
                            trial.weeksAtDose, trial.adherence.rawValue, trial.outcome.rawValue, sideEffects, reasonStopped,
                            audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: patientId, summary: "trial \(id): \(trial.kind.rawValue) \(trial.drug ?? "")")
            return try Self.trials(db, patientId).first { $0.id == id }!
        }
    }

    public func trials(patientId: Int) throws -> [Trial] {
        try pool.read { db in
            _ = try Self.patient(db, patientId)
            return try Self.trials(db, patientId)
        }
    }

    /// The latest PHQ-9 total recorded for the patient, in any course.
    public func latestPHQ9(patientId: Int) throws -> Int? {
        try pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT o.total FROM outcome o JOIN course c ON c.id = o.course_id
                    WHERE c.patient_id = ? AND o.scale = 'phq9' ORDER BY o.date DESC, o.id DESC LIMIT 1
                    """,
                arguments: [patientId])
        }
    }

    private static func trials(_ db: Database, _ patientId: Int) throws -> [Trial] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, kind, drug, drug_class, highest_dose, unit, weeks_at_dose, adherence, outcome FROM trial
                WHERE patient_id = ? ORDER BY id
                """),
            [patientId]
        ) { row in
            Trial(
                id: row[0], kind: Trial.Kind(rawValue: row[1])!, drug: row[2], drugClass: row[3], highestDose: row[4], unit: row[5],
                weeksAtDose: row[6], adherence: Trial.Adherence(rawValue: row[7])!, outcome: Trial.Outcome(rawValue: row[8])!)
        }
    }

    // MARK: - Medications

    /// Starts a drug for a patient; returns the record.
    public func startMedication(
        patientId: Int, drug: String, dose: Double, unit: String, on date: CivilDate, replaces: Int? = nil, audit: AuditContext
    ) throws -> MedicationRecord {
        try pool.write { db in try Self.startMedication(db, patientId, drug, dose, unit, date, replaces, audit) }
    }

    private static func startMedication(
        _ db: Database, _ patientId: Int, _ drug: String, _ dose: Double, _ unit: String, _ date: CivilDate, _ replaces: Int?,
        _ audit: AuditContext
    ) throws -> MedicationRecord {
        _ = try patient(db, patientId)
        let name = drug.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty else { throw ClinicError.invalidValue("drug", "must name the drug") }
        guard dose > 0, dose.isFinite else { throw ClinicError.invalidValue("dose", "must be above 0") }
        guard !unit.trimmingCharacters(in: .whitespaces).isEmpty else { throw ClinicError.invalidValue("unit", "a dose needs its unit (mg, mcg, ...)") }
        try db.execute(
            sql: """
                INSERT INTO medication (patient_id, drug, dose, unit, start_date, replaces, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [patientId, name, dose, unit, date.description, replaces, audit.user, Timestamp.format(audit.at)])
        let id = Int(db.lastInsertedRowID)
        try writeAudit(db, audit, patient: patientId, summary: "medication \(id): \(name) \(dose.clinical) \(unit) from \(date)")
        return try medications(db, "m.id = ?", [id]).first!
    }

    /// A new dose from `date`: the old record stops that day, a new one starts.
    public func changeMedicationDose(id: Int, dose: Double, unit: String, on date: CivilDate, audit: AuditContext) throws -> MedicationRecord {
        try pool.write { db in
            guard let old = try Self.medications(db, "m.id = ?", [id]).first else {
                throw ClinicError.invalidValue("id", "no medication has id \(id)")
            }
            guard old.stopDate == nil else { throw ClinicError.invalidValue("id", "medication \(id) was stopped on \(old.stopDate!)") }
            guard date >= old.startDate else { throw ClinicError.invalidValue("date", "is before the medication started (\(old.startDate))") }
            try db.execute(sql: "UPDATE medication SET stop_date = ? WHERE id = ?", arguments: [date.description, id])
            return try Self.startMedication(db, old.patientId, old.drug, dose, unit, date, id, audit)
        }
    }

    public func stopMedication(id: Int, on date: CivilDate, audit: AuditContext) throws -> MedicationRecord {
        try pool.write { db in
            guard let old = try Self.medications(db, "m.id = ?", [id]).first else {
                throw ClinicError.invalidValue("id", "no medication has id \(id)")
            }
            guard old.stopDate == nil else { throw ClinicError.invalidValue("id", "medication \(id) was stopped on \(old.stopDate!)") }
            guard date >= old.startDate else {
                throw ClinicError.invalidValue("date", "the stop date is before the start (\(old.startDate))")
            }
            try db.execute(sql: "UPDATE medication SET stop_date = ? WHERE id = ?", arguments: [date.description, id])
            try Self.writeAudit(db, audit, patient: old.patientId, summary: "medication \(id) stopped on \(date)")
            return try Self.medications(db, "m.id = ?", [id]).first!
        }
    }

    public func medications(patientId: Int) throws -> [MedicationRecord] {
        try pool.read { db in
            _ = try Self.patient(db, patientId)
            return try Self.medications(db, "m.patient_id = ?", [patientId])
        }
    }

    /// Every drug in use (not stopped) by any patient, with the patients.
    public func drugsInUse() throws -> [(drug: String, patients: [Int])] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT drug, group_concat(DISTINCT patient_id) FROM medication WHERE stop_date IS NULL GROUP BY drug ORDER BY drug"
            ).map { ($0[0], ($0[1] as String).split(separator: ",").compactMap { Int($0) }) }
        }
    }

    static func activeMedications(_ db: Database, patient: Int, on date: CivilDate) throws -> [MedicationRecord] {
        try medications(
            db, "m.patient_id = ? AND m.start_date <= ? AND (m.stop_date IS NULL OR m.stop_date > ?)",
            [patient, date.description, date.description])
    }

    static func medications(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [MedicationRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT m.id, m.patient_id, m.drug, m.dose, m.unit, m.start_date, m.stop_date, m.replaces FROM medication m
                WHERE \(condition) ORDER BY m.start_date, m.id
                """),
            arguments
        ) { row in
            MedicationRecord(
                id: row[0], patientId: row[1], drug: row[2], dose: row[3], unit: row[4], startDate: CivilDate(row[5] as String)!,
                stopDate: (row[6] as String?).flatMap { CivilDate($0) }, replaces: row[7])
        }
    }

    // MARK: - Safety screen

    /// Records a course's safety screen, judged by the clinical data's questions.
    public func recordScreen(
        courseId: Int, date: CivilDate, answers: [String: Bool], questions: [ScreenQuestion], audit: AuditContext
    ) throws -> ScreenRecord {
        try pool.write { db in
            let course = try Self.course(db, courseId)
            let (result, findings) = try ScreenResult.judge(answers, questions)
            try db.execute(
                sql: """
                    INSERT INTO screen (course_id, date, answers, result, findings, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [courseId, date.description, answers.keys.sorted().map { "\($0)=\(answers[$0]! ? "yes" : "no")" }.joined(separator: ";"),
                            result.rawValue, findings.joined(separator: ","), audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "safety screen \(id): \(result.rawValue)" + (findings.isEmpty ? "" : " (\(findings.joined(separator: ", ")))"))
            return try Self.latestScreen(db, courseId)!
        }
    }

    /// A clinician signs off a relative contraindication, with a reason.
    public func signOffScreen(courseId: Int, reason: String, audit: AuditContext) throws -> ScreenRecord {
        try pool.write { db in
            let course = try Self.course(db, courseId)
            guard let screen = try Self.latestScreen(db, courseId) else {
                throw ClinicError.screenRequired(course: courseId, state: "none", reason: "no safety screen has been recorded")
            }
            guard screen.result == .relative, screen.signedOffBy == nil else {
                throw ClinicError.invalidValue(
                    "courseId", screen.result == .absolute ? "an absolute contraindication cannot be signed off"
                        : screen.signedOffBy != nil ? "the screen is already signed off" : "the screen found nothing to sign off")
            }
            try db.execute(
                sql: "UPDATE screen SET signed_off_by = ?, sign_off_reason = ?, signed_off_at = ? WHERE id = ?",
                arguments: [audit.user, reason, Timestamp.format(audit.at), screen.id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: courseId, summary: "safety screen \(screen.id) signed off")
            return try Self.latestScreen(db, courseId)!
        }
    }

    public func screen(courseId: Int) throws -> ScreenRecord? {
        try pool.read { db in
            _ = try Self.course(db, courseId)
            return try Self.latestScreen(db, courseId)
        }
    }

    private static func latestScreen(_ db: Database, _ courseId: Int) throws -> ScreenRecord? {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, date, answers, result, findings, recorded_by, signed_off_by, sign_off_reason
                FROM screen WHERE course_id = ? ORDER BY id DESC LIMIT 1
                """),
            [courseId]
        ) { row in
            ScreenRecord(
                id: row[0], courseId: row[1], date: CivilDate(row[2] as String)!,
                answers: Dictionary(uniqueKeysWithValues: (row[3] as String).split(separator: ";").compactMap { pair in
                    let parts = pair.split(separator: "=")
                    return parts.count == 2 ? (String(parts[0]), parts[1] == "yes") : nil
                }),
                result: ScreenResult(rawValue: row[4])!,
                findings: (row[5] as String).split(separator: ",").map(String.init), recordedBy: row[6], signedOffBy: row[7],
                signOffReason: row[8])
        }.first
    }

    /// Why the course may not be treated yet, or nil when its screen allows it.
    static func screenBlocks(_ db: Database, _ courseId: Int) throws -> ClinicError? {
        guard let screen = try latestScreen(db, courseId) else {
            return .screenRequired(course: courseId, state: "none", reason: "no safety screen has been recorded")
        }
        switch screen.result {
        case .clear: return nil
        case .absolute:
            return .screenRequired(
                course: courseId, state: "absolute",
                reason: "the safety screen found an absolute contraindication (\(screen.findings.joined(separator: ", ")))")
        case .relative:
            guard screen.signedOffBy == nil else { return nil }
            return .screenRequired(
                course: courseId, state: "relative",
                reason: "the safety screen found \(screen.findings.joined(separator: ", ")): a clinician must sign it off")
        }
    }

    /// Records a refused call in the audit trail, with the name of the error
    /// it was answered with (nothing else changes).
    public func auditRefusal(_ audit: AuditContext, error: String, summary: String) throws {
        try pool.write { db in try Self.writeAudit(db, audit, error: error, summary: summary) }
    }

    // MARK: - Motor threshold and adverse events

    /// Why the course's motor threshold must be measured before a session on `date`, or nil.
    static func recheckDue(
        _ db: Database, _ course: CourseRecord, on date: CivilDate, _ rules: RecheckRules, holdKinds: Set<String>,
        recheckDrugs: Set<String> = []
    ) throws -> String? {
        let measured = try String.fetchOne(
            db.cachedStatement(sql: "SELECT max(date) FROM motor_threshold WHERE course_id = ?"), arguments: [course.id])
        let delivered = try String.fetchOne(
            db.cachedStatement(sql: "SELECT max(scheduled_date) FROM session WHERE course_id = ? AND status = 'completed' AND scheduled_date < ?"),
            arguments: [course.id, date.description])
        var seizure: String?
        if !holdKinds.isEmpty {
            seizure = try String.fetchOne(
                db.cachedStatement(
                    sql: "SELECT max(date) FROM adverse_event WHERE course_id = ? AND kind IN (\(holdKinds.map { _ in "?" }.joined(separator: ",")))"),
                arguments: StatementArguments([course.id as any DatabaseValueConvertible] + holdKinds.sorted().map { $0 as any DatabaseValueConvertible }))
        }
        // The latest start or stop of a drug whose change calls for a re-check.
        var change: (date: CivilDate, drug: String)?
        if !recheckDrugs.isEmpty {
            let marks = recheckDrugs.map { _ in "?" }.joined(separator: ",")
            let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT d, drug FROM (
                      SELECT start_date AS d, drug FROM medication WHERE patient_id = ? AND drug IN (\(marks))
                      UNION ALL
                      SELECT stop_date AS d, drug FROM medication WHERE patient_id = ? AND drug IN (\(marks)) AND stop_date IS NOT NULL
                    ) WHERE d <= ? ORDER BY d DESC LIMIT 1
                    """),
                arguments: StatementArguments(
                    [course.patientId as any DatabaseValueConvertible] + recheckDrugs.sorted().map { $0 as any DatabaseValueConvertible }
                        + [course.patientId as any DatabaseValueConvertible] + recheckDrugs.sorted().map { $0 as any DatabaseValueConvertible }
                        + [date.description as any DatabaseValueConvertible]))
            if let row, let day = CivilDate(row[0] as String) { change = (day, row[1]) }
        }
        return rules.due(
            on: date, lastMeasured: measured.flatMap { CivilDate($0) }, lastDelivered: delivered.flatMap { CivilDate($0) },
            lastSeizure: seizure.flatMap { CivilDate($0) }, lastMedicationChange: change)
    }

    /// Why a session of the course on `date` would need a re-check first, or nil.
    public func recheckDue(
        courseId: Int, on date: CivilDate, _ rules: RecheckRules, holdKinds: Set<String>, recheckDrugs: Set<String> = []
    ) throws -> String? {
        try pool.read { db in
            try Self.recheckDue(db, try Self.course(db, courseId), on: date, rules, holdKinds: holdKinds, recheckDrugs: recheckDrugs)
        }
    }

    /// Records a motor threshold measurement for a course.
    public func recordThreshold(
        courseId: Int, date: CivilDate, method: ThresholdMethod, muscle: String, value: Double, audit: AuditContext
    ) throws -> ThresholdRecord {
        try pool.write { db in
            let course = try Self.course(db, courseId)
            try DeliveryRules.checkMotorThreshold(value)
            try db.execute(
                sql: """
                    INSERT INTO motor_threshold (course_id, date, method, muscle, value, operator, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [courseId, date.description, method.rawValue, muscle, value, audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "motor threshold \(id): \(value.clinical)% of output (\(method.rawValue), \(muscle)) on \(date)")
            return try Self.thresholds(db, courseId).first { $0.id == id }!
        }
    }

    public func thresholds(courseId: Int) throws -> [ThresholdRecord] {
        try pool.read { db in
            _ = try Self.course(db, courseId)
            return try Self.thresholds(db, courseId)
        }
    }

    static func thresholds(_ db: Database, _ courseId: Int) throws -> [ThresholdRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, date, method, muscle, value, operator FROM motor_threshold WHERE course_id = ? ORDER BY date, id
                """),
            [courseId]
        ) { row in
            ThresholdRecord(
                id: row[0], courseId: row[1], date: CivilDate(row[2] as String)!, method: ThresholdMethod(rawValue: row[3])!,
                muscle: row[4], value: row[5], operator: row[6])
        }
    }

    /// Records an adverse event; one that holds (a seizure) puts the course
    /// on hold at once, in the same transaction.
    public func recordAdverseEvent(
        courseId: Int, sessionId: Int?, kind: AdverseEventKind, severity: Severity, date: CivilDate, details: String,
        audit: AuditContext
    ) throws -> AdverseEventRecord {
        try pool.write { db in
            let course = try Self.course(db, courseId)
            if let sessionId {
                let session = try Self.session(db, sessionId)
                guard session.courseId == courseId else {
                    throw ClinicError.invalidValue("sessionId", "session \(sessionId) is not one of course \(courseId)'s")
                }
            }
            try db.execute(
                sql: """
                    INSERT INTO adverse_event (course_id, session_id, kind, severity, date, details, held, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [courseId, sessionId, kind.id, severity.rawValue, date.description, details, kind.hold,
                            audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId, session: sessionId,
                summary: "adverse event \(id): \(kind.id), \(severity.rawValue), \(date)")
            if kind.hold, course.status == .active || course.status == .paused {
                try db.execute(
                    sql: "UPDATE course SET held_since = ?, hold_reason = ? WHERE id = ?",
                    arguments: [date.description, "\(kind.name) (adverse event \(id))", courseId])
                try Self.writeAudit(db, audit, patient: course.patientId, course: courseId, summary: "course \(courseId) on hold: \(kind.id)")
            }
            return try Self.adverseEvents(db, courseId).first { $0.id == id }!
        }
    }

    public func adverseEvents(courseId: Int) throws -> [AdverseEventRecord] {
        try pool.read { db in
            _ = try Self.course(db, courseId)
            return try Self.adverseEvents(db, courseId)
        }
    }

    static func adverseEvents(_ db: Database, _ courseId: Int) throws -> [AdverseEventRecord] {
        try adverseEvents(db, where: "course_id = ?", [courseId])
    }

    static func adverseEvents(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [AdverseEventRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, session_id, kind, severity, date, details, held, recorded_by FROM adverse_event
                WHERE \(condition) ORDER BY date, id
                """),
            arguments
        ) { row in
            AdverseEventRecord(
                id: row[0], courseId: row[1], sessionId: row[2], kind: row[3], severity: Severity(rawValue: row[4])!,
                date: CivilDate(row[5] as String)!, details: row[6], held: row[7], recordedBy: row[8])
        }
    }

    /// Lifts a hold. Only after a motor threshold measured on or after the day
    /// the hold began; the reason goes into the audit trail.
    public func resumeHeldCourse(id: Int, reason: String, audit: AuditContext) throws -> CourseRecord {
        try pool.write { db in
            let course = try Self.course(db, id)
            guard course.status == .onHold, let since = try String.fetchOne(
                db, sql: "SELECT held_since FROM course WHERE id = ?", arguments: [id]).flatMap({ CivilDate($0) }) else {
                throw ClinicError.invalidValue("id", "course \(id) is \(course.status.rawValue), not on hold")
            }
            let measured = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM motor_threshold WHERE course_id = ? AND date >= ?", arguments: [id, since.description]) ?? 0
            guard measured > 0 else { throw ClinicError.thresholdRequired(course: id, since: since) }
            try db.execute(sql: "UPDATE course SET held_since = NULL, hold_reason = NULL WHERE id = ?", arguments: [id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) resumed from hold: \(reason)")
            return try Self.course(db, id)
        }
    }

    // MARK: - Outcomes and alerts

    /// Records a score (checked by `scale`), and in the same transaction the
    /// alert it raises, if any.
    public func recordOutcome(
        courseId: Int, scale: OutcomeScale, timepoint: Timepoint, date: CivilDate, total: Int?, items: [Int]?, audit: AuditContext
    ) throws -> (OutcomeRecord, AlertRecord?) {
        try pool.write { db in
            let course = try Self.course(db, courseId)
            let sum = try scale.score(items: items, total: total)
            if timepoint == .baseline, try Int.fetchOne(
                db, sql: "SELECT count(*) FROM outcome WHERE course_id = ? AND scale = ? AND timepoint = 'baseline'",
                arguments: [courseId, scale.id]) ?? 0 > 0 {
                throw ClinicError.invalidValue("timepoint", "course \(courseId) already has its \(scale.name) baseline")
            }
            try db.execute(
                sql: """
                    INSERT INTO outcome (course_id, scale, timepoint, date, total, items, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [courseId, scale.id, timepoint.rawValue, date.description, sum,
                            items.map { $0.map(String.init).joined(separator: ",") }, audit.user, Timestamp.format(audit.at)])
            let outcomeId = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "outcome \(outcomeId): \(scale.name) \(timepoint.rawValue) \(date) total \(sum)")
            var alert: AlertRecord?
            if let value = scale.alert(items: items), let item = scale.alertItem {
                try db.execute(
                    sql: "INSERT INTO alert (course_id, outcome_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [courseId, outcomeId, "\(scale.id)-item-\(item)",
                                "\(scale.name) item \(item) scored \(value) on \(date)", Timestamp.format(audit.at)])
                let alertId = Int(db.lastInsertedRowID)
                try Self.writeAudit(db, audit, patient: course.patientId, course: courseId, summary: "alert \(alertId) raised")
                alert = try Self.alerts(db, where: "a.id = ?", [alertId]).first
            }
            return (try Self.outcomes(db, courseId).first { $0.id == outcomeId }!, alert)
        }
    }

    public func outcomes(courseId: Int) throws -> [OutcomeRecord] {
        try pool.read { db in
            _ = try Self.course(db, courseId)
            return try Self.outcomes(db, courseId)
        }
    }

    /// Open alerts (or all of them), newest first.
    public func alerts(includeAcknowledged: Bool = false) throws -> [AlertRecord] {
        try pool.read { db in
            try Self.alerts(db, where: includeAcknowledged ? "1" : "a.acknowledged_at IS NULL", [])
        }
    }

    public func acknowledgeAlert(id: Int, note: String, audit: AuditContext) throws -> AlertRecord {
        try pool.write { db in
            guard let alert = try Self.alerts(db, where: "a.id = ?", [id]).first else { throw ClinicError.alertNotFound(id) }
            if let by = alert.acknowledgedBy { throw ClinicError.alertAlreadyAcknowledged(id, by: by) }
            try db.execute(
                sql: "UPDATE alert SET acknowledged_at = ?, acknowledged_by = ?, note = ? WHERE id = ?",
                arguments: [Timestamp.format(audit.at), audit.user, note, id])
            try Self.writeAudit(db, audit, patient: alert.patientId, course: alert.courseId, summary: "alert \(id) acknowledged")
            return try Self.alerts(db, where: "a.id = ?", [id]).first!
        }
    }

    static func outcomes(_ db: Database, _ courseId: Int) throws -> [OutcomeRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, scale, timepoint, date, total, items, recorded_by FROM outcome
                WHERE course_id = ? ORDER BY scale, date, id
                """),
            [courseId]
        ) { row in
            OutcomeRecord(
                id: row[0], courseId: row[1], scale: row[2], timepoint: Timepoint(rawValue: row[3])!,
                date: CivilDate(row[4] as String)!, total: row[5],
                items: (row[6] as String?).map { $0.split(separator: ",").compactMap { Int($0) } }, recordedBy: row[7])
        }
    }

    static func alerts(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [AlertRecord] {
        try fetch(
            try db.makeStatement(sql: """
                SELECT a.id, a.course_id, c.patient_id, a.kind, a.detail, a.created_at, a.acknowledged_at, a.acknowledged_by, a.note
                FROM alert a JOIN course c ON c.id = a.course_id WHERE \(condition) ORDER BY a.id DESC
                """),
            arguments
        ) { row in
            AlertRecord(
                id: row[0], courseId: row[1], patientId: row[2], kind: row[3], detail: row[4],
                createdAt: Timestamp.parse(row[5])!, acknowledgedAt: (row[6] as String?).flatMap(Timestamp.parse),
                acknowledgedBy: row[7], note: row[8])
        }
    }

    /// Sessions booked on `date`, and how many of them are done: the daemon's STATUS line.
    public func dayCounts(on date: CivilDate) throws -> (booked: Int, done: Int) {
        try pool.read { db in
            let row = try Row.fetchOne(
                try db.cachedStatement(sql: """
                    SELECT count(*) FILTER (WHERE status NOT IN ('missed', 'aborted')),
                      count(*) FILTER (WHERE status = 'completed')
                    FROM session WHERE scheduled_date = ?
                    """),
                arguments: [date.description])!
            return (row[0], row[1])
        }
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

    // MARK: - Audit

    public func audit(courseId: Int? = nil, limit: Int = 100) throws -> [AuditRecord] {
        try pool.read { db in
            // Two statements, so the course's lookup uses its index.
            let statement = try courseId == nil
                ? db.cachedStatement(sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?")
                : db.cachedStatement(sql: "SELECT * FROM audit WHERE course_id = ? ORDER BY id DESC LIMIT ?")
            let arguments: StatementArguments = courseId.map { [$0, limit] } ?? [limit]
            return try Self.fetch(statement, arguments) { row in
                AuditRecord(
                    id: row["id"], at: Timestamp.parse(row["at"]) ?? Date(timeIntervalSince1970: 0), uid: row["uid"],
                    user: row["user"], pid: row["pid"], method: row["method"], patientId: row["patient_id"],
                    courseId: row["course_id"], sessionId: row["session_id"], summary: row["summary"])
            }
        }
    }

    // MARK: - Inside a transaction

    /// The bookings on `date` that hold a chair.
    static func occupancy(_ db: Database, _ date: CivilDate) throws -> DayOccupancy {
        var occupancy = DayOccupancy()
        let rows = try Row.fetchCursor(
            try db.cachedStatement(sql: """
                SELECT chair, start_minute, slot_minutes FROM session
                WHERE scheduled_date = ? AND chair IS NOT NULL AND status IN ('scheduled', 'in_progress', 'completed')
                """),
            arguments: [date.description])
        while let row = try rows.next() {
            let start: Int = row[1]
            occupancy.take(row[0], TimeRange(start: start, end: start + (row[2] as Int)))
        }
        // A chair out of service is taken all day.
        let outages = try String.fetchAll(
            try db.cachedStatement(sql: "SELECT chair FROM chair_outage WHERE from_date <= ?1 AND to_date >= ?1"),
            arguments: [date.description])
        for chair in outages { occupancy.take(chair, TimeRange(start: 0, end: 24 * 60)) }
        return occupancy
    }

    /// Where a session is booked.
    public struct Place: Sendable, Hashable {
        public var date: CivilDate
        public var time: LocalTime
        public var chair: String?
    }

    /// One session moved: where it was and where it is now.
    public struct Move: Sendable, Hashable {
        public var session: Int
        public var course: Int
        public var from: Place
        public var to: Place
    }

    /// The moves `rebook` made, from the sessions as they were.
    static func moves(_ before: [SessionRecord], _ result: Rebooking.Result) -> [Move] {
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })
        return result.moved.compactMap { id, slot in
            guard let was = old[id] else { return nil }
            let from = Place(date: was.date, time: was.time, chair: was.chair)
            let to = Place(date: slot.date, time: slot.time, chair: slot.chair)
            return from == to ? nil : Move(session: id, course: was.courseId, from: from, to: to)
        }
    }

    /// Re-plans each course that has an `affected` session: its open sessions
    /// from the earliest affected day on are laid out again from that day (or
    /// today, if later) into free slots, keeping counts and phases. Returns
    /// what moved.
    static func moveOff(_ db: Database, _ affected: [SessionRecord], clinic: BookingPolicy, today: CivilDate) throws -> [Move] {
        var moves: [Move] = []
        let cache = OccupancyCache()
        for (courseId, sessions) in Dictionary(grouping: affected, by: \.courseId).sorted(by: { $0.key < $1.key }) {
            let course = try Self.course(db, courseId)
            let earliest = sessions.map(\.date).min()!
            let all = try Self.sessions(db, where: "s.course_id = ?", [courseId])
            let movable = all.filter { $0.status == .scheduled && $0.date >= earliest }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && $0.date < earliest }
            let result = try rebook(
                db, course, movable: movable, replacing: nil, from: max(earliest, today), busyDays: Set(staying.map(\.date)),
                clinic: clinic, cache: cache)
            try renumber(db, course: courseId)
            moves += Self.moves(movable, result)
        }
        return moves
    }

    /// Audits each move, with the reason it happened.
    static func auditMoves(_ db: Database, _ moves: [Move], _ audit: AuditContext, because reason: String) throws {
        for move in moves {
            try writeAudit(
                db, audit, course: move.course, session: move.session,
                summary: "session \(move.session) moved \(reason): \(move.from.date) \(move.from.time) -> \(move.to.date) \(move.to.time) on \(move.to.chair ?? "-")")
        }
    }

    /// Days' occupancy read once and kept current by one operation that moves
    /// many sessions (a reload that closed a day moves thousands): each day is
    /// read from the database the first time it is asked for, and every
    /// booking the operation releases or takes is applied here as well.
    final class OccupancyCache {
        private var days: [CivilDate: DayOccupancy] = [:]

        func get(_ db: Database, _ date: CivilDate) throws -> DayOccupancy {
            if let known = days[date] { return known }
            let read = try ClinicStore.occupancy(db, date)
            days[date] = read
            return read
        }

        func release(_ session: SessionRecord) {
            guard let chair = session.chair, let range = session.range else { return }
            days[session.date]?.release(chair, range)
        }

        func take(_ date: CivilDate, _ chair: String?, _ range: TimeRange) {
            guard let chair else { return }
            days[date]?.take(chair, range)
        }
    }

    /// A DayBooker over this transaction's view of the chairs.
    static func booker(
        _ db: Database, _ clinic: BookingPolicy, coil: String, minutes: Int, interval: Int, preferred: LocalTime,
        cache: OccupancyCache? = nil
    ) -> DayBooker {
        let finder = SlotFinder(resources: clinic.resources, coil: coil, minutes: minutes, interval: interval)
        return { date, count in
            let occupancy = try cache?.get(db, date) ?? occupancy(db, date)
            return finder.find(count: count, on: date, preferred: preferred.minutes, occupancy: occupancy)
        }
    }

    /// Why a course could not be booked, for the person who asked.
    static func noRoom(_ failure: ScheduleGenerator.Failure, coil: String) -> ClinicError {
        switch failure {
        case .dayOverflows:
            return .invalidValue("sessionTime", "the day's sessions at the protocol's interval would run past midnight")
        case .noClinicDays:
            return .noFreeSlot(nil, coil: coil)
        }
    }

    /// Lays `movable` (open sessions of `course`) and, when `replacing` names
    /// a phase, one replacement in it, out again from `from` into free slots.
    /// The movable sessions are unbooked first, so they never collide with
    /// each other on the way; each then takes its new date, time and chair.
    static func rebook(
        _ db: Database, _ course: CourseRecord, movable: [SessionRecord], replacing phase: String?, from: CivilDate,
        busyDays: Set<CivilDate>, clinic: BookingPolicy, cache: OccupancyCache? = nil
    ) throws -> Rebooking.Result {
        var calendar = clinic.calendar
        calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
        let generator = ScheduleGenerator(
            calendar: calendar, sessionsPerDay: course.sessionsPerDay, intervalMinutes: course.intervalMinutes)
        if !movable.isEmpty {
            try db.execute(
                sql: "UPDATE session SET chair = NULL WHERE id IN (\(Array(repeating: "?", count: movable.count).joined(separator: ",")))",
                arguments: StatementArguments(movable.map(\.id)))
        }
        for session in movable { cache?.release(session) }
        let result: Rebooking.Result
        do {
            result = try Rebooking.plan(
                phases: course.phases, missedPhase: phase, movable: movable.map { Rebooking.Movable(id: $0.id, phase: $0.phase) },
                generator: generator, from: from, busyDays: busyDays, at: course.sessionTime,
                booker: booker(db, clinic, coil: course.coil, minutes: course.slotMinutes, interval: course.intervalMinutes,
                               preferred: course.sessionTime, cache: cache))
        } catch let failure as ScheduleGenerator.Failure {
            throw noRoom(failure, coil: course.coil)
        }
        let move = try db.cachedStatement(sql: """
            UPDATE session SET scheduled_date = ?, scheduled_time = ?, scheduled_at = ?, chair = ?, start_minute = ?,
              slot_minutes = ?
            WHERE id = ?
            """)
        for (movedId, slot) in result.moved {
            try move.execute(arguments: [
                slot.date.description, slot.time.description, Timestamp.format(slot.instant), slot.chair, slot.time.minutes,
                slot.minutes, movedId,
            ])
            cache?.take(slot.date, slot.chair, TimeRange(start: slot.time.minutes, end: slot.time.minutes + slot.minutes))
        }
        return result
    }

    static func writeAudit(
        _ db: Database, _ a: AuditContext, patient: Int? = nil, course: Int? = nil, session: Int? = nil, error: String? = nil,
        summary: String
    ) throws {
        try db.cachedStatement(sql: """
            INSERT INTO audit (at, uid, user, pid, method, patient_id, course_id, session_id, summary, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [Timestamp.format(a.at), a.uid, a.user, a.pid, a.method, patient, course, session, summary, error])
    }

    static func patient(_ db: Database, _ id: Int) throws -> PatientRecord {
        let statement = try db.cachedStatement(sql: "SELECT * FROM patient WHERE id = ?")
        guard let patient = try fetch(statement, [id], patientRecord).first else { throw ClinicError.patientNotFound(id) }
        return patient
    }

    static func course(_ db: Database, _ id: Int) throws -> CourseRecord {
        let statement = try db.cachedStatement(sql: "SELECT * FROM course WHERE id = ?")
        guard let course = try fetch(statement, [id], courseRecord).first else { throw ClinicError.courseNotFound(id) }
        return course
    }

    private static func session(_ db: Database, _ id: Int) throws -> SessionRecord {
        guard let session = try sessions(db, where: "s.id = ?", [id]).first else { throw ClinicError.sessionNotFound(id) }
        return session
    }

    /// A session that may still change, and its course, which must be active.
    private static func openSession(_ db: Database, _ id: Int) throws -> (SessionRecord, CourseRecord) {
        let session = try session(db, id)
        let course = try course(db, session.courseId)
        guard course.status == .active else { throw ClinicError.courseNotActive(course.id, status: course.status.rawValue) }
        guard session.status.isOpen else { throw ClinicError.sessionAlreadyFinished(id, status: session.status.rawValue) }
        return (session, course)
    }

    /// The columns `sessionRecord` reads, by position.
    private static let sessionSelect = """
        SELECT s.id, s.course_id, c.patient_id, s.number, c.total_sessions, s.phase, s.scheduled_date, s.scheduled_time,
          s.scheduled_at, s.status, s.started_at, s.finished_at, s.motor_threshold, s.intensity_pct_mt, s.frequency_hz,
          s.pulses_per_train, s.train_duration_s, s.inter_train_interval_s, s.trains, s.pulses_delivered, s.coil, s.target,
          s.notes, s.reason, s.replaces, (SELECT r.id FROM session r WHERE r.replaces = s.id) AS replaced_by,
          s.chair, s.slot_minutes, s.medications
        """

    static func sessions(
        _ db: Database, where condition: String, _ arguments: StatementArguments, first: Bool = false
    ) throws -> [SessionRecord] {
        let statement = try db.cachedStatement(
            sql: sessionSelect + " FROM session s JOIN course c ON c.id = s.course_id WHERE \(condition) ORDER BY s.scheduled_at, s.id"
                + (first ? " LIMIT 1" : ""))
        return try fetch(statement, arguments, sessionRecord)
    }

    /// Decodes rows straight from SQLite as the cursor steps: GRDB's copied
    /// rows (`fetchAll`) build a case-insensitive column index per row.
    static func fetch<T>(_ statement: Statement, _ arguments: StatementArguments, _ decode: (Row) -> T) throws -> [T] {
        var records: [T] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() { records.append(decode(row)) }
        return records
    }

    /// Numbers the sessions that count (all but missed and aborted) 1, 2, ... in time order.
    private static func renumber(_ db: Database, course: Int) throws {
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
        let row = try Row.fetchOne(
            try db.cachedStatement(sql: """
                SELECT count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'missed'),
                  count(*) FILTER (WHERE status = 'aborted'), count(*) FILTER (WHERE status IN ('scheduled', 'in_progress'))
                FROM session WHERE course_id = ?
                """),
            arguments: [courseId])!
        return (row[0], row[1], row[2], row[3])
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

    // MARK: - Rows

    static func patientRecord(_ row: Row) -> PatientRecord {
        PatientRecord(
            id: row["id"], mrn: row["mrn"], familyName: row["family_name"], givenName: row["given_name"],
            birthDate: CivilDate(row["birth_date"] as String)!, createdAt: Timestamp.parse(row["created_at"])!)
    }

    static func courseRecord(_ row: Row) -> CourseRecord {
        CourseRecord(
            id: row["id"], patientId: row["patient_id"], protocolId: row["protocol_id"], protocolName: row["protocol_name"],
            status: (row["held_since"] as String?) != nil ? .onHold
                : (row["paused_from"] as String?) != nil ? .paused : CourseStatus(rawValue: row["status"])!,
            statusReason: (row["held_since"] as String?).map { "on hold since \($0): \(row["hold_reason"] as String? ?? "")" }
                ?? (row["paused_from"] as String?).map { "paused from \($0)" } ?? row["status_reason"],
            startDate: CivilDate(row["start_date"] as String)!, sessionTime: LocalTime(row["session_time"] as String)!,
            timeZone: row["time_zone"], prescriber: row["prescriber"],
            target: TargetSite(
                method: TargetSite.Method(rawValue: row["target_method"])!, label: row["target_label"],
                x: row["target_x"], y: row["target_y"], z: row["target_z"], coordinateSystem: row["coordinate_system"]),
            dose: PrescribedDose(
                frequencyHz: row["frequency_hz"], intensityPercentMT: row["intensity_pct_mt"],
                pulsesPerTrain: row["pulses_per_train"], trainDurationSeconds: row["train_duration_s"],
                interTrainIntervalSeconds: row["inter_train_interval_s"], trains: row["trains"],
                pulsesPerSession: row["pulses_per_session"]),
            sessionsPerDay: row["sessions_per_day"], intervalMinutes: row["interval_minutes"],
            totalSessions: row["total_sessions"],
            phases: (row["phases"] as String).split(separator: ";").compactMap(CoursePhase.init(encoded:)),
            createdAt: Timestamp.parse(row["created_at"])!,
            coil: row["coil"] ?? ProtocolLibrary.find(row["protocol_id"])?.coil ?? "figure-8",
            slotMinutes: row["slot_minutes"] ?? 60)
    }

    /// Reads a row of `sessionSelect`, by column position.
    private static func sessionRecord(_ row: Row) -> SessionRecord {
        let status = SessionStatus(rawValue: row[9])!
        var delivery: Delivery?
        if status == .completed {
            delivery = Delivery(
                motorThreshold: row[12], intensityPercentMT: row[13], frequencyHz: row[14], pulsesPerTrain: row[15],
                trainDurationSeconds: row[16], interTrainIntervalSeconds: row[17], trains: row[18], pulsesDelivered: row[19],
                coil: row[20], target: row[21], notes: row[22] ?? "")
        }
        return SessionRecord(
            id: row[0], courseId: row[1], patientId: row[2], number: row[3], total: row[4], phase: row[5],
            date: CivilDate(row[6] as String)!, time: LocalTime(row[7] as String)!, scheduledAt: Timestamp.parse(row[8])!,
            status: status, startedAt: (row[10] as String?).flatMap(Timestamp.parse),
            finishedAt: (row[11] as String?).flatMap(Timestamp.parse), delivery: delivery, pulsesDelivered: row[19],
            reason: row[23], replaces: row[24], replacedBy: row[25], chair: row[26], minutes: row[27], medications: row[28])
    }
}

extension PrescribedDose {
    init(frequencyHz: Double, intensityPercentMT: Double, pulsesPerTrain: Int, trainDurationSeconds: Double,
         interTrainIntervalSeconds: Double, trains: Int, pulsesPerSession: Int) {
        self.frequencyHz = frequencyHz
        self.intensityPercentMT = intensityPercentMT
        self.pulsesPerTrain = pulsesPerTrain
        self.trainDurationSeconds = trainDurationSeconds
        self.interTrainIntervalSeconds = interTrainIntervalSeconds
        self.trains = trains
        self.pulsesPerSession = pulsesPerSession
    }
}
