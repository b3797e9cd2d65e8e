import Foundation
import GRDB
public import TMSCore

// Courses: prescribing, pausing, resuming, new preferred times, ending.
extension ClinicStore {
    /// Prescribes a course and books its whole calendar into the clinic's
    /// chairs, inside the same transaction, so no other booking can take a
    /// slot between planning and writing; `accepted` are the findings the
    /// treatment gate let the prescription go ahead with, kept on the course.
    public func createCourse(
        _ new: NewCourse, clinic: BookingPolicy, timeZone: String, accepted: [AcceptedFinding] = [], audit: AuditContext
    ) throws -> CourseRecord {
        try write { db in
            guard try Self.patient(db, new.patientId).active else { throw ClinicError.patientInactive(new.patientId) }
            let treatment = new.treatment
            let slotMinutes = clinic.resources.slotMinutes(for: treatment)
            let plan: [PlannedSession]
            do {
                plan = try ScheduleGenerator(calendar: clinic.calendar, treatment: treatment).plan(
                    PhaseDemand.course(treatment), from: new.startDate, at: new.sessionTime,
                    booker: Self.booker(db, clinic, patient: new.patientId, course: nil, coil: treatment.coil, minutes: slotMinutes,
                                        interval: treatment.minimumIntervalMinutes, preferred: new.sessionTime))
            } catch let failure as ScheduleGenerator.Failure {
                throw Self.noRoom(failure, coil: treatment.coil)
            }
            let t = new.target
            let d = new.dose
            try db.cachedStatement(sql: """
                    INSERT INTO course (patient_id, protocol_id, protocol_name, status, start_date, session_time, time_zone,
                      prescriber, target_method, target_label, target_x, target_y, target_z, coordinate_system,
                      frequency_hz, intensity_pct_mt, pulses_per_train, train_duration_s, inter_train_interval_s, trains,
                      pulses_per_session, sessions_per_day, interval_minutes, total_sessions, phases, created_at, coil, slot_minutes)
                    VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [
                    new.patientId, new.treatment.id, new.treatment.name, new.startDate.description,
                    new.sessionTime.description, timeZone, new.prescriber, t.method.rawValue, t.label, t.x, t.y, t.z,
                    t.coordinateSystem, d.frequencyHz, d.intensityPercentMT, d.pulsesPerTrain, d.trainDurationSeconds,
                    d.interTrainIntervalSeconds, d.trains, d.pulsesPerSession, new.treatment.sessionsPerDay,
                    new.treatment.minimumIntervalMinutes, plan.count,
                    new.treatment.phases.map(\.encoded).joined(separator: ";"), Timestamp.format(audit.at),
                    treatment.coil, slotMinutes,
                ])
            let courseId = Int(db.lastInsertedRowID)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status,
                  chair, start_minute, slot_minutes)
                VALUES (?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?)
                """)
            for (index, slot) in plan.enumerated() {
                try insert.execute(arguments: [
                    courseId, index + 1, slot.phase, slot.date.description, slot.time.description, Timestamp.format(slot.instant),
                    slot.chair, slot.time.minutes, slot.minutes,
                ])
            }
            _ = try Self.recordFindings(db, accepted, course: courseId, session: nil, audit: audit)
            try Self.writeAudit(
                db, audit, patient: new.patientId, course: courseId,
                summary: "course \(courseId) prescribed: \(new.treatment.id), \(plan.count) sessions from \(new.startDate)"
                    + accepted.compactMap { f in f.reason.map { "; \(f.rule.rawValue) (\(f.message)) overridden: \($0)" } }.joined())
            return try Self.course(db, courseId)
        }
    }

    public func course(id: Int) throws -> CourseRecord {
        try read { db in try Self.course(db, id) }
    }

    public func courses(patientId: Int? = nil, status: CourseStatus? = nil) throws -> [CourseRecord] {
        try read { db in
            var sql = "SELECT * FROM course WHERE 1"
            var arguments = StatementArguments()
            if let patientId {
                sql += " AND patient_id = ?"
                arguments += [patientId]
            }
            switch status {
            case .onHold?: sql += " AND status = 'active' AND held_since IS NOT NULL"
            case .paused?: sql += " AND status = 'active' AND paused_from IS NOT NULL AND held_since IS NULL"
            case .active?: sql += " AND status = 'active' AND paused_from IS NULL AND held_since IS NULL"
            case let other?:
                sql += " AND status = ?"
                arguments += [other.rawValue]
            case nil: break
            }
            return try Self.fetch(try db.cachedStatement(sql: sql + " ORDER BY id"), arguments, Self.courseRecord)
        }
    }

    /// A course's sessions, in calendar order, where it stands, and the findings its treatment went ahead with.
    public func courseDetail(
        id: Int
    ) throws -> (course: CourseRecord, progress: CourseProgress, sessions: [SessionRecord], findings: [FindingRecord]) {
        try read { db in
            let course = try Self.course(db, id)
            return (course, try Self.progress(db, course), try Self.sessions(db, where: "s.course_id = ?", [id]),
                    try Self.findings(db, where: "course_id = ?", [id]))
        }
    }

    public func progress(courseId: Int) throws -> CourseProgress {
        try read { db in try Self.progress(db, try Self.course(db, courseId)) }
    }

    public func cancelCourse(id: Int, reason: String, audit: AuditContext) throws -> CourseRecord {
        try write { db in
            let course = try Self.course(db, id)
            guard course.status == .active || course.status == .paused || course.status == .onHold else {
                throw ClinicError.courseNotActive(id, status: course.status.rawValue)
            }
            try db.cachedStatement(sql: "UPDATE course SET status = 'cancelled', status_reason = ?, paused_from = NULL, held_since = NULL WHERE id = ?")
                .execute(arguments: [reason, id])
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) cancelled")
            return try Self.course(db, id)
        }
    }

    /// Pauses a course from `from`: its open sessions from that day are
    /// released (they were plans, nothing happened); `resumeCourse` books
    /// what remains.
    public func pauseCourse(id: Int, from: CivilDate, today: CivilDate, audit: AuditContext) throws -> CourseRecord {
        try write { db in
            let course = try Self.course(db, id)
            guard course.status == .active else { throw ClinicError.courseNotActive(id, status: course.status.rawValue) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            let released = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM session WHERE course_id = ? AND status = 'scheduled' AND scheduled_date >= ?",
                arguments: [id, from.description]) ?? 0
            try db.cachedStatement(sql: "DELETE FROM session WHERE course_id = ? AND status = 'scheduled' AND scheduled_date >= ?")
                .execute(arguments: [id, from.description])
            try db.cachedStatement(sql: "UPDATE course SET paused_from = ? WHERE id = ?")
                .execute(arguments: [from.description, id])
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: id, summary: "course \(id) paused from \(from); \(released) sessions released")
            return try Self.course(db, id)
        }
    }

    /// Resumes a paused course on `on`: what each phase still owes is booked
    /// from that day, so the rest of the calendar shifts by the pause.
    public func resumeCourse(id: Int, on: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext) throws -> CourseRecord {
        try write { db in
            let course = try Self.course(db, id)
            guard course.status == .paused else {
                throw ClinicError.invalidValue("id", "course \(id) is \(course.status.rawValue), not paused")
            }
            if on < today { throw ClinicError.dateInPast(on, today: today) }
            let counting = try Self.sessions(db, where: "s.course_id = ? AND s.status NOT IN ('missed', 'aborted')", [id])
            var demands: [PhaseDemand] = []
            for phase in course.phases {
                let owed = phase.days * course.sessionsPerDay - counting.count { $0.phase == phase.name }
                guard owed > 0 else { continue }
                switch phase {
                case .daily(let name, _): demands.append(PhaseDemand(name: name, rhythm: .daily, sessions: owed))
                case .weekly(let name, let perWeek, _):
                    demands.append(PhaseDemand(name: name, rhythm: .weekly(perWeek: perWeek), sessions: owed))
                }
            }
            var calendar = clinic.calendar
            calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
            calendar.holidays.formUnion(counting.map(\.date))
            let plan: [PlannedSession]
            do {
                plan = try ScheduleGenerator(calendar: calendar, sessionsPerDay: course.sessionsPerDay, intervalMinutes: course.intervalMinutes)
                    .plan(demands, from: on, at: course.sessionTime, booker: Self.booker(
                        db, clinic, patient: course.patientId, course: course.id, coil: course.coil, minutes: course.slotMinutes,
                        interval: course.intervalMinutes, preferred: course.sessionTime),
                        treated: Dictionary(grouping: counting, by: \.phase).mapValues { $0.map(\.date) })
            } catch let failure as ScheduleGenerator.Failure {
                throw Self.noRoom(failure, coil: course.coil)
            }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status,
                  chair, start_minute, slot_minutes)
                VALUES (?, 0, ?, ?, ?, ?, 'scheduled', ?, ?, ?)
                """)
            for slot in plan {
                try insert.execute(arguments: [
                    id, slot.phase, slot.date.description, slot.time.description, Timestamp.format(slot.instant), slot.chair,
                    slot.time.minutes, slot.minutes,
                ])
            }
            try db.cachedStatement(sql: "UPDATE course SET paused_from = NULL WHERE id = ?").execute(arguments: [id])
            try Self.renumber(db, course: id)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: id, summary: "course \(id) resumed on \(on); \(plan.count) sessions booked")
            return try Self.course(db, id)
        }
    }

    /// The patient's preferred time changes from `from` on: the course's open
    /// sessions from that day are booked again around the new time.
    public func changePreferredTime(
        id: Int, to time: LocalTime, from: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (CourseRecord, [Move]) {
        try write { db in
            let course = try Self.course(db, id)
            guard course.status == .active else { throw ClinicError.courseNotActive(id, status: course.status.rawValue) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            try db.cachedStatement(sql: "UPDATE course SET session_time = ? WHERE id = ?")
                .execute(arguments: [time.description, id])
            let affected = try Self.sessions(
                db, where: "s.course_id = ? AND s.status = 'scheduled' AND s.scheduled_date >= ?", [id, from.description])
            let moves = try Self.moveOff(db, affected, clinic: clinic, today: today)
            try Self.writeAudit(db, audit, patient: course.patientId, course: id, summary: "course \(id) preferred time \(time) from \(from)")
            try Self.auditMoves(db, moves, audit, because: "to the new preferred time")
            return (try Self.course(db, id), moves)
        }
    }
}
