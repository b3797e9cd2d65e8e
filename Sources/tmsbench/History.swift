import Foundation
import GRDB
import TMSCore
@_spi(Benchmark) import TMSStore

/// A clinic's history written straight into the store's tables: years of
/// finished courses and those still under way, as a 20-chair clinic open on
/// weekdays accumulates them (5.5 new courses a clinic day, 36 sessions each:
/// 30 daily, then a taper of 6 over two weeks). The rows go in with SQL in
/// one transaction, through the store's own schema, constraints and
/// triggers; making them one call at a time would take hours.
///
/// Everything about course number `c` depends on `c` alone, so a database
/// that keeps only the recent history (`keepFinishedSince`) holds exactly
/// the same courses under way, at the same chairs and times, as the full one.
struct History {
    let firstDay: CivilDate
    let today: CivilDate
    /// Courses that finished before this day are left out.
    var keepFinishedSince: CivilDate?

    static let chairs = 20
    static let slotMinutes = 45
    static let slotsPerChair = 18  // 07:00 to 20:30
    /// Clinic-day offsets of a course's 36 sessions from its first day.
    static let offsets = Array(0..<30) + [30, 32, 34, 35, 37, 40]

    struct Counts {
        var courses = 0
        var sessions = 0
        var active = 0
        var rows = 0
    }

    func seed(into path: String) throws -> Counts {
        _ = try ClinicStore(path: path)  // the schema, as tmsd makes it
        var config = Configuration()
        config.journalMode = .wal
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = OFF") }

        var days: [CivilDate] = []
        var day = firstDay
        while days.count < 1 || days.last! < today.adding(days: 70) {
            if day.weekday != .saturday, day.weekday != .sunday { days.append(day) }
            day = day.adding(days: 1)
        }
        let todayIndex = days.firstIndex { $0 >= today }!
        let treatment = ProtocolLibrary.find("10hz-ldlpfc")!
        let phases = treatment.phases.map(\.encoded).joined(separator: ";")
        var counts = Counts()

        try queue.write { db in
            let patient = try db.makeStatement(sql: """
                INSERT INTO patient (id, mrn, family_name, given_name, birth_date, created_at) VALUES (?, ?, 'Hist', ?, '1970-01-01', ?)
                """)
            let course = try db.makeStatement(sql: """
                INSERT INTO course (id, patient_id, protocol_id, protocol_name, status, start_date, session_time, time_zone,
                  prescriber, target_method, target_label, frequency_hz, intensity_pct_mt, pulses_per_train, train_duration_s,
                  inter_train_interval_s, trains, pulses_per_session, sessions_per_day, interval_minutes, total_sessions, phases,
                  created_at, coil, slot_minutes)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'UTC', 'Dr. History', 'beam_f3', 'left DLPFC', 10, 120, 40, 4, 26, 75, 3000, 1, 0, 36, ?,
                  ?, 'figure-8', ?)
                """)
            let booked = try db.makeStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status, reason, chair,
                  start_minute, slot_minutes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let given = try db.makeStatement(sql: """
                INSERT INTO session (course_id, number, phase, scheduled_date, scheduled_time, scheduled_at, status, started_at,
                  finished_at, motor_threshold, intensity_pct_mt, frequency_hz, pulses_per_train, train_duration_s,
                  inter_train_interval_s, trains, pulses_delivered, coil, target, notes, chair, start_minute, slot_minutes, medications)
                VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, 120, 10, 40, 4, 26, 75, 3000, 'figure-8', 'left DLPFC', '', ?, ?, ?, ?)
                """)
            let threshold = try db.makeStatement(sql: """
                INSERT INTO motor_threshold (course_id, date, method, muscle, value, operator, created_at)
                VALUES (?, ?, 'emg', 'APB', ?, 'tech', ?)
                """)
            let outcome = try db.makeStatement(sql: """
                INSERT INTO outcome (course_id, scale, timepoint, date, total, recorded_by, created_at) VALUES (?, 'phq9', ?, ?, ?, 'tech', ?)
                """)
            let event = try db.makeStatement(sql: """
                INSERT INTO adverse_event (course_id, kind, severity, date, details, held, recorded_by, created_at)
                VALUES (?, 'headache', 'mild', ?, 'eased by rest', 0, 'tech', ?)
                """)
            let alert = try db.makeStatement(sql: """
                INSERT INTO alert (course_id, kind, detail, created_at, acknowledged_at, acknowledged_by, note)
                VALUES (?, 'phq9-item9', 'PHQ-9 item 9 scored 1', ?, ?, ?, ?)
                """)
            let medication = try db.makeStatement(sql: """
                INSERT INTO medication (id, patient_id, drug, dose, unit, start_date, stop_date, replaces, recorded_by, created_at)
                VALUES (?, ?, 'sertraline', ?, 'mg', ?, ?, ?, 'desk', ?)
                """)
            let authorization = try db.makeStatement(sql: """
                INSERT INTO payer_authorization (course_id, payer, reference, sessions, from_date, to_date, recorded_by, created_at)
                VALUES (?, 'Medicare', ?, 36, ?, ?, 'desk', ?)
                """)
            let audit = try db.makeStatement(sql: """
                INSERT INTO audit (at, uid, user, pid, method, patient_id, course_id, session_id, summary)
                VALUES (?, 1000, 'tech', 1, ?, ?, ?, ?, ?)
                """)
            func stamp(_ date: CivilDate, _ minutes: Int) -> String {
                Timestamp.format(Date(timeIntervalSince1970: Double(date.dayNumber * 86_400 + minutes * 60)))
            }

            var c = 0
            var medicationId = 0
            for startIndex in 0...todayIndex {
                for _ in 0..<(5 + startIndex % 2) {
                    c += 1
                    let dates = Self.offsets.map { days[startIndex + $0] }
                    let last = dates.last!
                    if let keep = keepFinishedSince, last < keep { continue }
                    let pair = c % (Self.chairs * Self.slotsPerChair)
                    let chair = "chair-\(pair % Self.chairs + 1)"
                    let minute = 7 * 60 + (pair / Self.chairs) * Self.slotMinutes
                    let time = LocalTime(minutes: minute)!.description
                    let first = dates[0]
                    let created = stamp(first.adding(days: -7), 600)
                    let active = last >= today

                    try patient.execute(arguments: [c, "H-\(c)", "P\(c)", created])
                    try course.execute(arguments: [
                        c, c, treatment.id, treatment.name, active ? "active" : "completed", first.description, time, phases, created,
                        Self.slotMinutes,
                    ])
                    try audit.execute(arguments: [created, "io.tmsd.Clinic.CreateCourse", c, c, nil, "course \(c): 10hz-ldlpfc"])
                    // Sertraline for a year before; one patient in five has the dose raised mid-course.
                    medicationId += 1
                    let raisedOn = c % 5 == 0 && dates[14] <= today ? dates[14] : nil
                    try medication.execute(arguments: [
                        medicationId, c, 100, first.adding(days: -365).description, raisedOn?.adding(days: -1).description, nil, created,
                    ])
                    if let raisedOn {
                        medicationId += 1
                        try medication.execute(arguments: [
                            medicationId, c, 150, raisedOn.description, nil, medicationId - 1, stamp(raisedOn, 480),
                        ])
                    }
                    try authorization.execute(arguments: [c, "PA-\(c)", first.description, first.adding(days: 100).description, created])

                    for (i, date) in dates.enumerated() {
                        let number = i + 1
                        let at = stamp(date, minute)
                        // The protocol's own phases: 30 daily, then tapering weeks of 3, 2 and 1.
                        let phase = i < 30 ? "acute" : i < 33 ? "taper 1" : i < 35 ? "taper 2" : "taper 3"
                        if date > today {
                            try booked.execute(arguments: [
                                c, number, phase, date.description, time, at, "scheduled", nil, chair, minute, Self.slotMinutes,
                            ])
                            counts.sessions += 1
                            continue
                        }
                        if (c * 7 + number) % 50 == 0 {
                            try booked.execute(arguments: [
                                c, number, phase, date.description, time, at, "missed", "unwell", chair, minute, Self.slotMinutes,
                            ])
                        } else {
                            try given.execute(arguments: [
                                c, number, phase, date.description, time, at, at, stamp(date, minute + 38), Double(50 + c % 20),
                                chair, minute, Self.slotMinutes, "sertraline \(raisedOn.map { date >= $0 } == true ? 150 : 100) mg",
                            ])
                            try audit.execute(arguments: [
                                stamp(date, minute + 38), "io.tmsd.Clinic.CompleteSession", c, c, db.lastInsertedRowID,
                                "session completed: 3000 pulses",
                            ])
                        }
                        counts.sessions += 1
                        if i % 5 == 0 { try threshold.execute(arguments: [c, date.description, Double(50 + c % 20), at]) }
                        if i == 0 { try outcome.execute(arguments: [c, "baseline", date.description, 18 + c % 6, at]) }
                        if i == 9 || i == 19 || i == 29 {
                            try outcome.execute(arguments: [c, "weekly", date.description, 18 + c % 6 - (i + 1) / 4, at])
                        }
                        if i == 35 { try outcome.execute(arguments: [c, "end", date.description, 6 + c % 6, at]) }
                        if i == 1, c % 10 == 0 { try event.execute(arguments: [c, date.description, at]) }
                        if i == 0, c % 25 == 0 {
                            let acknowledged = date < today.adding(days: -7)
                            try alert.execute(arguments: [
                                c, at, acknowledged ? stamp(date, 1000) : nil, acknowledged ? "Dr. History" : nil,
                                acknowledged ? "safety plan reviewed" : nil,
                            ])
                        }
                    }
                    counts.courses += 1
                    if active { counts.active += 1 }
                }
            }
        }
        try queue.close()
        // The audit rows written straight in are chained, as tmsd's migration chains an older release's.
        try ClinicStore.chainSeededEntries(path: path)
        let checkpoint = try DatabaseQueue(path: path)
        try checkpoint.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
        return counts
    }
}
