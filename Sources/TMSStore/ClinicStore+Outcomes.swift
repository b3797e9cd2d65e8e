import Foundation
import GRDB
public import TMSCore

// Outcome scores and the alerts they raise.
extension ClinicStore {
    /// Records a score (checked by `scale`), and in the same transaction the
    /// alert it raises, if any.
    public func recordOutcome(
        courseId: Int, scale: OutcomeScale, timepoint: Timepoint, date: CivilDate, total: Int?, items: [Int]?, audit: AuditContext
    ) throws -> (OutcomeRecord, AlertRecord?) {
        try write { db in
            let patient = try Self.coursePatient(db, courseId)
            let sum = try scale.score(items: items, total: total)
            if timepoint == .baseline, try Int.fetchOne(
                db, sql: "SELECT count(*) FROM outcome WHERE course_id = ? AND scale = ? AND timepoint = 'baseline'",
                arguments: [courseId, scale.id]) ?? 0 > 0 {
                throw ClinicError.invalidValue("timepoint", "course \(courseId) already has its \(scale.name) baseline")
            }
            try db.cachedStatement(sql: """
                    INSERT INTO outcome (course_id, scale, timepoint, date, total, items, recorded_by, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [courseId, scale.id, timepoint.rawValue, date.description, sum,
                            items.map { $0.map(String.init).joined(separator: ",") }, audit.user, Timestamp.format(audit.at)])
            let outcomeId = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: patient, course: courseId,
                summary: "outcome \(outcomeId): \(scale.name) \(timepoint.rawValue) \(date) total \(sum)")
            var alert: AlertRecord?
            if let value = scale.alert(items: items), let item = scale.alertItem {
                try db.cachedStatement(sql: "INSERT INTO alert (course_id, outcome_id, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [courseId, outcomeId, "\(scale.id)-item-\(item)",
                                "\(scale.name) item \(item) scored \(value) on \(date)", Timestamp.format(audit.at)])
                let alertId = Int(db.lastInsertedRowID)
                try Self.writeAudit(db, audit, patient: patient, course: courseId, summary: "alert \(alertId) raised")
                alert = try Self.alerts(db, where: "a.id = ?", [alertId]).first
            }
            return (try Self.outcome(db, id: outcomeId)!, alert)
        }
    }

    public func outcomes(courseId: Int) throws -> [OutcomeRecord] {
        try read { db in
            _ = try Self.course(db, courseId)
            return try Self.outcomes(db, courseId)
        }
    }

    /// Open alerts (or all of them), newest first.
    public func alerts(includeAcknowledged: Bool = false) throws -> [AlertRecord] {
        try read { db in
            try Self.alerts(db, where: includeAcknowledged ? "1" : "a.acknowledged_at IS NULL", [])
        }
    }

    public func acknowledgeAlert(id: Int, note: String, audit: AuditContext) throws -> AlertRecord {
        try write { db in
            guard let alert = try Self.alerts(db, where: "a.id = ?", [id]).first else { throw ClinicError.alertNotFound(id) }
            if let by = alert.acknowledgedBy { throw ClinicError.alertAlreadyAcknowledged(id, by: by) }
            try db.cachedStatement(sql: "UPDATE alert SET acknowledged_at = ?, acknowledged_by = ?, note = ? WHERE id = ?")
                .execute(arguments: [Timestamp.format(audit.at), audit.user, note, id])
            try Self.writeAudit(db, audit, patient: alert.patientId, course: alert.courseId, summary: "alert \(id) acknowledged")
            return try Self.alerts(db, where: "a.id = ?", [id]).first!
        }
    }

    static func outcomes(_ db: Database, _ courseId: Int) throws -> [OutcomeRecord] {
        try outcomes(db, where: "course_id = ? ORDER BY scale, date, id", [courseId])
    }

    /// One outcome, by its id: what recording it returns, read alone, so the
    /// call costs the same however many scores the course holds.
    static func outcome(_ db: Database, id: Int) throws -> OutcomeRecord? {
        try outcomes(db, where: "id = ?", [id]).first
    }

    private static func outcomes(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [OutcomeRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT id, course_id, scale, timepoint, date, total, items, recorded_by FROM outcome WHERE \(condition)
                """),
            arguments
        ) { row in
            OutcomeRecord(
                id: row["id"], courseId: row["course_id"], scale: row["scale"], timepoint: Timepoint(rawValue: row["timepoint"])!,
                date: CivilDate(row["date"] as String)!, total: row["total"],
                items: (row["items"] as String?).map { $0.split(separator: ",").compactMap { Int($0) } }, recordedBy: row["recorded_by"])
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
                id: row["id"], courseId: row["course_id"], patientId: row["patient_id"], kind: row["kind"], detail: row["detail"],
                createdAt: Timestamp.parse(row["created_at"])!, acknowledgedAt: (row["acknowledged_at"] as String?).flatMap(Timestamp.parse),
                acknowledgedBy: row["acknowledged_by"], note: row["note"])
        }
    }
}
