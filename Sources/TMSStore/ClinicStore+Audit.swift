import Foundation
import GRDB
import TMSCore

// The audit trail: every change and every refusal.
extension ClinicStore {
    /// Records a refused call in the audit trail, with the name of the error
    /// it was answered with (nothing else changes).
    public func auditRefusal(_ audit: AuditContext, error: String, summary: String) throws {
        try pool.write { db in try Self.writeAudit(db, audit, error: error, summary: summary) }
    }

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
                    courseId: row["course_id"], sessionId: row["session_id"], summary: row["summary"], error: row["error"])
            }
        }
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
}
