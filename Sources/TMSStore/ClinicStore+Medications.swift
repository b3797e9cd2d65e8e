public import Foundation
import GRDB
public import TMSCore

// Medications taken alongside a course.
extension ClinicStore {
    /// Starts a drug for a patient on `date`, at the instant `at`; returns the record.
    public func startMedication(
        patientId: Int, drug: String, dose: Double, unit: String, on date: CivilDate, at: Date, replaces: Int? = nil,
        audit: AuditContext
    ) throws -> MedicationRecord {
        try write { db in try Self.startMedication(db, patientId, drug, dose, unit, date, at, replaces, audit) }
    }

    static func startMedication(
        _ db: Database, _ patientId: Int, _ drug: String, _ dose: Double, _ unit: String, _ date: CivilDate, _ at: Date,
        _ replaces: Int?, _ audit: AuditContext, entry: Bool = true
    ) throws -> MedicationRecord {
        _ = try patient(db, patientId)
        let name = drug.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty else { throw ClinicError.invalidValue("drug", "must name the drug") }
        guard dose > 0, dose.isFinite else { throw ClinicError.invalidValue("dose", "must be above 0") }
        guard !unit.trimmingCharacters(in: .whitespaces).isEmpty else { throw ClinicError.invalidValue("unit", "a dose needs its unit (mg, mcg, ...)") }
        try db.cachedStatement(sql: """
                INSERT INTO medication (patient_id, drug, dose, unit, start_date, started_at, replaces, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [patientId, name, dose, unit, date.description, Timestamp.formatPrecise(at), replaces, audit.user,
                        Timestamp.format(audit.at)])
        let id = Int(db.lastInsertedRowID)
        // (Without its own entry, the caller's entry takes it.)
        let record = try medications(db, "m.id = ?", [id]).first!
        if entry { try writeAudit(db, audit, patient: patientId, summary: summary(record)) }
        return record
    }

    static func summary(_ m: MedicationRecord) -> String { "medication \(m.id): \(m.drug) \(m.dose.clinical) \(m.unit) from \(m.startDate)" }

    /// A new dose from `date` (at the instant `at`): the old record stops then, a new one starts.
    public func changeMedicationDose(
        id: Int, dose: Double, unit: String, on date: CivilDate, at: Date, audit: AuditContext
    ) throws -> MedicationRecord {
        try write { db in
            guard let old = try Self.medications(db, "m.id = ?", [id]).first else {
                throw ClinicError.invalidValue("id", "no medication has id \(id)")
            }
            guard old.stopDate == nil else { throw ClinicError.invalidValue("id", "medication \(id) was stopped on \(old.stopDate!)") }
            guard date >= old.startDate else { throw ClinicError.invalidValue("date", "is before the medication started (\(old.startDate))") }
            try db.cachedStatement(sql: "UPDATE medication SET stop_date = ?, stopped_at = ? WHERE id = ?")
                .execute(arguments: [date.description, Timestamp.formatPrecise(at), id])
            let new = try Self.startMedication(db, old.patientId, old.drug, dose, unit, date, at, id, audit, entry: false)
            try Self.carryLink(db, from: id, to: new)
            try Self.writeAudit(db, audit, patient: old.patientId, summary: Self.summary(new))
            return try Self.medications(db, "m.id = ?", [new.id]).first!
        }
    }

    /// Stops a drug on `date`, at the instant `at`.
    public func stopMedication(id: Int, on date: CivilDate, at: Date, audit: AuditContext) throws -> MedicationRecord {
        try write { db in
            guard let old = try Self.medications(db, "m.id = ?", [id]).first else {
                throw ClinicError.invalidValue("id", "no medication has id \(id)")
            }
            guard old.stopDate == nil else { throw ClinicError.invalidValue("id", "medication \(id) was stopped on \(old.stopDate!)") }
            guard date >= old.startDate else {
                throw ClinicError.invalidValue("date", "the stop date is before the start (\(old.startDate))")
            }
            if let (strategy, role) = try Self.strategyTaking(db, medication: id), role == "drug" {
                throw ClinicError.invalidValue(
                    "id", "medication \(id) is the drug of strategy \(strategy), under way: stop the strategy, with its outcome (StopStrategy)")
            }
            try db.cachedStatement(sql: "UPDATE medication SET stop_date = ?, stopped_at = ? WHERE id = ?")
                .execute(arguments: [date.description, Timestamp.formatPrecise(at), id])
            try Self.writeAudit(db, audit, patient: old.patientId, summary: "medication \(id) stopped on \(date)")
            return try Self.medications(db, "m.id = ?", [id]).first!
        }
    }

    public func medications(patientId: Int) throws -> [MedicationRecord] {
        try read { db in
            _ = try Self.patient(db, patientId)
            return try Self.medications(db, "m.patient_id = ?", [patientId])
        }
    }

    /// Every drug in use (not stopped) by any patient, with the patients.
    public func drugsInUse() throws -> [(drug: String, patients: [Int])] {
        try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT drug, group_concat(DISTINCT patient_id) AS patients FROM medication WHERE stop_date IS NULL
                    GROUP BY drug ORDER BY drug
                    """),
                []
            ) { row in (row["drug"] as String, (row["patients"] as String).split(separator: ",").compactMap { Int($0) }) }
        }
    }

    static func activeMedications(_ db: Database, patient: Int, on date: CivilDate) throws -> [MedicationRecord] {
        try medications(
            db, "m.patient_id = ? AND m.start_date <= ? AND (m.stop_date IS NULL OR m.stop_date > ?)",
            [patient, date.description, date.description])
    }

    static func medications(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> [MedicationRecord] {
        try fetch(
            try db.cachedStatement(sql: """
                SELECT m.id, m.patient_id, m.drug, m.dose, m.unit, m.start_date, m.stop_date, m.replaces, sm.strategy_id
                FROM medication m LEFT JOIN strategy_medication sm ON sm.medication_id = m.id
                WHERE \(condition) ORDER BY m.start_date, m.id
                """),
            arguments
        ) { row in
            MedicationRecord(
                id: row["id"], patientId: row["patient_id"], drug: row["drug"], dose: row["dose"], unit: row["unit"],
                startDate: CivilDate(row["start_date"] as String)!, stopDate: (row["stop_date"] as String?).flatMap { CivilDate($0) },
                replaces: row["replaces"], strategy: row["strategy_id"])
        }
    }
}
