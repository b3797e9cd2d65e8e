import Foundation
import GRDB
public import TMSCore

/// Which records the treatment gate's rules read, as the clinical data names
/// them: the adverse event kinds that hold a course (a seizure), and the
/// drugs whose change calls for a new motor threshold.
public struct FactSelection: Sendable, Hashable {
    public var holdKinds: Set<String> { didSet { holdKindsArgument = ClinicStore.jsonArray(holdKinds) } }
    public var recheckDrugs: Set<String> { didSet { recheckDrugsArgument = ClinicStore.jsonArray(recheckDrugs) } }
    // As statement arguments, made once: the daily report reads every course's facts with them.
    private(set) var holdKindsArgument: String
    private(set) var recheckDrugsArgument: String

    public init(holdKinds: Set<String>, recheckDrugs: Set<String>) {
        self.holdKinds = holdKinds
        self.recheckDrugs = recheckDrugs
        holdKindsArgument = ClinicStore.jsonArray(holdKinds)
        recheckDrugsArgument = ClinicStore.jsonArray(recheckDrugs)
    }
}

// The facts the treatment gate decides on, read in the transaction that then
// acts on its verdict, and the findings a treatment went ahead with.
extension ClinicStore {
    /// A course's facts, read on their own (ListThresholds, the daily report).
    public func treatmentFacts(courseId: Int, _ selection: FactSelection) throws -> TreatmentFacts {
        try read { db in try Self.treatmentFacts(db, try Self.course(db, courseId), session: nil, selection) }
    }

    /// Everything the gate reads of `course`, for an act on `session` (or on the course).
    static func treatmentFacts(
        _ db: Database, _ course: CourseRecord, session: SessionRecord?, _ selection: FactSelection
    ) throws -> TreatmentFacts {
        var facts = TreatmentFacts(
            course: course.id, status: course.status, heldAt: try heldAt(db, course.id),
            prescription: .init(dose: course.dose, coil: course.coil, target: course.target.label, sessionsPerDay: course.sessionsPerDay),
            session: session.map { .init(id: $0.id, date: $0.date, status: $0.status, startedAt: $0.startedAt) })
        facts.screens = try screenFacts(db, course.id)
        facts.clearances = try clearances(db, course.id)
        facts.thresholds = try fetch(
            db.cachedStatement(sql: "SELECT value, measured_at, date FROM motor_threshold WHERE course_id = ? ORDER BY measured_at, id"),
            [course.id]
        ) { row in ThresholdReading(value: row["value"], at: instant(row["measured_at"]), date: CivilDate(row["date"] as String)!) }
        if !selection.recheckDrugs.isEmpty {
            let drugs = selection.recheckDrugsArgument
            facts.changes = try fetch(
                db.cachedStatement(sql: """
                    SELECT drug, started_at AS at FROM medication WHERE patient_id = ? AND drug IN (SELECT value FROM json_each(?))
                    UNION ALL
                    SELECT drug, stopped_at AS at FROM medication
                    WHERE patient_id = ? AND drug IN (SELECT value FROM json_each(?)) AND stopped_at IS NOT NULL
                    """),
                [course.patientId, drugs, course.patientId, drugs]
            ) { row in (drug: row["drug"] as String, at: instant(row["at"])) }
        }
        if !selection.holdKinds.isEmpty {
            facts.seizures = try fetch(
                db.cachedStatement(sql: """
                    SELECT occurred_at FROM adverse_event WHERE course_id = ? AND kind IN (SELECT value FROM json_each(?))
                    """),
                [course.id, selection.holdKindsArgument]
            ) { row in instant(row["occurred_at"]) }
        }
        facts.prescriptionOverrides = Set(try String.fetchAll(
            db.cachedStatement(sql: "SELECT DISTINCT rule FROM finding WHERE course_id = ? AND session_id IS NULL AND severity = 'override'"),
            arguments: [course.id]
        ).compactMap(GateRule.init(rawValue:)))
        let other = session?.id ?? 0
        facts.lastDelivered = try fetchOne(
            db.cachedStatement(sql: """
                SELECT coalesce(service_date, scheduled_date) AS day, coalesce(started_at, finished_at) AS at FROM session
                WHERE course_id = ? AND status = 'completed' AND id != ? ORDER BY coalesce(started_at, finished_at) DESC LIMIT 1
                """),
            [course.id, other]
        ) { row in (date: CivilDate(row["day"] as String)!, at: instant(row["at"])) }
        if let session {
            facts.givenThatDay = try fetchOne(
                db.cachedStatement(sql: """
                    SELECT count(*) AS given FROM session
                    WHERE course_id = ? AND id != ? AND service_date = ?
                      AND (status IN ('completed', 'in_progress') OR (status = 'aborted' AND pulses_delivered > 0))
                    """),
                [course.id, session.id, session.date.description]
            ) { row in row["given"] as Int } ?? 0
        }
        return facts
    }

    /// When the course's hold began, while it is on hold.
    static func heldAt(_ db: Database, _ courseId: Int) throws -> Date? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT held_at FROM course WHERE id = ?"), arguments: [courseId]).flatMap(Timestamp.parse)
    }

    /// A stored instant; a row without one (none should be) counts as the epoch, before everything.
    static func instant(_ text: String?) -> Date { text.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0) }

    /// Keeps what a treatment went ahead with: each warning, and each override with its reason.
    static func recordFindings(
        _ db: Database, _ accepted: [AcceptedFinding], course: Int, session: Int?, audit: AuditContext
    ) throws -> [FindingRecord] {
        guard !accepted.isEmpty else { return [] }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO finding (course_id, session_id, rule, severity, message, reason, recorded_by, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var ids: [Int] = []
        for finding in accepted {
            try insert.execute(arguments: [
                course, session, finding.rule.rawValue, finding.severity.rawValue, finding.message, finding.reason, audit.user,
                Timestamp.format(audit.at),
            ])
            ids.append(Int(db.lastInsertedRowID))
        }
        return try findings(db, where: "id IN (SELECT value FROM json_each(?))", [jsonArray(Set(ids))])
    }

    /// A course's findings, oldest first.
    public func findings(courseId: Int) throws -> [FindingRecord] {
        try read { db in try Self.findings(db, where: "course_id = ?", [courseId]) }
    }

    static func findings(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [FindingRecord] {
        try fetch(
            db.cachedStatement(sql: """
                SELECT id, course_id, session_id, rule, severity, message, reason, recorded_by, at FROM finding
                WHERE \(condition) ORDER BY id
                """),
            arguments
        ) { row in
            FindingRecord(
                id: row["id"], courseId: row["course_id"], sessionId: row["session_id"], rule: row["rule"],
                severity: Finding.Severity(rawValue: row["severity"]) ?? .warn, message: row["message"], reason: row["reason"],
                recordedBy: row["recorded_by"], at: instant(row["at"]))
        }
    }

    /// A set of ids or names as one statement argument: a JSON array for `json_each`.
    static func jsonArray<T: CustomStringConvertible & Hashable>(_ values: Set<T>) -> String {
        let items = values.map { value -> String in
            if value is Int { return value.description }
            var quoted = "\""
            for c in value.description.unicodeScalars {
                switch c {
                case "\\", "\"": quoted += "\\" + String(c)
                case ..<" ": quoted += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
                default: quoted.unicodeScalars.append(c)
                }
            }
            return quoted + "\""
        }
        return "[" + items.sorted().joined(separator: ",") + "]"
    }
}
