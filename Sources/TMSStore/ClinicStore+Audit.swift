import Foundation
import GRDB
import TMSCore

// The audit trail: every change and every refusal.
extension ClinicStore {
    /// Records a refused call in the audit trail, with the name of the error
    /// it was answered with (nothing else changes).
    public func auditRefusal(_ audit: AuditContext, error: String, summary: String) throws {
        try write { db in try Self.writeAudit(db, audit, error: error, summary: summary) }
    }

    /// Records an act that changes no record (a backup taken): an entry of its own.
    public func auditAct(_ audit: AuditContext, summary: String) throws {
        try write { db in try Self.writeAudit(db, audit, summary: summary) }
    }

    public func audit(courseId: Int? = nil, limit: Int = 100) throws -> [AuditRecord] {
        try read { db in
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

    /// Appends the change log's next entry: who, what, the records this
    /// transaction changed since the last entry, chained to the entry before.
    static func writeAudit(
        _ db: Database, _ a: AuditContext, patient: Int? = nil, course: Int? = nil, session: Int? = nil, error: String? = nil,
        summary: String
    ) throws {
        // A summary may quote what a client sent: stored (and hashed) with its controls escaped.
        let summary = UntrustedText.escapingControls(summary)
        let changes = try takeChanges(db)
        let head = try chainHead(db)
        let seq = (head?.sequence ?? 0) + 1, prev = head?.hash ?? ""
        let at = Timestamp.format(a.at)
        let hash = entryHash(
            seq: seq, at: at, uid: a.uid, user: a.user, pid: a.pid, method: a.method, patient: patient, course: course,
            session: session, summary: summary, error: error, changes: changes, prev: prev)
        try db.cachedStatement(sql: """
            INSERT INTO audit (seq, at, uid, user, pid, method, patient_id, course_id, session_id, summary, error, changes, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                seq, at, a.uid, a.user, a.pid, a.method, patient, course, session, summary, error, changes, prev, hash,
            ])
    }
}
