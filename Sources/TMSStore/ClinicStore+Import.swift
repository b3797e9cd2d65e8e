import GRDB
public import TMSCore

// Imports: many records from one file, all in one transaction or none.
extension ClinicStore {
    /// Registers every patient of an import, with their contact details, in
    /// one transaction and one change-log entry naming the file's SHA-256.
    /// Any row that cannot stand (an MRN taken meanwhile) fails the whole.
    public func importPatients(_ rows: [(patient: NewPatient, contact: Contact?)], sha256: String, audit: AuditContext) throws -> [Int] {
        try write { db in
            var ids: [Int] = []
            for row in rows {
                let id = try Self.insertPatient(db, row.patient, audit)
                if let contact = row.contact { try Self.writeContact(db, id, contact) }
                ids.append(id)
            }
            try Self.writeAudit(db, audit, summary: "import of \(ids.count) patients\(Self.span(ids)), file sha256 \(sha256)")
            return ids
        }
    }

    /// Records every trial of an import, as `importPatients` registers patients.
    public func importTrials(
        _ rows: [(patientId: Int, trial: Trial, sideEffects: String, reasonStopped: String)], sha256: String, audit: AuditContext
    ) throws -> [Int] {
        try write { db in
            let ids = try rows.map { row in
                try Self.insertTrial(db, row.patientId, row.trial, sideEffects: row.sideEffects, reasonStopped: row.reasonStopped, audit)
            }
            try Self.writeAudit(db, audit, summary: "import of \(ids.count) trials\(Self.span(ids)), file sha256 \(sha256)")
            return ids
        }
    }

    /// The MRNs of `mrns` already registered, with their patients' ids.
    public func patientIds(mrns: Set<String>) throws -> [String: Int] {
        guard !mrns.isEmpty else { return [:] }
        return try read { db in
            var found: [String: Int] = [:]
            let statement = try db.cachedStatement(sql: "SELECT id FROM patient WHERE mrn = ?")
            for mrn in mrns {
                if let id = try Self.fetchOne(statement, [mrn], { $0["id"] as Int }) { found[mrn] = id }
            }
            return found
        }
    }

    private static func span(_ ids: [Int]) -> String {
        guard let first = ids.first, let last = ids.last else { return "" }
        return first == last ? " (\(first))" : " (\(first) to \(last))"
    }
}
