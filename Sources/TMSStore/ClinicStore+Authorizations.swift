import Foundation
import GRDB
public import TMSCore

// MARK: - Payer authorizations

extension ClinicStore {
    /// The most sessions one authorization or extension may grant: far above
    /// any TMS course, low enough to catch a typing slip.
    public static let maximumAuthorizedSessions = 200

    /// Records a payer's authorization for a course.
    public func addAuthorization(
        courseId: Int, payer: String, reference: String, sessions: Int, from: CivilDate, to: CivilDate, audit: AuditContext
    ) throws -> Authorization {
        try Self.checkSessions(sessions, minimum: 1)
        guard to >= from else { throw ClinicError.invalidValue("to", "\(to) is before the start \(from)") }
        return try write { db in
            let course = try Self.course(db, courseId)
            try db.cachedStatement(sql: """
                INSERT INTO payer_authorization (course_id, payer, reference, sessions, from_date, to_date, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    courseId, payer, reference, sessions, from.description, to.description, audit.user, Timestamp.format(audit.at),
                ])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "authorization \(id): \(payer), \(sessions) sessions \(from) to \(to)")
            return try Self.authorizations(db, courseId).first { $0.id == id }!
        }
    }

    /// Adds sessions to an authorization, moves its end date, or both.
    public func extendAuthorization(
        id: Int, sessions: Int, to: CivilDate?, reason: String, audit: AuditContext
    ) throws -> Authorization {
        try Self.checkSessions(sessions, minimum: 0)
        guard sessions > 0 || to != nil else {
            throw ClinicError.invalidValue("sessions", "an extension adds sessions, a later end date, or both")
        }
        return try write { db in
            guard let courseId = try Int.fetchOne(
                db, sql: "SELECT course_id FROM payer_authorization WHERE id = ?", arguments: [id])
            else { throw ClinicError.authorizationNotFound(id) }
            let current = try Self.authorizations(db, courseId).first { $0.id == id }!
            if let to, to < current.to {
                throw ClinicError.invalidValue("to", "\(to) is before the current end \(current.to); an extension cannot shorten it")
            }
            try db.cachedStatement(sql: """
                INSERT INTO authorization_extension (authorization_id, sessions, to_date, reason, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, sessions, to?.description, reason, audit.user, Timestamp.format(audit.at)])
            let course = try Self.course(db, courseId)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: courseId,
                summary: "authorization \(id) extended: +\(sessions) sessions" + (to.map { ", to \($0)" } ?? "") + ": \(reason)")
            return try Self.authorizations(db, courseId).first { $0.id == id }!
        }
    }

    /// What the authorization check needs, read together: the course's
    /// authorizations and every one of its sessions.
    public func authorizationStanding(courseId: Int) throws -> ([Authorization], [AuthorizationUse.Booking]) {
        try read { db in
            _ = try Self.course(db, courseId)
            return (try Self.authorizations(db, courseId), try Self.bookings(db, courseId))
        }
    }

    private static func checkSessions(_ sessions: Int, minimum: Int) throws {
        guard sessions >= minimum, sessions <= maximumAuthorizedSessions else {
            throw ClinicError.invalidValue("sessions", "must be \(minimum) to \(maximumAuthorizedSessions)")
        }
    }

    static func bookings(_ db: Database, _ courseId: Int) throws -> [AuthorizationUse.Booking] {
        try bookings(db, where: "s.course_id = ?", [courseId])[courseId] ?? []
    }

    /// The sessions of the courses matching `condition` (on `s` and `c`), by course, in time order.
    static func bookings(
        _ db: Database, where condition: String, _ arguments: StatementArguments
    ) throws -> [Int: [AuthorizationUse.Booking]] {
        var out: [Int: [AuthorizationUse.Booking]] = [:]
        let rows = try fetch(
            db.cachedStatement(sql: """
                SELECT s.course_id, s.number, s.scheduled_date, s.status FROM session s JOIN course c ON c.id = s.course_id
                WHERE \(condition) ORDER BY s.course_id, s.scheduled_at, s.id
                """),
            arguments
        ) { row in
            (course: row["course_id"] as Int, booking: AuthorizationUse.Booking(
                number: row["number"], date: CivilDate(row["scheduled_date"] as String)!, status: SessionStatus(rawValue: row["status"])!))
        }
        for (course, booking) in rows { out[course, default: []].append(booking) }
        return out
    }

    static func authorizations(_ db: Database, _ courseId: Int) throws -> [Authorization] {
        try authorizations(db, where: "a.course_id = ?", [courseId])
    }

    /// Authorizations matching `condition` (on `a`, the authorization), with their extensions.
    static func authorizations(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [Authorization] {
        var found = try fetch(
            try db.cachedStatement(sql: """
                SELECT a.id, a.course_id, a.payer, a.reference, a.sessions, a.from_date, a.to_date, a.recorded_by
                FROM payer_authorization a WHERE \(condition) ORDER BY a.id
                """),
            arguments
        ) { row in
            Authorization(
                id: row["id"], courseId: row["course_id"], payer: row["payer"], reference: row["reference"], sessions: row["sessions"],
                from: CivilDate(row["from_date"] as String)!, to: CivilDate(row["to_date"] as String)!, recordedBy: row["recorded_by"],
                extensions: [])
        }
        guard !found.isEmpty else { return [] }
        let extensions = try fetch(
            try db.cachedStatement(sql: """
                SELECT e.authorization_id, e.sessions, e.to_date, e.reason, e.recorded_by, e.created_at
                FROM authorization_extension e JOIN payer_authorization a ON a.id = e.authorization_id
                WHERE \(condition) ORDER BY e.id
                """),
            arguments
        ) { row -> (Int, Authorization.Extension) in
            (row["authorization_id"], Authorization.Extension(
                sessions: row["sessions"], to: (row["to_date"] as String?).flatMap { CivilDate($0) }, reason: row["reason"],
                recordedBy: row["recorded_by"], at: Timestamp.parse(row["created_at"]) ?? Date(timeIntervalSince1970: 0)))
        }
        let index = Dictionary(uniqueKeysWithValues: found.indices.map { (found[$0].id, $0) })
        for (authorizationId, e) in extensions {
            guard let i = index[authorizationId] else { continue }
            found[i].extensions.append(e)
            found[i].sessions += e.sessions
            if let to = e.to, to > found[i].to { found[i].to = to }
        }
        return found
    }
}
