import Foundation
import GRDB
public import TMSCore

// Patients: registered, found, corrected, made inactive, and their contact details.
extension ClinicStore {
    public func addPatient(_ new: NewPatient, audit: AuditContext) throws -> PatientRecord {
        try write { db in
            let id = try Self.insertPatient(db, new, audit)
            try Self.writeAudit(db, audit, patient: id, summary: "patient \(id) registered")
            return try Self.patient(db, id)
        }
    }

    /// A new patient's rows (the MRN checked free), without a change-log entry of its own.
    static func insertPatient(_ db: Database, _ new: NewPatient, _ audit: AuditContext) throws -> Int {
        try checkMRNFree(db, new.mrn, for: nil)
        try db.cachedStatement(sql: "INSERT INTO patient (mrn, family_name, given_name, birth_date, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [new.mrn, new.familyName, new.givenName, new.birthDate.description, Timestamp.format(audit.at)])
        let id = Int(db.lastInsertedRowID)
        try writeNameKey(db, patient: id, familyName: new.familyName, givenName: new.givenName)
        return id
    }

    /// Every patient by name (folded, so Ångström comes before Baker); the inactive ones only when asked.
    public func patients(includingInactive: Bool = false) throws -> [PatientRecord] {
        try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT \(Self.patientColumns) LEFT JOIN patient_search k ON k.patient_id = p.id
                    WHERE ? OR coalesce(st.active, 1) ORDER BY k.name_key, p.id
                    """),
                [includingInactive], Self.patientRecord)
        }
    }

    public func patient(id: Int) throws -> PatientRecord {
        try read { db in try Self.patient(db, id) }
    }

    /// The patient with this MRN, if any.
    public func patient(mrn: String) throws -> PatientRecord? {
        try read { db in
            try Self.fetchOne(db.cachedStatement(sql: "SELECT \(Self.patientColumns) WHERE p.mrn = ?"), [mrn], Self.patientRecord)
        }
    }

    /// The patients `query` finds (`PatientQuery`), inactive ones too, by
    /// folded name; at most `limit`, and whether there were more.
    public func findPatients(_ query: PatientQuery, limit: Int) throws -> (patients: [PatientRecord], more: Bool) {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        for term in query.terms {
            var alternatives = ["substr(lower(p.mrn), 1, ?) = ?"]
            arguments += [term.mrn.unicodeScalars.count, term.mrn]
            if let birth = term.birth {
                alternatives.append("substr(p.birth_date, 1, ?) = ?")
                arguments += [birth.count, birth]
            }
            if !term.names.isEmpty {
                alternatives.append("(" + term.names.map { _ in "instr(k.name_key, ?) > 0" }.joined(separator: " AND ") + ")")
                arguments += term.names.map { " " + $0 }
            }
            clauses.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        arguments.append(limit + 1)
        let sql = """
            SELECT \(Self.patientColumns) JOIN patient_search k ON k.patient_id = p.id
            WHERE \(clauses.joined(separator: " AND ")) ORDER BY k.name_key, p.id LIMIT ?
            """
        let found = try read { db in
            try Self.fetch(db.makeStatement(sql: sql), StatementArguments(arguments), Self.patientRecord)
        }
        return (Array(found.prefix(limit)), found.count > limit)
    }

    /// Corrects the fields `change` gives that differ from the record, each
    /// kept with the value it replaced and `reason`. Throws `InvalidValue`
    /// when nothing would change, `DuplicateMRN` for another patient's MRN.
    public func correctPatient(
        id: Int, _ change: PatientChange, reason: String, audit: AuditContext
    ) throws -> (patient: PatientRecord, corrections: [PatientCorrectionRecord]) {
        try write { db in
            let before = try Self.patient(db, id)
            var changed: [(field: PatientField, column: String, old: String, new: String)] = []
            func consider(_ field: PatientField, _ column: String, _ old: String, _ new: String?) {
                if let new, new != old { changed.append((field, column, old, new)) }
            }
            consider(.mrn, "mrn", before.mrn, change.mrn)
            consider(.familyName, "family_name", before.familyName, change.familyName)
            consider(.givenName, "given_name", before.givenName, change.givenName)
            consider(.birthDate, "birth_date", before.birthDate.description, change.birthDate?.description)
            guard !changed.isEmpty else {
                throw ClinicError.invalidValue("correction", "it changes nothing: every field given is as recorded")
            }
            if let mrn = change.mrn, mrn != before.mrn { try Self.checkMRNFree(db, mrn, for: id) }
            let at = Timestamp.format(audit.at)
            for c in changed {
                // The column names are this function's own, never a client's.
                try db.cachedStatement(sql: "UPDATE patient SET \(c.column) = ? WHERE id = ?").execute(arguments: [c.new, id])
                try db.cachedStatement(sql: """
                    INSERT INTO patient_correction (patient_id, field, old_value, new_value, reason, at, user) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: [id, c.field.rawValue, c.old, c.new, reason, at, audit.user])
            }
            let after = try Self.patient(db, id)
            if after.familyName != before.familyName || after.givenName != before.givenName {
                try Self.writeNameKey(db, patient: id, familyName: after.familyName, givenName: after.givenName)
            }
            // The summary names the fields, not their values: those are in the entry's records.
            try Self.writeAudit(
                db, audit, patient: id,
                summary: "patient \(id) corrected: \(changed.map(\.field.rawValue).joined(separator: ", ")) (\(reason))")
            return (after, try Self.corrections(db, patient: id))
        }
    }

    /// A patient's corrections, oldest first.
    public func corrections(patient id: Int) throws -> [PatientCorrectionRecord] {
        try read { db in try Self.corrections(db, patient: id) }
    }

    /// Marks a patient active or inactive, with why. An inactive patient
    /// gets no new course; a patient whose course is under way (active,
    /// paused or on hold) cannot be made inactive: it must end first.
    public func setPatientActive(id: Int, _ active: Bool, reason: String, audit: AuditContext) throws -> PatientRecord {
        try write { db in
            let before = try Self.patient(db, id)
            if before.active == active {
                throw ClinicError.invalidValue("active", "patient \(id) is already \(active ? "active" : "inactive")")
            }
            if !active, let course = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM course WHERE patient_id = ? AND status IN ('active', 'paused', 'on_hold') ORDER BY id"),
                arguments: [id])
            {
                throw ClinicError.patientInCourse(patient: id, course: course)
            }
            try db.cachedStatement(sql: """
                INSERT INTO patient_status (patient_id, active, reason, changed_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (patient_id) DO UPDATE SET active = excluded.active, reason = excluded.reason, changed_at = excluded.changed_at
                """).execute(arguments: [id, active, reason, Timestamp.format(audit.at)])
            try Self.writeAudit(db, audit, patient: id, summary: "patient \(id) made \(active ? "active" : "inactive") (\(reason))")
            return try Self.patient(db, id)
        }
    }

    /// A patient's contact details (`Contact.none` when none are recorded).
    public func contact(patient id: Int) throws -> Contact {
        try read { db in
            _ = try Self.patient(db, id)
            return try Self.contact(db, id)
        }
    }

    /// Changes a patient's contact details: the fields `change` gives
    /// replace those stored. Throws `InvalidValue` for details that cannot
    /// stand together (`Contact.problem`), changing nothing.
    public func setContact(patient id: Int, _ change: ContactChange, audit: AuditContext) throws -> Contact {
        try write { db in
            _ = try Self.patient(db, id)
            var contact = try Self.contact(db, id)
            if let phone = change.phone { contact.phone = phone.isEmpty ? nil : phone }
            if let email = change.email { contact.email = email.isEmpty ? nil : email }
            if let preferred = change.preferred { contact.preferred = preferred }
            if let reminders = change.reminders { contact.reminders = reminders }
            try Self.writeContact(db, id, contact)
            try Self.writeAudit(db, audit, patient: id, summary: "patient \(id) contact details changed")
            return contact
        }
    }

    /// A patient's contact details as they now stand; InvalidValue for details that cannot stand together.
    static func writeContact(_ db: Database, _ id: Int, _ contact: Contact) throws {
        if let (field, reason) = contact.problem { throw ClinicError.invalidValue(field, reason) }
        try db.cachedStatement(sql: """
            INSERT INTO patient_contact (patient_id, phone, email, preferred, reminders) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (patient_id) DO UPDATE SET
              phone = excluded.phone, email = excluded.email, preferred = excluded.preferred, reminders = excluded.reminders
            """).execute(arguments: [id, contact.phone, contact.email, contact.preferred?.rawValue, contact.reminders])
    }

    /// The day-before reminders for `date`: each active patient who asked
    /// for them and has an address, with the times of their sessions booked
    /// that day, by patient id.
    public func reminders(on date: CivilDate) throws -> [(patient: Int, email: String, times: [LocalTime])] {
        let rows = try read { db in
            try Self.fetch(
                db.cachedStatement(sql: """
                    SELECT c.patient_id, pc.email, s.start_minute FROM session s
                    JOIN course c ON c.id = s.course_id
                    JOIN patient_contact pc ON pc.patient_id = c.patient_id
                    LEFT JOIN patient_status st ON st.patient_id = c.patient_id
                    WHERE s.scheduled_date = ? AND s.status = 'scheduled' AND s.start_minute IS NOT NULL
                      AND pc.reminders = 1 AND pc.email IS NOT NULL AND coalesce(st.active, 1)
                    ORDER BY c.patient_id, s.start_minute
                    """),
                [date.description]
            ) { row in (patient: row["patient_id"] as Int, email: row["email"] as String, minute: row["start_minute"] as Int) }
        }
        var out: [(patient: Int, email: String, times: [LocalTime])] = []
        for row in rows {
            guard let time = LocalTime(minutes: row.minute) else { continue }
            if out.last?.patient == row.patient { out[out.count - 1].times.append(time) } else { out.append((row.patient, row.email, [time])) }
        }
        return out
    }

    // MARK: Within a transaction

    static func checkMRNFree(_ db: Database, _ mrn: String, for patient: Int?) throws {
        if let existing = try Int.fetchOne(db.cachedStatement(sql: "SELECT id FROM patient WHERE mrn = ?"), arguments: [mrn]),
           existing != patient
        {
            throw ClinicError.duplicateMRN(existing: existing)
        }
    }

    static func writeNameKey(_ db: Database, patient id: Int, familyName: String, givenName: String) throws {
        try db.cachedStatement(sql: """
            INSERT INTO patient_search (patient_id, name_key) VALUES (?, ?)
            ON CONFLICT (patient_id) DO UPDATE SET name_key = excluded.name_key
            """).execute(arguments: [id, PatientQuery.nameKey(familyName: familyName, givenName: givenName)])
    }

    static func corrections(_ db: Database, patient id: Int) throws -> [PatientCorrectionRecord] {
        try fetch(db.cachedStatement(sql: "SELECT * FROM patient_correction WHERE patient_id = ? ORDER BY id"), [id]) { row in
            PatientCorrectionRecord(
                field: PatientField(rawValue: row["field"])!, old: row["old_value"], new: row["new_value"], reason: row["reason"],
                at: Timestamp.parse(row["at"])!, user: row["user"])
        }
    }

    static func contact(_ db: Database, _ id: Int) throws -> Contact {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM patient_contact WHERE patient_id = ?"), [id]) { row in
            Contact(phone: row["phone"], email: row["email"], preferred: (row["preferred"] as String?).flatMap(ContactMethod.init),
                    reminders: row["reminders"])
        } ?? .none
    }
}
