import Foundation
import GRDB
public import TMSCore

// Sessions: the day's list, starting, completing, ending short.
extension ClinicStore {
    public func session(id: Int) throws -> SessionRecord {
        try read { db in try Self.session(db, id) }
    }

    /// Every session booked on `date`, by time, with the patient's name.
    public func sessions(on date: CivilDate) throws -> [DaySessionRecord] {
        try read { db in
            let statement = try db.cachedStatement(sql: Self.sessionSelect + """
                , p.family_name, p.given_name, c.protocol_id
                FROM session s JOIN course c ON c.id = s.course_id JOIN patient p ON p.id = c.patient_id
                WHERE s.scheduled_date = ? ORDER BY s.scheduled_time, s.id
                """)
            return try Self.fetch(statement, [date.description]) { row in
                DaySessionRecord(
                    session: Self.sessionRecord(row), patientName: "\(row["family_name"] as String), \(row["given_name"] as String)",
                    protocolId: row["protocol_id"])
            }
        }
    }

    /// Starts a booked session, as `gate` allows on the course's facts;
    /// `today` (the clinic's date now) is its date of service. Returns the
    /// session and what the gate said the completion will need.
    public func startSession(
        id: Int, today: CivilDate, _ selection: FactSelection, audit: AuditContext, gate: (TreatmentFacts) throws -> Void
    ) throws -> SessionRecord {
        try write { db in
            let (session, course) = try Self.changeableSession(db, id)
            guard session.status == .scheduled else {
                throw ClinicError.invalidValue("id", "session \(id) is already in progress")
            }
            try gate(try Self.treatmentFacts(db, course, session: session, selection))
            try db.cachedStatement(sql: "UPDATE session SET status = 'in_progress', started_at = ?, service_date = ? WHERE id = ?")
                .execute(arguments: [Timestamp.formatPrecise(audit.at), today.description, id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: course.id, session: id, summary: "session \(id) started")
            return try Self.session(db, id)
        }
    }

    /// Records a delivered session: `gate` reads the course's facts and
    /// returns what was delivered (what the caller left out filled from the
    /// prescription) and the findings it went ahead with, or throws the
    /// refusal; the course completes with its last session. `today` (the
    /// clinic's date now) is its date of service unless it was started earlier.
    public func completeSession(
        id: Int, today: CivilDate, _ selection: FactSelection, audit: AuditContext,
        gate: (TreatmentFacts) throws -> (Delivery, [AcceptedFinding])
    ) throws -> (session: SessionRecord, progress: CourseProgress, findings: [FindingRecord]) {
        try write { db in
            var (session, course) = try Self.changeableSession(db, id)
            let (d, accepted) = try gate(try Self.treatmentFacts(db, course, session: session, selection))
            // To the millisecond: the order sessions were given in decides their billing codes.
            let now = Timestamp.formatPrecise(audit.at)
            let medications = try Self.activeMedications(db, patient: course.patientId, on: session.date)
                .map { "\($0.drug) \($0.dose.clinical) \($0.unit)" }.joined(separator: "; ")
            try db.cachedStatement(sql: """
                UPDATE session SET status = 'completed', started_at = coalesce(started_at, ?), finished_at = ?,
                  service_date = coalesce(service_date, ?), motor_threshold = ?, intensity_pct_mt = ?, frequency_hz = ?,
                  pulses_per_train = ?, train_duration_s = ?, inter_train_interval_s = ?, trains = ?, pulses_delivered = ?,
                  coil = ?, target = ?, notes = ?, medications = ?
                WHERE id = ?
                """).execute(arguments: [
                    now, now, today.description, d.motorThreshold, d.intensityPercentMT, d.frequencyHz, d.pulsesPerTrain,
                    d.trainDurationSeconds, d.interTrainIntervalSeconds, d.trains, d.pulsesDelivered, d.coil, d.target,
                    d.notes, medications, id,
                ])
            let findings = try Self.recordFindings(db, accepted, course: course.id, session: id, audit: audit)
            let counts = try Self.sessionCounts(db, course.id)
            let open = counts.open
            if open == 0 {
                try db.cachedStatement(sql: "UPDATE course SET status = 'completed' WHERE id = ?").execute(arguments: [course.id])
                course.status = .completed
            }
            let overridden = accepted.compactMap { f in f.reason.map { "; \(f.rule.rawValue) (\(f.message)) overridden: \($0)" } }.joined()
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
            session.serviceDate = session.serviceDate ?? today
            return (session, try Self.progress(db, course, counts: counts), findings)
        }
    }

    /// How a session ended without being delivered in full.
    public enum Shortfall: Sendable {
        case missed(reason: String?)
        case aborted(pulsesDelivered: Int, reason: String)
        /// Still scheduled when the clinic's day closed: missed, and a no-show on record.
        case noShow
    }

    /// Records a missed or aborted session and books its replacement on the
    /// next free clinic day, moving the rest of the course so each phase keeps
    /// its count and rhythm. `today` is the clinic's date now.
    public func endShort(
        id: Int, _ shortfall: Shortfall, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (session: SessionRecord, replacement: SessionRecord, progress: CourseProgress) {
        try write { db in
            let (session, course) = try Self.openSession(db, id)
            // To the millisecond: the order sessions were given in decides their billing codes.
            let now = Timestamp.formatPrecise(audit.at)
            switch shortfall {
            case .missed(let reason):
                try db.cachedStatement(sql: "UPDATE session SET status = 'missed', finished_at = ?, reason = ? WHERE id = ?")
                    .execute(arguments: [now, reason, id])
            case .noShow:
                try db.cachedStatement(sql: "UPDATE session SET status = 'missed', finished_at = ?, reason = 'no-show' WHERE id = ?")
                    .execute(arguments: [now, id])
                try db.cachedStatement(sql: "INSERT INTO no_show (session_id, course_id, date, recorded_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id, course.id, session.date.description, now])
            case .aborted(let pulses, let reason):
                guard pulses >= 0 else { throw ClinicError.invalidValue("pulsesDelivered", "cannot be negative") }
                try DeliveryRules.checkPulses(pulses, prescribed: course.dose.pulsesPerSession)
                try db.cachedStatement(sql: """
                        UPDATE session SET status = 'aborted', started_at = coalesce(started_at, ?), finished_at = ?,
                          service_date = coalesce(service_date, ?), pulses_delivered = ?, reason = ? WHERE id = ?
                        """).execute(arguments: [now, now, today.description, pulses, reason, id])
            }

            // Sessions after the missed day move; those on or before it stay.
            let all = try Self.sessions(db, where: "s.course_id = ?", [course.id])
            let movable = all.filter { $0.status == .scheduled && $0.date > session.date }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && !movable.contains($0) }
            let from = max(session.date.adding(days: 1), today)
            let result = try Self.rebook(
                db, course, movable: movable, replacing: session.phase, from: from, staying: staying,
                clinic: clinic)
            guard let slot = result.replacementSlot else {
                throw ClinicError.invalidValue("id", "session \(id)'s replacement could not be booked")
            }
            try db.cachedStatement(sql: """
                    INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status, replaces,
                      chair, start_minute, slot_minutes)
                    VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?)
                    """).execute(arguments: [
                    course.id, session.number, slot.phase, slot.date.description, slot.time.description,
                    Timestamp.format(slot.instant), id, slot.chair, slot.time.minutes, slot.minutes,
                ])
            let replacementId = Int(db.lastInsertedRowID)
            try Self.renumber(db, course: course.id)
            let verb = switch shortfall {
            case .missed: "missed"
            case .noShow: "missed (a no-show at the day's close)"
            case .aborted: "aborted"
            }
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id,
                summary: "session \(id) \(verb); replacement \(replacementId) booked on \(slot.date), \(result.moved.count) sessions moved")
            return (try Self.session(db, id), try Self.session(db, replacementId), try Self.progress(db, course))
        }
    }

    /// The days before `today`, and `today` itself when `includingToday`,
    /// with a session of an active course still scheduled: days the clinic
    /// closed (or will) with sessions nobody came to.
    public func daysLeftOpen(through today: CivilDate, includingToday: Bool) throws -> [CivilDate] {
        try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT DISTINCT s.scheduled_date FROM session s JOIN course c ON c.id = s.course_id
                    WHERE s.status = 'scheduled' AND c.status = 'active' AND (s.scheduled_date < ? OR (? AND s.scheduled_date = ?))
                    ORDER BY s.scheduled_date
                    """),
                [today.description, includingToday, today.description]
            ) { row in CivilDate(row["scheduled_date"] as String)! }
        }
    }

    /// Closes `date`: every session of an active course still scheduled on
    /// it becomes a no-show (`Shortfall.noShow`), its replacement booked as a
    /// missed session's is. Each in its own write, so one that cannot be
    /// re-booked (no room within a year) leaves the others closed.
    public func closeDay(
        _ date: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (closed: [(session: SessionRecord, replacement: SessionRecord)], failed: [(session: Int, error: any Error)]) {
        let open = try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT s.id FROM session s JOIN course c ON c.id = s.course_id
                    WHERE s.scheduled_date = ? AND s.status = 'scheduled' AND c.status = 'active' ORDER BY s.start_minute, s.id
                    """),
                [date.description]
            ) { row in row["id"] as Int }
        }
        var closed: [(session: SessionRecord, replacement: SessionRecord)] = []
        var failed: [(session: Int, error: any Error)] = []
        for id in open {
            do {
                let result = try endShort(id: id, .noShow, clinic: clinic, today: today, audit: audit)
                closed.append((result.session, result.replacement))
            } catch {
                failed.append((id, error))
            }
        }
        return (closed, failed)
    }

    /// Sessions booked on `date`, and how many of them are done: the daemon's STATUS line.
    public func dayCounts(on date: CivilDate) throws -> (booked: Int, done: Int) {
        try read { db in
            try Self.fetchOne(
                try db.cachedStatement(sql: """
                    SELECT count(*) FILTER (WHERE status NOT IN ('missed', 'aborted')) AS booked,
                      count(*) FILTER (WHERE status = 'completed') AS done
                    FROM session WHERE scheduled_date = ?
                    """),
                [date.description]
            ) { row in (row["booked"], row["done"]) }!
        }
    }
}
