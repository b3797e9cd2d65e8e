public import Foundation
import GRDB
public import TMSCore

/// What a patient's path is read from: everything the stage and the
/// eligibility rules weigh, read in one transaction.
public struct PathFacts: Sendable {
    public var active: Bool
    public var trials: [Trial] = []
    public var strategies: [Strategy] = []
    public var evaluation: [EvaluationEntry] = []
    /// The latest consultation with an outcome, and its day.
    public var decided: (outcome: ConsultationOutcome, date: CivilDate)?
    public var courses: [PatientStage.Facts.Course] = []

    public init(active: Bool) { self.active = active }
}

// The path before a course: referrals, consultations, the evaluation and medication strategies.
extension ClinicStore {
    // MARK: Referrals and consultations

    public func recordReferral(
        patientId: Int, referredBy: String, date: CivilDate, reason: String, audit: AuditContext
    ) throws -> Referral {
        try write { db in
            _ = try Self.patient(db, patientId)
            try db.cachedStatement(sql: """
                INSERT INTO referral (patient_id, referred_by, date, reason, recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [patientId, referredBy, date.description, reason, audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: patientId, summary: "referral \(id) recorded")
            return try Self.referrals(db, "id = ?", [id])[0]
        }
    }

    public func referrals(patientId: Int) throws -> [Referral] {
        try read { db in
            _ = try Self.patient(db, patientId)
            return try Self.referrals(db, "patient_id = ?", [patientId])
        }
    }

    /// Books a consultation. The caller has checked the day and the hours
    /// (`ClinicResources.checkConsultation`); here, in the write, the room,
    /// the clinician and the patient are checked free (ConsultationClash),
    /// and the patient out of a session of theirs (PatientBooked).
    ///
    /// `rooms` are the rooms it may take, in order (one when the caller
    /// named it): the first free then is taken, in the same write that
    /// checks it, so two bookings cannot take one room. With every one
    /// taken, the clash is the last one's.
    public func bookConsultation(
        patientId: Int, clinician: String, rooms: [String], date: CivilDate, range: TimeRange, audit: AuditContext
    ) throws -> Consultation {
        guard let last = rooms.last else { throw ClinicError.invalidValue("room", "names no consultation room") }
        return try write { db in
            let patient = try Self.patient(db, patientId)
            guard patient.active else { throw ClinicError.patientInactive(patientId) }
            let overlapping = try Self.consultations(db, "date = ?", [date.description]).filter { $0.range.overlaps(range) }
            let room = rooms.first { room in !overlapping.contains { $0.room == room } } ?? last
            for other in overlapping {
                let what = other.room == room ? "Room \(room)" : other.clinician == clinician ? "The clinician" :
                    other.patientId == patientId ? "The patient" : nil
                if let what { throw ClinicError.consultationClash(with: other.id, what: what, date: date, range: other.range) }
            }
            // Nor in a session of theirs then.
            if let (session, start, length) = try Self.fetchOne(
                db.cachedStatement(sql: """
                    SELECT s.id, s.start_minute, s.slot_minutes FROM course c JOIN session s ON s.course_id = c.id
                    WHERE c.patient_id = ? AND s.scheduled_date = ? AND s.chair IS NOT NULL
                      AND s.status IN ('scheduled', 'in_progress', 'completed')
                      AND s.start_minute < ? AND ? < s.start_minute + s.slot_minutes
                    ORDER BY s.start_minute LIMIT 1
                    """),
                [patientId, date.description, range.end, range.start], { row in (row["id"] as Int, row["start_minute"] as Int, row["slot_minutes"] as Int) })
            {
                throw ClinicError.patientBooked(session, date: date, range: TimeRange(start: start, end: start + length))
            }
            try db.cachedStatement(sql: """
                INSERT INTO consultation (patient_id, clinician, room, date, start_minute, minutes, booked_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [patientId, clinician, room, date.description, range.start, range.length, audit.user,
                                         Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: patientId, summary: "consultation \(id) booked on \(date) at \(range), room \(room)")
            return try Self.consultation(db, id)
        }
    }

    /// Records what a held consultation decided (once; not before its day).
    public func recordConsultationOutcome(
        id: Int, _ outcome: ConsultationOutcome, note: String?, today: CivilDate, audit: AuditContext
    ) throws -> Consultation {
        try write { db in
            let consultation = try Self.consultation(db, id)
            if let done = consultation.outcome {
                throw ClinicError.invalidValue("id", "consultation \(id) has its outcome already (\(done.rawValue))")
            }
            if consultation.date > today {
                throw ClinicError.invalidValue("id", "consultation \(id) is on \(consultation.date), not held yet")
            }
            try db.cachedStatement(sql: "UPDATE consultation SET outcome = ?, outcome_note = ?, outcome_by = ? WHERE id = ?")
                .execute(arguments: [outcome.rawValue, note, audit.user, id])
            try Self.writeAudit(db, audit, patient: consultation.patientId, summary: "consultation \(id): \(outcome.rawValue)")
            return try Self.consultation(db, id)
        }
    }

    /// The consultations of a day, by time.
    public func consultations(on date: CivilDate) throws -> [Consultation] {
        try read { db in try Self.consultations(db, "date = ?", [date.description]) }
    }

    /// A patient's consultations (on `date` only, when given), by date.
    public func consultations(patientId: Int, on date: CivilDate? = nil) throws -> [Consultation] {
        try read { db in
            _ = try Self.patient(db, patientId)
            guard let date else { return try Self.consultations(db, "patient_id = ?", [patientId]) }
            return try Self.consultations(db, "patient_id = ? AND date = ?", [patientId, date.description])
        }
    }

    static func consultation(_ db: Database, _ id: Int) throws -> Consultation {
        guard let found = try consultations(db, "id = ?", [id]).first else { throw ClinicError.consultationNotFound(id) }
        return found
    }

    static func consultations(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [Consultation] {
        try fetch(
            db.cachedStatement(sql: """
                SELECT id, patient_id, clinician, room, date, start_minute, minutes, outcome, outcome_note, booked_by
                FROM consultation WHERE \(condition) ORDER BY date, start_minute, id
                """),
            arguments
        ) { row in
            Consultation(
                id: row["id"], patientId: row["patient_id"], clinician: row["clinician"], room: row["room"],
                date: CivilDate(row["date"] as String)!, time: LocalTime(minutes: row["start_minute"])!, minutes: row["minutes"],
                outcome: (row["outcome"] as String?).flatMap(ConsultationOutcome.init), outcomeNote: row["outcome_note"],
                bookedBy: row["booked_by"])
        }
    }

    static func referrals(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [Referral] {
        try fetch(
            db.cachedStatement(sql: """
                SELECT id, patient_id, referred_by, date, reason, recorded_by FROM referral WHERE \(condition) ORDER BY date, id
                """),
            arguments
        ) { row in
            Referral(
                id: row["id"], patientId: row["patient_id"], referredBy: row["referred_by"], date: CivilDate(row["date"] as String)!,
                reason: row["reason"], recordedBy: row["recorded_by"])
        }
    }

    // MARK: The evaluation

    /// Records one evaluation item; the caller has checked it against the clinical data.
    public func recordEvaluation(_ entry: EvaluationEntry, audit: AuditContext) throws -> EvaluationEntry {
        try write { db in
            _ = try Self.patient(db, entry.patientId)
            try db.cachedStatement(sql: """
                INSERT INTO evaluation_entry (patient_id, item, result, instrument, score, detail, date, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [entry.patientId, entry.item, entry.result, entry.instrument, entry.score, entry.detail,
                                         entry.date.description, audit.user, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: entry.patientId, summary: "evaluation \(id): \(entry.item)")
            return try Self.evaluation(db, "id = ?", [id])[0]
        }
    }

    /// A patient's evaluation entries, in the order recorded.
    public func evaluation(patientId: Int) throws -> [EvaluationEntry] {
        try read { db in
            _ = try Self.patient(db, patientId)
            return try Self.evaluation(db, "patient_id = ?", [patientId])
        }
    }

    static func evaluation(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [EvaluationEntry] {
        try fetch(
            db.cachedStatement(sql: """
                SELECT id, patient_id, item, result, instrument, score, detail, date, recorded_by FROM evaluation_entry
                WHERE \(condition) ORDER BY id
                """),
            arguments
        ) { row in
            EvaluationEntry(
                id: row["id"], patientId: row["patient_id"], item: row["item"], result: row["result"], instrument: row["instrument"],
                score: row["score"], detail: row["detail"], date: CivilDate(row["date"] as String)!, recordedBy: row["recorded_by"])
        }
    }

    // MARK: Medication strategies

    /// Records a strategy, with its dose steps and side effects; the caller
    /// has checked it (`Strategy.validate`, the drug table). One still under
    /// way is taken into the medication list: its drug's medication (started
    /// at the last dose step, at `startedAt`, unless the patient takes the
    /// drug already) and the base's, when the patient takes it, are linked to
    /// it, so a dose change there is a dose step here and stopping the
    /// strategy stops its drug.
    public func recordStrategy(_ strategy: Strategy, startedAt: Date, audit: AuditContext) throws -> Strategy {
        try write { db in
            _ = try Self.patient(db, strategy.patientId)
            try db.cachedStatement(sql: """
                INSERT INTO strategy (patient_id, kind, base, drug, drug_class, start_date, stop_date, adherence, outcome, reason_stopped,
                  recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    strategy.patientId, strategy.kind.rawValue, strategy.base, strategy.drug, strategy.drugClass,
                    strategy.startDate.description, strategy.stopDate?.description, strategy.adherence.rawValue,
                    strategy.outcome?.rawValue, strategy.reasonStopped, audit.user, Timestamp.format(audit.at),
                ])
            let id = Int(db.lastInsertedRowID)
            for step in strategy.doseSteps { try Self.writeDoseStep(db, strategy: id, step) }
            for effect in strategy.sideEffects {
                try db.cachedStatement(sql: "INSERT INTO strategy_side_effect (strategy_id, effect, severity) VALUES (?, ?, ?)")
                    .execute(arguments: [id, effect.effect, effect.severity.rawValue])
            }
            if strategy.stopDate == nil {
                let taking = try Self.medications(db, "m.patient_id = ? AND m.stop_date IS NULL", [strategy.patientId])
                let drug: MedicationRecord
                if let current = taking.first(where: { $0.drug == strategy.drug }) {
                    drug = current
                } else {
                    let last = strategy.doseSteps.last!
                    drug = try Self.startMedication(
                        db, strategy.patientId, strategy.drug, last.dose, last.unit, last.date, startedAt, nil, audit, entry: false)
                }
                try Self.link(db, medication: drug.id, strategy: id, role: "drug")
                if let base = taking.first(where: { $0.drug == strategy.base }) { try Self.link(db, medication: base.id, strategy: id, role: "base") }
            }
            // One entry: the strategy, and the medication it started and linked.
            try Self.writeAudit(
                db, audit, patient: strategy.patientId, summary: "strategy \(id): \(strategy.kind.rawValue) \(strategy.base) / \(strategy.drug)")
            return try Self.strategies(db, "s.id = ?", [id])[0]
        }
    }

    /// Stops a strategy under way on `date` (at `at`), with its outcome and
    /// why; its drug's medication stops then too.
    public func stopStrategy(
        id: Int, on date: CivilDate, at: Date, outcome: Trial.Outcome, reason: String, audit: AuditContext
    ) throws -> Strategy {
        try write { db in
            guard let strategy = try Self.strategies(db, "s.id = ?", [id]).first else { throw ClinicError.strategyNotFound(id) }
            if let stopped = strategy.stopDate { throw ClinicError.invalidValue("id", "strategy \(id) stopped on \(stopped)") }
            if let last = strategy.doseSteps.last, date < last.date {
                throw ClinicError.invalidValue("date", "is before the strategy's last dose step (\(last.date))")
            }
            try db.cachedStatement(sql: "UPDATE strategy SET stop_date = ?, outcome = ?, reason_stopped = ? WHERE id = ?")
                .execute(arguments: [date.description, outcome.rawValue, reason, id])
            try db.cachedStatement(sql: """
                UPDATE medication SET stop_date = ?, stopped_at = ? WHERE stop_date IS NULL
                  AND id IN (SELECT medication_id FROM strategy_medication WHERE strategy_id = ? AND role = 'drug')
                """).execute(arguments: [date.description, Timestamp.formatPrecise(at), id])
            try Self.writeAudit(db, audit, patient: strategy.patientId, summary: "strategy \(id) stopped on \(date): \(outcome.rawValue)")
            return try Self.strategies(db, "s.id = ?", [id])[0]
        }
    }

    public func strategies(patientId: Int) throws -> [Strategy] {
        try read { db in
            _ = try Self.patient(db, patientId)
            return try Self.strategies(db, "s.patient_id = ?", [patientId])
        }
    }

    /// The strategy under way that medication `id` is the drug of, if any.
    static func strategyTaking(_ db: Database, medication id: Int) throws -> (strategy: Int, role: String)? {
        try fetchOne(
            db.cachedStatement(sql: """
                SELECT sm.strategy_id, sm.role FROM strategy_medication sm JOIN strategy s ON s.id = sm.strategy_id
                WHERE sm.medication_id = ? AND s.stop_date IS NULL
                """),
            [id]
        ) { row in (row["strategy_id"] as Int, row["role"] as String) }
    }

    /// A dose change of a linked medication: the new record is linked too,
    /// and, for the strategy's drug, the dose is its next step.
    static func carryLink(_ db: Database, from old: Int, to new: MedicationRecord) throws {
        guard let (strategy, role) = try strategyTaking(db, medication: old) else { return }
        try link(db, medication: new.id, strategy: strategy, role: role)
        if role == "drug" { try writeDoseStep(db, strategy: strategy, .init(date: new.startDate, dose: new.dose, unit: new.unit)) }
    }

    private static func link(_ db: Database, medication: Int, strategy: Int, role: String) throws {
        try db.cachedStatement(sql: "INSERT INTO strategy_medication (medication_id, strategy_id, role) VALUES (?, ?, ?)")
            .execute(arguments: [medication, strategy, role])
    }

    /// One dose step; a second on the same day replaces the first.
    private static func writeDoseStep(_ db: Database, strategy: Int, _ step: Strategy.DoseStep) throws {
        try db.cachedStatement(sql: """
            INSERT INTO strategy_dose_step (strategy_id, date, dose, unit) VALUES (?, ?, ?, ?)
            ON CONFLICT (strategy_id, date) DO UPDATE SET dose = excluded.dose, unit = excluded.unit
            """).execute(arguments: [strategy, step.date.description, step.dose, step.unit])
    }

    static func strategies(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [Strategy] {
        var found = try fetch(
            db.cachedStatement(sql: """
                SELECT s.id, s.patient_id, s.kind, s.base, s.drug, s.drug_class, s.start_date, s.stop_date, s.adherence, s.outcome,
                  s.reason_stopped, s.recorded_by FROM strategy s WHERE \(condition) ORDER BY s.start_date, s.id
                """),
            arguments
        ) { row in
            Strategy(
                id: row["id"], patientId: row["patient_id"], kind: Strategy.Kind(rawValue: row["kind"])!, base: row["base"],
                drug: row["drug"], drugClass: row["drug_class"], startDate: CivilDate(row["start_date"] as String)!,
                stopDate: (row["stop_date"] as String?).flatMap { CivilDate($0) }, doseSteps: [], sideEffects: [],
                adherence: Trial.Adherence(rawValue: row["adherence"])!, outcome: (row["outcome"] as String?).flatMap(Trial.Outcome.init),
                reasonStopped: row["reason_stopped"], recordedBy: row["recorded_by"])
        }
        guard !found.isEmpty else { return [] }
        let index = Dictionary(uniqueKeysWithValues: found.enumerated().map { ($0.element.id, $0.offset) })
        let ids = found.map { "\($0.id)" }.joined(separator: ",")  // integers of our own reading, never a client's text
        for (strategy, step) in try fetch(
            db.makeStatement(sql: "SELECT strategy_id, date, dose, unit FROM strategy_dose_step WHERE strategy_id IN (\(ids)) ORDER BY date"),
            [], { row in (row["strategy_id"] as Int, Strategy.DoseStep(date: CivilDate(row["date"] as String)!, dose: row["dose"], unit: row["unit"])) })
        {
            found[index[strategy]!].doseSteps.append(step)
        }
        for (strategy, effect) in try fetch(
            db.makeStatement(sql: "SELECT strategy_id, effect, severity FROM strategy_side_effect WHERE strategy_id IN (\(ids)) ORDER BY id"),
            [], { row in (row["strategy_id"] as Int, Strategy.SideEffect(effect: row["effect"], severity: Severity(rawValue: row["severity"])!)) })
        {
            found[index[strategy]!].sideEffects.append(effect)
        }
        return found
    }

    // MARK: The path as a whole

    /// The day of each course's last session (given, or booked and not missed), by course.
    public func lastSessionDays(patientId: Int) throws -> [Int: CivilDate] {
        try read { db in
            Dictionary(uniqueKeysWithValues: try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT s.course_id, max(coalesce(s.service_date, s.scheduled_date)) AS last FROM session s
                    JOIN course c ON c.id = s.course_id WHERE c.patient_id = ? AND s.status IN ('scheduled', 'in_progress', 'completed')
                    GROUP BY s.course_id
                    """),
                [patientId], { row in (row["course_id"] as Int, CivilDate(row["last"] as String)!) }))
        }
    }

    /// Each patient's path facts (one patient's, given `patientId`), in one read.
    public func pathFacts(patientId: Int? = nil) throws -> [Int: PathFacts] {
        try read { db in
            if let patientId { _ = try Self.patient(db, patientId) }
            let only = patientId.map { "= \($0)" } ?? "IS NOT NULL"  // an integer, or every patient
            var facts: [Int: PathFacts] = [:]
            for (id, active) in try Self.fetch(
                db.makeStatement(sql: "SELECT p.id, coalesce(st.active, 1) AS active FROM patient p LEFT JOIN patient_status st ON st.patient_id = p.id WHERE p.id \(only)"),
                [], { row in (row["id"] as Int, row["active"] as Bool) })
            {
                facts[id] = PathFacts(active: active)
            }
            for (patient, trial) in try Self.fetch(
                db.makeStatement(sql: "SELECT patient_id, \(Self.trialColumns) FROM trial WHERE patient_id \(only) ORDER BY id"), [],
                { row in (row["patient_id"] as Int, Self.trial(row)) })
            {
                facts[patient]?.trials.append(trial)
            }
            for strategy in try Self.strategies(db, "s.patient_id \(only)", []) { facts[strategy.patientId]?.strategies.append(strategy) }
            for entry in try Self.evaluation(db, "patient_id \(only)", []) { facts[entry.patientId]?.evaluation.append(entry) }
            for consultation in try Self.consultations(db, "patient_id \(only) AND outcome IS NOT NULL", []) {
                facts[consultation.patientId]?.decided = (consultation.outcome!, consultation.date)
            }
            for (patient, course) in try Self.fetch(
                db.makeStatement(sql: """
                    SELECT c.patient_id, c.status, c.start_date,
                      (SELECT count(*) FROM session s WHERE s.course_id = c.id AND s.status = 'completed') AS delivered,
                      EXISTS (SELECT 1 FROM payer_authorization a WHERE a.course_id = c.id) AS authorized
                    FROM course c WHERE c.patient_id \(only)
                    """),
                [], { row in
                    (row["patient_id"] as Int, PatientStage.Facts.Course(
                        status: CourseStatus(rawValue: row["status"])!, startDate: CivilDate(row["start_date"] as String)!,
                        delivered: row["delivered"], authorized: row["authorized"]))
                })
            {
                facts[patient]?.courses.append(course)
            }
            return facts
        }
    }
}
