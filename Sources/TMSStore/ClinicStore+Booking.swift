import Foundation
import GRDB
public import TMSCore

// Booking: moving sessions, chairs out of service, and the rebooking every move goes through.
extension ClinicStore {
    /// Moves one booked session to `date` (and `time`, and `chair`, when
    /// given), keeping every rule of the chairs; see RescheduleSession in the IDL.
    public func reschedule(
        id: Int, to date: CivilDate, time: LocalTime?, chair: String?, clinic: BookingPolicy, today: CivilDate,
        audit: AuditContext
    ) throws -> SessionRecord {
        try write { db in
            let (session, course) = try Self.openSession(db, id)
            guard session.status == .scheduled else { throw ClinicError.invalidValue("id", "session \(id) is in progress") }
            if date < today { throw ClinicError.dateInPast(date, today: today) }
            let open = clinic.resources.openingHours(on: date)
            guard clinic.calendar.isClinicDay(date), !open.isEmpty else { throw ClinicError.closedDay(date) }
            var resources = clinic.resources
            if let chair {
                guard let found = resources.chair(named: chair) else { throw ClinicError.chairNotFound(chair) }
                guard found.coils.contains(course.coil) else { throw ClinicError.chairUnsuitable(chair, coil: course.coil) }
                resources.chairs = [found]
            }
            let sameDay = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM session WHERE course_id = ? AND scheduled_date = ? AND id != ? AND status != 'missed' AND status != 'aborted'",
                arguments: [course.id, date.description, id]) ?? 0
            if sameDay >= course.sessionsPerDay {
                throw ClinicError.invalidValue("date", "course \(course.id) already has its session\(course.sessionsPerDay == 1 ? "" : "s") on \(date)")
            }
            // Off its chair while we look, so it never stands in its own way.
            try db.cachedStatement(sql: "UPDATE session SET chair = NULL WHERE id = ?").execute(arguments: [id])
            let occupancy = try Self.occupancy(db, date)
            let patientBusy = try Self.patientBusy(db, course, on: date, minutes: course.slotMinutes)
            let slot: Slot
            if let time {
                let range = TimeRange(start: time.minutes, end: time.minutes + course.slotMinutes)
                guard open.contains(where: { $0.contains(range) }) else { throw ClinicError.outsideOpeningHours(date, range) }
                if let other = patientBusy.first(where: { $0.blocks.overlaps(range) }) {
                    switch other.hold {
                    case .session(let session): throw ClinicError.patientBooked(session, date: date, range: other.booked)
                    case .consultation(let consultation):
                        throw ClinicError.consultationClash(with: consultation, what: "The patient", date: date, range: other.booked)
                    }
                }
                let chairs = resources.chairs(carrying: course.coil).map(\.name)
                guard !chairs.isEmpty else { throw ClinicError.noFreeSlot(date, coil: course.coil) }
                guard let free = chairs.first(where: { occupancy.isFree($0, range) }) else {
                    // Name the booking in the way; when only outages are, there is none to name.
                    let marks = Array(repeating: "?", count: chairs.count).joined(separator: ",")
                    guard let blocking = try Self.fetchOne(
                        db.makeStatement(sql: """
                            SELECT id, chair, start_minute, slot_minutes FROM session
                            WHERE scheduled_date = ? AND chair IN (\(marks)) AND status IN ('scheduled', 'in_progress', 'completed')
                              AND start_minute < ? AND ? < start_minute + slot_minutes
                            ORDER BY start_minute LIMIT 1
                            """),
                        StatementArguments([date.description] as [any DatabaseValueConvertible]
                            + chairs.map { $0 as any DatabaseValueConvertible } + [range.end, range.start]),
                        { row in (id: row["id"] as Int, chair: row["chair"] as String, range: Self.range(row)) })
                    else { throw ClinicError.noFreeSlot(date, coil: course.coil) }
                    throw ClinicError.slotTaken(by: blocking.id, chair: blocking.chair, date: date, range: blocking.range)
                }
                slot = Slot(chair: free, start: time.minutes, minutes: course.slotMinutes)
            } else {
                let finder = SlotFinder(resources: resources, coil: course.coil, minutes: course.slotMinutes, interval: 0)
                guard let found = finder.find(
                    count: 1, on: date, preferred: course.sessionTime.minutes, occupancy: occupancy, patientBusy: patientBusy.map(\.blocks)
                )?.first else {
                    throw ClinicError.noFreeSlot(date, coil: course.coil)
                }
                slot = found
            }
            var calendar = clinic.calendar
            calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
            let start = LocalTime(minutes: slot.start)!
            try db.cachedStatement(sql: """
                    UPDATE session SET scheduled_date = ?, scheduled_time = ?, scheduled_at = ?, chair = ?, start_minute = ?,
                      slot_minutes = ?
                    WHERE id = ?
                    """).execute(arguments: [
                    date.description, start.description, Timestamp.format(calendar.instant(on: date, at: start)), slot.chair,
                    slot.start, slot.minutes, id,
                ])
            try Self.renumber(db, course: course.id)
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id,
                summary: "session \(id) moved from \(session.date) \(session.time) to \(date) \(start) on \(slot.chair)")
            return try Self.session(db, id)
        }
    }

    /// After the clinic's days, hours or chairs changed: every open booking from
    /// `today` on that no longer fits (a closed day, outside hours, a chair
    /// gone or without the coil) moves, course by course. Returns the moves.
    public func applyClinicChange(clinic: BookingPolicy, today: CivilDate, audit: AuditContext) throws -> [Move] {
        try write { db in
            // A light scan of every open booking from today; full records only for those that move.
            let coils = Dictionary(uniqueKeysWithValues: try Self.fetch(db.cachedStatement(sql: "SELECT id, coil FROM course"), []) {
                row in (row["id"] as Int, (row["coil"] as String?) ?? "")
            })
            let open = try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT id, course_id, scheduled_date, start_minute, slot_minutes, chair FROM session
                    WHERE status = 'scheduled' AND scheduled_date >= ? AND chair IS NOT NULL
                    """),
                [today.description]
            ) { row in
                (id: row["id"] as Int, course: row["course_id"] as Int, date: row["scheduled_date"] as String, range: Self.range(row),
                 chair: row["chair"] as String)
            }
            var affectedIds: [Int] = []
            var days: [String: (clinic: Bool, hours: [TimeRange])] = [:]
            for booking in open {
                if days[booking.date] == nil, let date = CivilDate(booking.date) {
                    days[booking.date] = (clinic.calendar.isClinicDay(date), clinic.resources.openingHours(on: date))
                }
                guard let day = days[booking.date] else { continue }
                let fits = day.clinic && day.hours.contains { $0.contains(booking.range) }
                    && (clinic.resources.chair(named: booking.chair)?.coils.contains(coils[booking.course] ?? "") ?? false)
                if !fits { affectedIds.append(booking.id) }
            }
            let affected = try affectedIds.map { try Self.session(db, $0) }
            let moves = try Self.moveOff(db, affected, clinic: clinic, today: today)
            try Self.auditMoves(db, moves, audit, because: "after the clinic's calendar changed")
            return moves
        }
    }

    /// An appointment cancelled ahead of time (by the patient or the clinic):
    /// the session itself moves to the next clinic day with a free slot, and
    /// the course's later open sessions move behind it.
    public func postponeSession(
        id: Int, reason: String, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> (session: SessionRecord, moves: [Move]) {
        try write { db in
            let (session, course) = try Self.openSession(db, id)
            guard session.status == .scheduled else { throw ClinicError.invalidValue("id", "session \(id) is in progress") }
            let all = try Self.sessions(db, where: "s.course_id = ?", [course.id])
            let movable = all.filter { $0.status == .scheduled && $0.date >= session.date }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && $0.date < session.date }
            // Not that day again: the appointment was cancelled.
            let result = try Self.rebook(
                db, course, movable: movable, replacing: nil, from: max(session.date.adding(days: 1), today), staying: staying,
                busyDays: [session.date], clinic: clinic)
            try Self.renumber(db, course: course.id)
            let moves = Self.moves(movable, result)
            try db.cachedStatement(sql: "UPDATE session SET reason = ? WHERE id = ?")
                .execute(arguments: ["cancelled \(session.date): \(reason)", id])
            try Self.writeAudit(
                db, audit, patient: course.patientId, course: course.id, session: id, summary: "session \(id) cancelled on \(session.date)")
            try Self.auditMoves(db, moves, audit, because: "after the appointment on \(session.date) was cancelled")
            return (try Self.session(db, id), moves)
        }
    }

    /// Takes a chair out of service from `from` to `to` (inclusive); its
    /// bookings in that range move, each to another chair on its own day,
    /// as near its time as the day allows; only a course whose session has
    /// no room left on its day is laid out again from that day. Nothing
    /// outside the outage moves otherwise. Returns the outage's id and the moves.
    public func setChairOutOfService(
        _ chair: String, from: CivilDate, to: CivilDate, reason: String, clinic: BookingPolicy, today: CivilDate,
        audit: AuditContext
    ) throws -> (id: Int, moves: [Move]) {
        try write { db in
            guard clinic.resources.chair(named: chair) != nil else { throw ClinicError.chairNotFound(chair) }
            guard to >= from else { throw ClinicError.invalidValue("to", "is before from") }
            if to < today { throw ClinicError.dateInPast(to, today: today) }
            try db.cachedStatement(sql: "INSERT INTO chair_outage (chair, from_date, to_date, reason, created_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [chair, from.description, to.description, reason, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            let affected = try Self.sessions(
                db, where: "s.status = 'scheduled' AND s.chair = ? AND s.scheduled_date BETWEEN ? AND ?",
                [chair, max(from, today).description, to.description])
            try Self.writeAudit(db, audit, summary: "chair \(chair) out of service \(from) to \(to)")
            var moves: [Move] = []
            var homeless: [SessionRecord] = []
            for session in affected.sorted(by: { ($0.date, $0.time.minutes, $0.id) < ($1.date, $1.time.minutes, $1.id) }) {
                if let move = try Self.moveWithinItsDay(db, session, clinic: clinic) {
                    moves.append(move)
                } else {
                    homeless.append(session)
                }
            }
            moves += try Self.moveOff(db, homeless, clinic: clinic, today: today)
            try Self.auditMoves(db, moves, audit, because: "off chair \(chair), out of service")
            return (id, moves)
        }
    }

    /// Lifts a chair's outages from `from` (today or later) on: those that
    /// begin then or later go, one that began earlier ends the day before.
    /// Sessions already moved off the chair stay where they are. Returns how
    /// many outages changed.
    public func returnChairToService(
        _ chair: String, from: CivilDate, clinic: BookingPolicy, today: CivilDate, audit: AuditContext
    ) throws -> Int {
        try write { db in
            guard clinic.resources.chair(named: chair) != nil else { throw ClinicError.chairNotFound(chair) }
            if from < today { throw ClinicError.dateInPast(from, today: today) }
            try db.cachedStatement(sql: "DELETE FROM chair_outage WHERE chair = ? AND from_date >= ?")
                .execute(arguments: [chair, from.description])
            var changed = db.changesCount
            try db.cachedStatement(sql: "UPDATE chair_outage SET to_date = ? WHERE chair = ? AND from_date < ? AND to_date >= ?")
                .execute(arguments: [from.adding(days: -1).description, chair, from.description, from.description])
            changed += db.changesCount
            guard changed > 0 else {
                throw ClinicError.invalidValue("from", "chair \(chair) is not out of service on \(from) or later")
            }
            try Self.writeAudit(db, audit, summary: "chair \(chair) back in service from \(from)")
            return changed
        }
    }

    /// Moves one booked session to the free chair and time on its own day
    /// nearest its booked time, clear of the patient's other bookings and at
    /// its course's interval from the course's other sessions that day; nil
    /// (and nothing changed) when the day has no such place.
    static func moveWithinItsDay(_ db: Database, _ session: SessionRecord, clinic: BookingPolicy) throws -> Move? {
        guard let minutes = session.minutes, let was = session.chair else { return nil }
        let course = try Self.course(db, session.courseId)
        try db.cachedStatement(sql: "UPDATE session SET chair = NULL WHERE id = ?").execute(arguments: [session.id])
        let busy = try patientBusy(db, course, on: session.date, minutes: minutes).map(\.blocks)
        let finder = SlotFinder(resources: clinic.resources, coil: course.coil, minutes: minutes, interval: 0)
        guard let slot = finder.find(
            count: 1, on: session.date, preferred: session.time.minutes, occupancy: try occupancy(db, session.date), patientBusy: busy
        )?.first else {
            try db.cachedStatement(sql: "UPDATE session SET chair = ? WHERE id = ?").execute(arguments: [was, session.id])
            return nil
        }
        var calendar = clinic.calendar
        calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
        let time = LocalTime(minutes: slot.start)!
        try db.cachedStatement(sql: """
            UPDATE session SET scheduled_time = ?, scheduled_at = ?, chair = ?, start_minute = ? WHERE id = ?
            """).execute(arguments: [
                time.description, Timestamp.format(calendar.instant(on: session.date, at: time)), slot.chair, slot.start, session.id,
            ])
        try renumber(db, course: course.id)
        return Move(
            session: session.id, course: course.id, from: Place(date: session.date, time: session.time, chair: was),
            to: Place(date: session.date, time: time, chair: slot.chair))
    }

    /// Chairs out of service on `date`, with the reason.
    public func outages(on date: CivilDate) throws -> [String: String] {
        try read { db in
            let outages = try Self.fetch(
                db.cachedStatement(sql: "SELECT chair, reason FROM chair_outage WHERE from_date <= ?1 AND to_date >= ?1"),
                [date.description]
            ) { row in (row["chair"] as String, row["reason"] as String) }
            return Dictionary(outages, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The minutes of the day a booked session's row holds its chair.
    static func range(_ row: NamedRow) -> TimeRange {
        let start: Int = row["start_minute"]
        return TimeRange(start: start, end: start + (row["slot_minutes"] as Int))
    }

    /// The bookings on `date` that hold a chair.
    static func occupancy(_ db: Database, _ date: CivilDate) throws -> DayOccupancy {
        var occupancy = DayOccupancy()
        // The booker's inner loop: columns found by name once, then read row by row.
        let statement = try db.cachedStatement(sql: """
            SELECT chair, start_minute, slot_minutes FROM session
            WHERE scheduled_date = ? AND chair IS NOT NULL AND status IN ('scheduled', 'in_progress', 'completed')
            """)
        let columns = Columns(statement)
        let (chair, start, minutes) = (columns["chair"], columns["start_minute"], columns["slot_minutes"])
        let rows = try Row.fetchCursor(statement, arguments: [date.description])
        while let row = try rows.next() {
            let from: Int = row[start]
            occupancy.take(row[chair], TimeRange(start: from, end: from + (row[minutes] as Int)))
        }
        // A chair out of service is taken all day.
        let outages = try String.fetchAll(
            try db.cachedStatement(sql: "SELECT chair FROM chair_outage WHERE from_date <= ?1 AND to_date >= ?1"),
            arguments: [date.description])
        for chair in outages { occupancy.take(chair, TimeRange(start: 0, end: 24 * 60)) }
        return occupancy
    }

    /// Where a session is booked.
    public struct Place: Sendable, Hashable {
        public var date: CivilDate
        public var time: LocalTime
        public var chair: String?
    }

    /// One session moved: where it was and where it is now.
    public struct Move: Sendable, Hashable {
        public var session: Int
        public var course: Int
        public var from: Place
        public var to: Place
    }

    /// The moves `rebook` made, from the sessions as they were.
    static func moves(_ before: [SessionRecord], _ result: Rebooking.Result) -> [Move] {
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.id, $0) })
        return result.moved.compactMap { id, slot in
            guard let was = old[id] else { return nil }
            let from = Place(date: was.date, time: was.time, chair: was.chair)
            let to = Place(date: slot.date, time: slot.time, chair: slot.chair)
            return from == to ? nil : Move(session: id, course: was.courseId, from: from, to: to)
        }
    }

    /// Re-plans each course that has an `affected` session: its open sessions
    /// from the earliest affected day on are laid out again from that day (or
    /// today, if later) into free slots, keeping counts and phases. Returns
    /// what moved.
    static func moveOff(_ db: Database, _ affected: [SessionRecord], clinic: BookingPolicy, today: CivilDate) throws -> [Move] {
        var moves: [Move] = []
        let cache = OccupancyCache()
        for (courseId, sessions) in Dictionary(grouping: affected, by: \.courseId).sorted(by: { $0.key < $1.key }) {
            let course = try Self.course(db, courseId)
            let earliest = sessions.map(\.date).min()!
            let all = try Self.sessions(db, where: "s.course_id = ?", [courseId])
            let movable = all.filter { $0.status == .scheduled && $0.date >= earliest }
            let staying = all.filter { $0.status != .missed && $0.status != .aborted && $0.date < earliest }
            let result = try rebook(
                db, course, movable: movable, replacing: nil, from: max(earliest, today), staying: staying,
                clinic: clinic, cache: cache)
            try renumber(db, course: courseId)
            moves += Self.moves(movable, result)
        }
        return moves
    }

    /// Audits each move, with the reason it happened.
    static func auditMoves(_ db: Database, _ moves: [Move], _ audit: AuditContext, because reason: String) throws {
        for move in moves {
            try writeAudit(
                db, audit, course: move.course, session: move.session,
                summary: "session \(move.session) moved \(reason): \(move.from.date) \(move.from.time) -> \(move.to.date) \(move.to.time) on \(move.to.chair ?? "-")")
        }
    }

    /// Days' occupancy read once and kept current by one operation that moves
    /// many sessions (a reload that closed a day moves thousands): each day is
    /// read from the database the first time it is asked for, and every
    /// booking the operation releases or takes is applied here as well.
    final class OccupancyCache {
        private var days: [CivilDate: DayOccupancy] = [:]

        func get(_ db: Database, _ date: CivilDate) throws -> DayOccupancy {
            if let known = days[date] { return known }
            let read = try ClinicStore.occupancy(db, date)
            days[date] = read
            return read
        }

        func release(_ session: SessionRecord) {
            guard let chair = session.chair, let range = session.range else { return }
            days[session.date]?.release(chair, range)
        }

        func take(_ date: CivilDate, _ chair: String?, _ range: TimeRange) {
            guard let chair else { return }
            days[date]?.take(chair, range)
        }
    }

    /// A DayBooker over this transaction's view of the chairs, that keeps
    /// clear of the times `patient` is booked in courses other than `course`.
    static func booker(
        _ db: Database, _ clinic: BookingPolicy, patient: Int, course: Int?, coil: String, minutes: Int, interval: Int,
        preferred: LocalTime, cache: OccupancyCache? = nil
    ) throws -> DayBooker {
        let finder = SlotFinder(resources: clinic.resources, coil: coil, minutes: minutes, interval: interval)
        let busy = try patientBookings(db, patient: patient, except: course)
        return { date, count in
            let occupancy = try cache?.get(db, date) ?? occupancy(db, date)
            return finder.find(
                count: count, on: date, preferred: preferred.minutes, occupancy: occupancy, patientBusy: busy[date] ?? [])
        }
    }

    /// What else holds the patient at a time.
    enum PatientHold: Equatable {
        case session(Int)
        case consultation(Int)
    }

    /// What keeps a session of `course` from a time on `date`: the patient's
    /// other bookings that day (the session being placed is off its chair)
    /// and consultations, each with the starts it rules out as a range a slot
    /// of `minutes` may not overlap; the course's own sessions rule out starts
    /// closer than the course's interval.
    static func patientBusy(
        _ db: Database, _ course: CourseRecord, on date: CivilDate, minutes: Int
    ) throws -> [(hold: PatientHold, booked: TimeRange, blocks: TimeRange)] {
        // From the patient's few courses, not the day's every booking (+ keeps SQLite off the day's index).
        let gap = max(course.intervalMinutes, minutes)
        let sessions = try fetch(
            db.cachedStatement(sql: """
                SELECT s.id, s.course_id, s.start_minute, s.slot_minutes FROM course c CROSS JOIN session s ON s.course_id = c.id
                WHERE c.patient_id = ? AND +s.scheduled_date = ? AND +s.chair IS NOT NULL
                  AND s.status IN ('scheduled', 'in_progress', 'completed')
                """),
            [course.patientId, date.description]
        ) { row in
            let booked = range(row)
            let blocks = (row["course_id"] as Int) == course.id
                ? TimeRange(start: booked.start - gap + minutes, end: booked.start + gap) : booked
            return (hold: PatientHold.session(row["id"] as Int), booked: booked, blocks: blocks)
        }
        let consultations = try consultations(db, "patient_id = ? AND date = ?", [course.patientId, date.description])
        return sessions + consultations.map { (hold: .consultation($0.id), booked: $0.range, blocks: $0.range) }
    }

    /// The times the patient is held, by day: their live bookings in courses
    /// other than `course`, and their consultations.
    static func patientBookings(_ db: Database, patient: Int, except course: Int?) throws -> [CivilDate: [TimeRange]] {
        let sessions = try fetch(
            db.cachedStatement(sql: """
                SELECT s.scheduled_date, s.start_minute, s.slot_minutes FROM session s JOIN course c ON c.id = s.course_id
                WHERE c.patient_id = ? AND c.id != ? AND s.chair IS NOT NULL AND s.status IN ('scheduled', 'in_progress', 'completed')
                """),
            [patient, course ?? 0]
        ) { row in (date: CivilDate(row["scheduled_date"] as String)!, range: range(row)) }
        let consultations = try consultations(db, "patient_id = ?", [patient]).map { (date: $0.date, range: $0.range) }
        return Dictionary(grouping: sessions + consultations, by: \.date).mapValues { $0.map(\.range) }
    }

    /// Why a course could not be booked, for the person who asked.
    static func noRoom(_ failure: ScheduleGenerator.Failure, coil: String) -> ClinicError {
        switch failure {
        case .dayOverflows:
            return .invalidValue("sessionTime", "the day's sessions at the protocol's interval would run past midnight")
        case .noClinicDays:
            return .noFreeSlot(nil, coil: coil)
        }
    }

    /// Lays `movable` (open sessions of `course`) and, when `replacing` names
    /// a phase, one replacement in it, out again from `from` into free slots,
    /// around the `staying` sessions (their days are taken; a taper week
    /// under way counts its own). The movable sessions are unbooked first, so
    /// they never collide with each other on the way; each then takes its new
    /// date, time and chair.
    static func rebook(
        _ db: Database, _ course: CourseRecord, movable: [SessionRecord], replacing phase: String?, from: CivilDate,
        staying: [SessionRecord], busyDays extra: Set<CivilDate> = [], clinic: BookingPolicy, cache: OccupancyCache? = nil
    ) throws -> Rebooking.Result {
        var calendar = clinic.calendar
        calendar.timeZone = TimeZone(identifier: course.timeZone) ?? calendar.timeZone
        let generator = ScheduleGenerator(
            calendar: calendar, sessionsPerDay: course.sessionsPerDay, intervalMinutes: course.intervalMinutes)
        if !movable.isEmpty {
            try db.execute(
                sql: "UPDATE session SET chair = NULL WHERE id IN (\(Array(repeating: "?", count: movable.count).joined(separator: ",")))",
                arguments: StatementArguments(movable.map(\.id)))
        }
        for session in movable { cache?.release(session) }
        let result: Rebooking.Result
        do {
            result = try Rebooking.plan(
                phases: course.phases, missedPhase: phase, movable: movable.map { Rebooking.Movable(id: $0.id, phase: $0.phase) },
                generator: generator, from: from, busyDays: Set(staying.map(\.date)).union(extra), at: course.sessionTime,
                booker: booker(db, clinic, patient: course.patientId, course: course.id, coil: course.coil, minutes: course.slotMinutes,
                               interval: course.intervalMinutes, preferred: course.sessionTime, cache: cache),
                treated: Dictionary(grouping: staying, by: \.phase).mapValues { $0.map(\.date) })
        } catch let failure as ScheduleGenerator.Failure {
            throw noRoom(failure, coil: course.coil)
        }
        let move = try db.cachedStatement(sql: """
            UPDATE session SET scheduled_date = ?, scheduled_time = ?, scheduled_at = ?, chair = ?, start_minute = ?,
              slot_minutes = ?
            WHERE id = ?
            """)
        for (movedId, slot) in result.moved {
            try move.execute(arguments: [
                slot.date.description, slot.time.description, Timestamp.format(slot.instant), slot.chair, slot.time.minutes,
                slot.minutes, movedId,
            ])
            cache?.take(slot.date, slot.chair, TimeRange(start: slot.time.minutes, end: slot.time.minutes + slot.minutes))
        }
        return result
    }
}
