import GRDB
import TMSCore

/// A change-log entry as it leaves the site: every field its hash covers.
public struct ChangeLogEntry: Sendable, Hashable {
    public var sequence: Int
    public var at: String
    public var uid: Int
    public var user: String
    public var pid: Int
    public var method: String
    public var patient: Int?
    public var course: Int?
    public var session: Int?
    public var summary: String
    public var error: String?
    /// The records the entry changed, as the change log's canonical JSON.
    public var changes: String?
    public var previousHash: String
    public var hash: String

    /// Whether its contents give its hash and it follows `previous` (nil: it is the first).
    public func follows(_ previous: ChainHead?) -> Bool {
        sequence == (previous?.sequence ?? 0) + 1 && previousHash == (previous?.hash ?? "")
            && ClinicStore.entryHash(
                seq: sequence, at: at, uid: uid, user: user, pid: pid, method: method, patient: patient, course: course,
                session: session, summary: summary, error: error, changes: changes, prev: previousHash) == hash
    }

    public var head: ChainHead { ChainHead(sequence: sequence, hash: hash) }
}

// The change log as a network ships it.
extension ClinicStore {
    /// Up to `limit` entries after `sequence`, in order: a read, never the writer's.
    public func changeLogEntries(after sequence: Int, limit: Int) throws -> [ChangeLogEntry] {
        try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT seq, at, uid, user, pid, method, patient_id, course_id, session_id, summary, error, changes, prev_hash, hash
                    FROM audit WHERE seq > ? ORDER BY seq LIMIT ?
                    """),
                [sequence, limit]
            ) { row in
                ChangeLogEntry(
                    sequence: row["seq"], at: row["at"], uid: row["uid"], user: row["user"], pid: row["pid"], method: row["method"],
                    patient: row["patient_id"], course: row["course_id"], session: row["session_id"], summary: row["summary"],
                    error: row["error"], changes: row["changes"], previousHash: row["prev_hash"], hash: row["hash"])
            }
        }
    }
}
