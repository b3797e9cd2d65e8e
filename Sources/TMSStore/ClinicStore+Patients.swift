import Foundation
import GRDB
import TMSCore

// Patients.
extension ClinicStore {
    public func addPatient(_ new: NewPatient, audit: AuditContext) throws -> PatientRecord {
        try write { db in
            if let existing = try Int.fetchOne(db.cachedStatement(sql: "SELECT id FROM patient WHERE mrn = ?"), arguments: [new.mrn]) {
                throw ClinicError.duplicateMRN(existing: existing)
            }
            try db.cachedStatement(sql: "INSERT INTO patient (mrn, family_name, given_name, birth_date, created_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [new.mrn, new.familyName, new.givenName, new.birthDate.description, Timestamp.format(audit.at)])
            let id = Int(db.lastInsertedRowID)
            try Self.writeAudit(db, audit, patient: id, summary: "patient \(id) registered")
            return try Self.patient(db, id)
        }
    }

    public func patients() throws -> [PatientRecord] {
        try read { db in
            try Self.fetch(try db.cachedStatement(sql: "SELECT * FROM patient ORDER BY family_name, given_name, id"), [], Self.patientRecord)
        }
    }

    public func patient(id: Int) throws -> PatientRecord {
        try read { db in try Self.patient(db, id) }
    }
}
