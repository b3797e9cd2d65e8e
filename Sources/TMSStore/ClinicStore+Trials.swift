import Foundation
import GRDB
public import TMSCore

// Past treatment trials, and what eligibility reads of a patient.
extension ClinicStore {
    public func recordTrial(
        patientId: Int, _ trial: Trial, sideEffects: String, reasonStopped: String, audit: AuditContext
    ) throws -> Trial {
        try write { db in
            let id = try Self.insertTrial(db, patientId, trial, sideEffects: sideEffects, reasonStopped: reasonStopped, audit)
            try Self.writeAudit(db, audit, patient: patientId, summary: "trial \(id): \(trial.kind.rawValue) \(trial.drug ?? "")")
            return try Self.trials(db, patientId).first { $0.id == id }!
        }
    }

    /// A trial's row, checked, without a change-log entry of its own.
    static func insertTrial(
        _ db: Database, _ patientId: Int, _ trial: Trial, sideEffects: String, reasonStopped: String, _ audit: AuditContext
    ) throws -> Int {
        _ = try patient(db, patientId)
        try trial.check()
        try db.cachedStatement(sql: """
                INSERT INTO trial (patient_id, kind, drug, drug_class, highest_dose, unit, weeks_at_dose, adherence, outcome,
                  side_effects, reason_stopped, recorded_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [patientId, trial.kind.rawValue, trial.drug?.lowercased(), trial.drugClass, trial.highestDose, trial.unit,
                        trial.weeksAtDose, trial.adherence.rawValue, trial.outcome.rawValue, sideEffects, reasonStopped,
                        audit.user, Timestamp.format(audit.at)])
        return Int(db.lastInsertedRowID)
    }

    public func trials(patientId: Int) throws -> [Trial] {
        try read { db in
            _ = try Self.patient(db, patientId)
            return try Self.trials(db, patientId)
        }
    }

    /// The patient's PHQ-9 before treatment, as a payer's "PHQ-9 of N or
    /// more" means it: the latest PHQ-9 in any course that is the course's
    /// baseline or was taken before its first session was given. A score
    /// taken during treatment, lower as the patient improves, does not count.
    public func pretreatmentPHQ9(patientId: Int) throws -> (total: Int, date: CivilDate)? {
        try read { db in
            try Self.fetchOne(
                db.cachedStatement(sql: """
                    SELECT o.total, o.date FROM outcome o JOIN course c ON c.id = o.course_id
                    WHERE c.patient_id = ? AND o.scale = 'phq9'
                      AND (o.timepoint = 'baseline' OR NOT EXISTS (
                          SELECT 1 FROM session s WHERE s.course_id = o.course_id AND s.service_date <= o.date))
                    ORDER BY o.date DESC, o.id DESC LIMIT 1
                    """),
                [patientId]
            ) { row in (total: row["total"] as Int, date: CivilDate(row["date"] as String)!) }
        }
    }

    static let trialColumns = "id, kind, drug, drug_class, highest_dose, unit, weeks_at_dose, adherence, outcome"

    static func trials(_ db: Database, _ patientId: Int) throws -> [Trial] {
        try fetch(db.cachedStatement(sql: "SELECT \(trialColumns) FROM trial WHERE patient_id = ? ORDER BY id"), [patientId], trial)
    }

    static func trial(_ row: NamedRow) -> Trial {
        Trial(
            id: row["id"], kind: Trial.Kind(rawValue: row["kind"])!, drug: row["drug"], drugClass: row["drug_class"],
            highestDose: row["highest_dose"], unit: row["unit"], weeksAtDose: row["weeks_at_dose"],
            adherence: Trial.Adherence(rawValue: row["adherence"])!, outcome: Trial.Outcome(rawValue: row["outcome"])!)
    }
}
