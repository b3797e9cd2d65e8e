import Foundation
import GRDB
public import TMSCore

// Safety: the screen, motor thresholds, adverse events and holds.
extension ClinicStore {
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

    static func latestScreen(_ db: Database, _ courseId: Int) throws -> ScreenRecord? {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, date, answers, result, findings, recorded_by, signed_off_by, sign_off_reason
                FROM screen WHERE course_id = ? ORDER BY id DESC LIMIT 1
                """),
            [courseId]
        ) { row in
            ScreenRecord(
                id: row["id"], courseId: row["course_id"], date: CivilDate(row["date"] as String)!,
                answers: Dictionary(uniqueKeysWithValues: (row["answers"] as String).split(separator: ";").compactMap { pair in
                    let parts = pair.split(separator: "=")
                    return parts.count == 2 ? (String(parts[0]), parts[1] == "yes") : nil
                }),
                result: ScreenResult(rawValue: row["result"])!,
                findings: (row["findings"] as String).split(separator: ",").map(String.init), recordedBy: row["recorded_by"],
                signedOffBy: row["signed_off_by"], signOffReason: row["sign_off_reason"])
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
            change = try Self.fetchOne(
                db.cachedStatement(sql: """
                    SELECT d, drug FROM (
                      SELECT start_date AS d, drug FROM medication WHERE patient_id = ? AND drug IN (\(marks))
                      UNION ALL
                      SELECT stop_date AS d, drug FROM medication WHERE patient_id = ? AND drug IN (\(marks)) AND stop_date IS NOT NULL
                    ) WHERE d <= ? ORDER BY d DESC LIMIT 1
                    """),
                StatementArguments(
                    [course.patientId as any DatabaseValueConvertible] + recheckDrugs.sorted().map { $0 as any DatabaseValueConvertible }
                        + [course.patientId as any DatabaseValueConvertible] + recheckDrugs.sorted().map { $0 as any DatabaseValueConvertible }
                        + [date.description as any DatabaseValueConvertible])
            ) { row in (CivilDate(row["d"] as String)!, row["drug"] as String) }
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
                id: row["id"], courseId: row["course_id"], date: CivilDate(row["date"] as String)!,
                method: ThresholdMethod(rawValue: row["method"])!, muscle: row["muscle"], value: row["value"], operator: row["operator"])
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
                id: row["id"], courseId: row["course_id"], sessionId: row["session_id"], kind: row["kind"],
                severity: Severity(rawValue: row["severity"])!, date: CivilDate(row["date"] as String)!, details: row["details"],
                held: row["held"], recordedBy: row["recorded_by"])
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
}
