import Foundation
import GRDB
public import TMSCore

// MARK: - The daily report's reads

/// Everything the daily report says about a day, read in one transaction so
/// its parts agree with each other. A handful of set-wide queries rather
/// than a few per course: over years of history the report reads what is
/// under way, not what is finished.
public struct DayFacts: Sendable {
    /// The day's sessions: those given that day (their date of service), and
    /// those booked for it that were not given on another.
    public var sessions: [SessionRecord]
    /// The next day's sessions still booked.
    public var tomorrow: [SessionRecord]
    /// Courses under way (active, paused, on hold), by id.
    public var unfinished: [CourseRecord]
    /// Every course and patient the report names, by id.
    public var courses: [Int: CourseRecord]
    public var patients: [Int: PatientRecord]
    /// For courses with a session delivered on the day: the course's first
    /// delivered session, by the order of delivery, and its date of service.
    public var firstDelivered: [Int: (id: Int, date: CivilDate)]
    /// For courses with a session delivered on the day and their MT measured
    /// that day: every day the MT was measured and a session delivered.
    public var measured: [Int: [CivilDate]]
    /// The treatment gate's facts of each of tomorrow's courses, for its MT re-check.
    public var tomorrowFacts: [Int: TreatmentFacts]
    public var events: [AdverseEventRecord]
    public var openAlerts: [AlertRecord]
    public var medicationChanges: [MedicationRecord]
    /// Each unfinished course's sessions, for its last booked day and its authorizations.
    public var bookings: [Int: [AuthorizationUse.Booking]]
    public var authorizations: [Int: [Authorization]]
    /// Courses ending in the day's week, by id, with their last session's
    /// day: those under way whose last booked session falls between the day
    /// and Sunday, and those completed on the Monday or since.
    public var ending: [(course: Int, last: CivilDate)]
    /// The scores of the courses ending this week.
    public var outcomes: [Int: [OutcomeRecord]]
    /// What the day's sessions went ahead with: warnings and overrides.
    public var findings: [FindingRecord]
    /// The day's no-shows, by time.
    public var noShows: [NoShowRecord]
}

extension ClinicStore {
    /// Reads the day's facts; `tomorrow` is the next clinic day.
    public func dayFacts(on date: CivilDate, tomorrow: CivilDate, _ selection: FactSelection) throws -> DayFacts {
        let monday = date.startOfWeek, sunday = date.startOfWeek.adding(days: 6)
        return try read { db in
            let sessions = try Self.sessions(
                db, where: "(s.service_date = ?1 OR (s.service_date IS NULL AND s.scheduled_date = ?1))", [date.description])
            let next = try Self.sessions(db, where: "s.scheduled_date = ? AND s.status = 'scheduled'", [tomorrow.description])
            let unfinished = try Self.fetch(
                try db.cachedStatement(sql: "SELECT * FROM course WHERE status = 'active' ORDER BY id"), [], Self.courseRecord)
            var courses = Dictionary(uniqueKeysWithValues: unfinished.map { ($0.id, $0) })

            var firstDelivered: [Int: (id: Int, date: CivilDate)] = [:]
            let firsts = try db.cachedStatement(sql: """
                SELECT f.course_id, f.id, coalesce(f.service_date, f.scheduled_date) AS day FROM session f
                WHERE f.id IN (SELECT (SELECT g.id FROM session g WHERE g.course_id = s.course_id AND g.status = 'completed'
                                       ORDER BY g.started_at, g.id LIMIT 1)
                               FROM session s WHERE s.service_date = ? AND s.status = 'completed')
                """)
            for (course, first) in try Self.fetch(firsts, [date.description], { row in
                (row["course_id"] as Int, (id: row["id"] as Int, date: CivilDate(row["day"] as String)!))
            }) {
                firstDelivered[course] = first
            }
            var measured: [Int: [CivilDate]] = [:]
            let measuredDays = try db.cachedStatement(sql: """
                SELECT DISTINCT m.course_id, m.date FROM motor_threshold m
                WHERE m.course_id IN (SELECT m2.course_id FROM motor_threshold m2 JOIN session s
                                        ON s.course_id = m2.course_id AND s.service_date = m2.date AND s.status = 'completed'
                                      WHERE m2.date = ?)
                  AND EXISTS (SELECT 1 FROM session s WHERE s.course_id = m.course_id AND s.service_date = m.date AND s.status = 'completed')
                ORDER BY m.course_id, m.date
                """)
            for (course, day) in try Self.fetch(measuredDays, [date.description], { row in
                (row["course_id"] as Int, CivilDate(row["date"] as String)!)
            }) {
                measured[course, default: []].append(day)
            }

            let events = try Self.adverseEvents(db, where: "date = ?", [date.description])
            let alerts = try Self.alerts(db, where: "a.acknowledged_at IS NULL", [])
            let changes = try Self.medications(db, "m.start_date = ? OR m.stop_date = ?", [date.description, date.description])
            // Each with its replacement's date and how many no-shows its course has had in all.
            let noShows = try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT n.session_id, n.course_id, c.patient_id, s.scheduled_time, s.chair, r.scheduled_date AS replacement_date,
                      (SELECT count(*) FROM no_show a WHERE a.course_id = n.course_id) AS course_no_shows
                    FROM no_show n JOIN session s ON s.id = n.session_id JOIN course c ON c.id = n.course_id
                    LEFT JOIN session r ON r.replaces = n.session_id
                    WHERE n.date = ? ORDER BY s.scheduled_time, n.session_id
                    """),
                [date.description]
            ) { row in
                NoShowRecord(
                    session: row["session_id"], course: row["course_id"], patient: row["patient_id"],
                    time: LocalTime(row["scheduled_time"] as String)!, chair: row["chair"],
                    replacementDate: (row["replacement_date"] as String?).flatMap(CivilDate.init), courseNoShows: row["course_no_shows"])
            }

            // Courses completed this week, with the day of their last session.
            var ending: [(course: Int, last: CivilDate)] = []
            let completed = try db.cachedStatement(sql: """
                SELECT s.course_id, max(s.scheduled_date) AS last FROM session s JOIN course c ON c.id = s.course_id
                WHERE c.status = 'completed' AND s.status = 'completed' AND s.course_id IN (
                  SELECT course_id FROM session WHERE scheduled_date BETWEEN ? AND ? AND status = 'completed')
                GROUP BY s.course_id
                """)
            for (course, last) in try Self.fetch(completed, [monday.description, sunday.description], { row in
                (row["course_id"] as Int, CivilDate(row["last"] as String)!)
            }) where last >= monday && last <= sunday {
                ending.append((course, last))
            }

            // The courses every part names, and their patients.
            let named = Set(sessions.map(\.courseId) + next.map(\.courseId) + events.map(\.courseId) + alerts.map(\.courseId)
                + ending.map(\.course) + noShows.map(\.course))
            for course in try Self.courses(db, ids: named.filter { courses[$0] == nil }) { courses[course.id] = course }
            let patients = try Self.patients(db, ids: Set(courses.values.map(\.patientId) + changes.map(\.patientId)))

            var tomorrowFacts: [Int: TreatmentFacts] = [:]
            for id in Set(next.map(\.courseId)) {
                guard let course = courses[id] else { continue }
                tomorrowFacts[id] = try Self.treatmentFacts(db, course, session: nil, selection)
            }

            let bookings = try Self.bookings(db, where: "c.status = 'active'", [])
            let authorizations = Dictionary(
                grouping: try Self.authorizations(db, where: "a.course_id IN (SELECT id FROM course WHERE status = 'active')", []),
                by: \.courseId)

            for course in unfinished where course.status == .active {
                let last = bookings[course.id]?.last { $0.status.isOpen || $0.status == .completed }?.date
                if let last, last >= date, last <= sunday { ending.append((course.id, last)) }
            }
            ending.sort { $0.course < $1.course }
            var outcomes: [Int: [OutcomeRecord]] = [:]
            for (course, _) in ending { outcomes[course] = try Self.outcomes(db, course) }
            let given = Set(sessions.filter { $0.serviceDate == date }.map(\.id))
            let findings = given.isEmpty ? [] : try Self.findings(db, where: "session_id IN (SELECT value FROM json_each(?))", [Self.jsonArray(given)])
            return DayFacts(
                sessions: sessions, tomorrow: next, unfinished: unfinished, courses: courses, patients: patients,
                firstDelivered: firstDelivered, measured: measured, tomorrowFacts: tomorrowFacts, events: events, openAlerts: alerts,
                medicationChanges: changes, bookings: bookings, authorizations: authorizations, ending: ending, outcomes: outcomes,
                findings: findings, noShows: noShows)
        }
    }

    /// Rows by a set of ids, in one statement: the ids go in as a JSON array.
    private static func courses(_ db: Database, ids: Set<Int>) throws -> [CourseRecord] {
        guard !ids.isEmpty else { return [] }
        return try fetch(
            try db.cachedStatement(sql: "SELECT * FROM course WHERE id IN (SELECT value FROM json_each(?))"),
            [jsonArray(ids)], courseRecord)
    }

    private static func patients(_ db: Database, ids: Set<Int>) throws -> [Int: PatientRecord] {
        guard !ids.isEmpty else { return [:] }
        let found = try fetch(
            try db.cachedStatement(sql: "SELECT \(patientColumns) WHERE p.id IN (SELECT value FROM json_each(?))"),
            [jsonArray(ids)], patientRecord)
        return Dictionary(uniqueKeysWithValues: found.map { ($0.id, $0) })
    }
}

// MARK: - The course summary's reads

/// Everything the course summary says, read in one transaction.
public struct CourseFacts: Sendable {
    public var course: CourseRecord
    public var progress: CourseProgress
    public var sessions: [SessionRecord]
    public var patient: PatientRecord
    /// The patient's medications taken at any time from the course's start to its last session.
    public var medications: [MedicationRecord]
    public var thresholds: [ThresholdRecord]
    public var outcomes: [OutcomeRecord]
    public var events: [AdverseEventRecord]
    public var authorizations: [Authorization]
    public var bookings: [AuthorizationUse.Booking]
}

extension ClinicStore {
    public func courseFacts(id: Int) throws -> CourseFacts {
        try read { db in try Self.courseFacts(db, id) }
    }

    static func courseFacts(_ db: Database, _ id: Int) throws -> CourseFacts {
        let course = try Self.course(db, id)
        let sessions = try Self.sessions(db, where: "s.course_id = ?", [id])
        let last = sessions.last?.date ?? course.startDate
        let medications = try Self.medications(
            db, "m.patient_id = ? AND m.start_date <= ? AND (m.stop_date IS NULL OR m.stop_date >= ?)",
            [course.patientId, last.description, course.startDate.description])
        return CourseFacts(
            course: course, progress: try Self.progress(db, course), sessions: sessions,
            patient: try Self.patient(db, course.patientId), medications: medications,
            thresholds: try Self.thresholds(db, id), outcomes: try Self.outcomes(db, id), events: try Self.adverseEvents(db, id),
            authorizations: try Self.authorizations(db, id), bookings: try Self.bookings(db, id))
    }
}

/// A patient's records as an export carries them, read in one transaction.
public struct PatientFacts: Sendable {
    public var patient: PatientRecord
    public var contact: Contact
    public var evaluation: [EvaluationEntry]
    public var trials: [Trial]
    public var strategies: [Strategy]
    public var medications: [MedicationRecord]
    /// The courses exported, each with its sessions, measurements, scores and events.
    public var courses: [CourseFacts]
}

extension ClinicStore {
    /// A patient's records, with every course of theirs or only `courseId`
    /// (CourseNotFound when it is not one of theirs).
    public func patientFacts(patientId: Int, courseId: Int? = nil) throws -> PatientFacts {
        try read { db in
            let patient = try Self.patient(db, patientId)
            let ids: [Int]
            if let courseId {
                guard try Self.course(db, courseId).patientId == patientId else { throw ClinicError.courseNotFound(courseId) }
                ids = [courseId]
            } else {
                ids = try Self.fetch(db.cachedStatement(sql: "SELECT id FROM course WHERE patient_id = ? ORDER BY id"), [patientId]) { $0["id"] as Int }
            }
            return PatientFacts(
                patient: patient, contact: try Self.contact(db, patientId), evaluation: try Self.evaluation(db, "patient_id = ?", [patientId]),
                trials: try Self.trials(db, patientId), strategies: try Self.strategies(db, "s.patient_id = ?", [patientId]),
                medications: try Self.medications(db, "m.patient_id = ?", [patientId]), courses: try ids.map { try Self.courseFacts(db, $0) })
        }
    }
}
