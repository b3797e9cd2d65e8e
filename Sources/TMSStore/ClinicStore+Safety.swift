public import Foundation
import GRDB
public import TMSCore

// Safety: the screen, motor thresholds, adverse events and holds.
extension ClinicStore {
    /// Records a course's safety screen, judged by the clinical data's
    /// questions. An earlier screen's findings are not erased by this one:
    /// they stand until a clinician clears them (`clearScreenFinding`).
    public func recordScreen(
        courseId: Int, date: CivilDate, answers: [String: Bool], questions: [ScreenQuestion], audit: AuditContext
    ) throws -> ScreenRecord {
        try write { db in
            let course = try Self.course(db, courseId)
            let (result, findings) = try ScreenResult.judge(answers, questions)
            let yes = findings.keys.sorted()
            try db.cachedStatement(sql: """
                    INSERT INTO screen (course_id, date, answers, result, findings, judged, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [courseId, date.description, answers.keys.sorted().map { "\($0)=\(answers[$0]! ? "yes" : "no")" }.joined(separator: ";"),
                            result.rawValue, yes.joined(separator: ","), yes.map { "\($0)=\(findings[$0]!.rawValue)" }.joined(separator: ";"),
                            audit.user, Timestamp.formatPrecise(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "safety screen \(id): \(result.rawValue)" + (yes.isEmpty ? "" : " (\(yes.joined(separator: ", ")))"))
            return try Self.latestScreen(db, courseId)!
        }
    }

    /// A clinician signs off the relative contraindications that stand, with a reason.
    public func signOffScreen(courseId: Int, reason: String, audit: AuditContext) throws -> ScreenRecord {
        try write { db in
            let course = try Self.course(db, courseId)
            guard let screen = try Self.latestScreen(db, courseId) else {
                throw ClinicError.screenRequired(course: courseId, state: "none", reason: "no safety screen has been recorded")
            }
            let standing = StandingFinding.standing(try Self.screenFacts(db, courseId), try Self.clearances(db, courseId))
            if standing.contains(where: { $0.weight == .absolute }) {
                throw ClinicError.invalidValue(
                    "courseId", "an absolute contraindication cannot be signed off; a clinician clears it after review (ClearScreenFinding)")
            }
            guard standing.contains(where: { $0.weight == .relative && !$0.signedOff }) else {
                throw ClinicError.invalidValue(
                    "courseId", standing.isEmpty ? "the screen found nothing to sign off" : "the screen is already signed off")
            }
            try db.cachedStatement(sql: "UPDATE screen SET signed_off_by = ?, sign_off_reason = ?, signed_off_at = ? WHERE id = ?")
                .execute(arguments: [audit.user, reason, Timestamp.formatPrecise(audit.at), screen.id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: courseId, summary: "safety screen \(screen.id) signed off")
            return try Self.latestScreen(db, courseId)!
        }
    }

    /// A clinician clears one finding that stands (absolute or relative), with a reason; the screens stay as they were.
    public func clearScreenFinding(courseId: Int, question: String, reason: String, audit: AuditContext) throws -> ScreenHistory {
        try write { db in
            let course = try Self.course(db, courseId)
            let standing = StandingFinding.standing(try Self.screenFacts(db, courseId), try Self.clearances(db, courseId))
            guard let finding = standing.first(where: { $0.question == question }) else {
                throw ClinicError.findingNotStanding(course: courseId, question: question)
            }
            try db.cachedStatement(sql: "INSERT INTO screen_clearance (course_id, question, reason, cleared_by, at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [courseId, question, reason, audit.user, Timestamp.formatPrecise(audit.at)])
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "safety screen finding \(question) (\(finding.weight.rawValue), screen \(finding.screen)) cleared: \(reason)")
            return try Self.screenHistory(db, courseId)
        }
    }

    /// A course's latest screen, every screen, and the findings that stand.
    public func screenHistory(courseId: Int) throws -> ScreenHistory {
        try read { db in
            _ = try Self.course(db, courseId)
            return try Self.screenHistory(db, courseId)
        }
    }

    static func screenHistory(_ db: Database, _ courseId: Int) throws -> ScreenHistory {
        let screens = try self.screens(db, where: "course_id = ?", [courseId])
        return ScreenHistory(
            screens: screens, standing: StandingFinding.standing(try screenFacts(db, courseId), try clearances(db, courseId)),
            clearances: try clearances(db, courseId))
    }

    static func latestScreen(_ db: Database, _ courseId: Int) throws -> ScreenRecord? {
        try screens(db, where: "id = (SELECT max(id) FROM screen WHERE course_id = ?)", [courseId]).first
    }

    static func screens(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [ScreenRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, date, answers, result, findings, recorded_by, signed_off_by, sign_off_reason
                FROM screen WHERE \(condition) ORDER BY id
                """),
            arguments
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
        }
    }

    /// The screens as the gate reads them. A screen recorded before findings
    /// kept their weights has its findings weighed by its result.
    static func screenFacts(_ db: Database, _ courseId: Int) throws -> [ScreenFacts] {
        try fetch(
            db.cachedStatement(sql: """
                SELECT id, date, created_at, result, findings, judged, signed_off_at FROM screen WHERE course_id = ? ORDER BY id
                """),
            [courseId]
        ) { row in
            var findings: [String: ScreenQuestion.Weight] = [:]
            if let judged = row["judged"] as String? {
                for pair in judged.split(separator: ";") {
                    let parts = pair.split(separator: "=")
                    if parts.count == 2, let weight = ScreenQuestion.Weight(rawValue: String(parts[1])) { findings[String(parts[0])] = weight }
                }
            } else {
                let weight: ScreenQuestion.Weight = (row["result"] as String) == "absolute" ? .absolute : .relative
                for id in (row["findings"] as String).split(separator: ",") { findings[String(id)] = weight }
            }
            return ScreenFacts(
                id: row["id"], date: CivilDate(row["date"] as String)!, at: instant(row["created_at"]), findings: findings,
                signedOffAt: (row["signed_off_at"] as String?).flatMap(Timestamp.parse))
        }
    }

    static func clearances(_ db: Database, _ courseId: Int) throws -> [ScreenClearance] {
        try fetch(
            db.cachedStatement(sql: "SELECT question, at, cleared_by, reason FROM screen_clearance WHERE course_id = ? ORDER BY id"),
            [courseId]
        ) { row in ScreenClearance(question: row["question"], at: instant(row["at"]), by: row["cleared_by"], reason: row["reason"]) }
    }

    /// Records a motor threshold measured at `at` (on `date`, the clinic's day of it).
    public func recordThreshold(
        courseId: Int, date: CivilDate, at: Date, method: ThresholdMethod, muscle: String, value: Double, audit: AuditContext
    ) throws -> ThresholdRecord {
        try write { db in
            let course = try Self.course(db, courseId)
            try DeliveryRules.checkMotorThreshold(value)
            try db.cachedStatement(sql: """
                    INSERT INTO motor_threshold (course_id, date, method, muscle, value, operator, created_at, measured_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [courseId, date.description, method.rawValue, muscle, value, audit.user, Timestamp.format(audit.at),
                            Timestamp.formatPrecise(at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "motor threshold \(id): \(value.clinical)% of output (\(method.rawValue), \(muscle)) on \(date)")
            return try Self.thresholds(db, courseId).first { $0.id == id }!
        }
    }

    public func thresholds(courseId: Int) throws -> [ThresholdRecord] {
        try read { db in
            _ = try Self.course(db, courseId)
            return try Self.thresholds(db, courseId)
        }
    }

    static func thresholds(_ db: Database, _ courseId: Int) throws -> [ThresholdRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, date, method, muscle, value, operator FROM motor_threshold WHERE course_id = ?
                ORDER BY measured_at, id
                """),
            [courseId]
        ) { row in
            ThresholdRecord(
                id: row["id"], courseId: row["course_id"], date: CivilDate(row["date"] as String)!,
                method: ThresholdMethod(rawValue: row["method"])!, muscle: row["muscle"], value: row["value"], operator: row["operator"])
        }
    }

    /// Records an adverse event that happened at `at` (on `date`); one that
    /// holds (a seizure) puts the course on hold at once, from that instant,
    /// in the same transaction.
    public func recordAdverseEvent(
        courseId: Int, sessionId: Int?, kind: AdverseEventKind, severity: Severity, date: CivilDate, at: Date, details: String,
        audit: AuditContext
    ) throws -> AdverseEventRecord {
        try write { db in
            let course = try Self.course(db, courseId)
            if let sessionId {
                let session = try Self.session(db, sessionId)
                guard session.courseId == courseId else {
                    throw ClinicError.invalidValue("sessionId", "session \(sessionId) is not one of course \(courseId)'s")
                }
            }
            try db.cachedStatement(sql: """
                    INSERT INTO adverse_event (course_id, session_id, kind, severity, date, details, held, recorded_by, created_at,
                      occurred_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [courseId, sessionId, kind.id, severity.rawValue, date.description, details, kind.hold,
                            audit.user, Timestamp.format(audit.at), Timestamp.formatPrecise(at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId, session: sessionId,
                summary: "adverse event \(id): \(kind.id), \(severity.rawValue), \(date)")
            if kind.hold, course.status == .active || course.status == .paused {
                try db.cachedStatement(sql: "UPDATE course SET held_since = ?, held_at = ?, hold_reason = ? WHERE id = ?")
                    .execute(arguments: [date.description, Timestamp.formatPrecise(at), "\(kind.name) (adverse event \(id))", courseId])
                try Self.writeAudit(db, audit, patient: course.patientId, course: courseId, summary: "course \(courseId) on hold: \(kind.id)")
            }
            return try Self.adverseEvents(db, courseId).first { $0.id == id }!
        }
    }

    public func adverseEvents(courseId: Int) throws -> [AdverseEventRecord] {
        try read { db in
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
                WHERE \(condition) ORDER BY occurred_at, id
                """),
            arguments
        ) { row in
            AdverseEventRecord(
                id: row["id"], courseId: row["course_id"], sessionId: row["session_id"], kind: row["kind"],
                severity: Severity(rawValue: row["severity"])!, date: CivilDate(row["date"] as String)!, details: row["details"],
                held: row["held"], recordedBy: row["recorded_by"])
        }
    }

    /// Lifts a hold, as `gate` allows on the course's facts (a motor threshold
    /// measured since the hold began); the reason goes into the audit trail.
    public func resumeHeldCourse(
        id: Int, reason: String, _ selection: FactSelection, audit: AuditContext, gate: (TreatmentFacts) throws -> Void
    ) throws -> CourseRecord {
        try write { db in
            let course = try Self.course(db, id)
            guard course.status == .onHold else {
                throw ClinicError.invalidValue("id", "course \(id) is \(course.status.rawValue), not on hold")
            }
            try gate(try Self.treatmentFacts(db, course, session: nil, selection))
            try db.cachedStatement(sql: "UPDATE course SET held_since = NULL, held_at = NULL, hold_reason = NULL WHERE id = ?")
                .execute(arguments: [id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) resumed from hold: \(reason)")
            return try Self.course(db, id)
        }
    }
}
