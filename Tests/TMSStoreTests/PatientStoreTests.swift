import Foundation
import GRDB
import Testing
import TMSCore
@testable import TMSStore

/// The front desk's patients in the store: found by folded name words, and
/// the patients of a database from before the search still found.
@Suite struct PatientStoreTests {
    let audit = AuditContext(uid: 1000, user: "desk", pid: 42, method: "io.tmsd.Clinic.AddPatient",
                             at: Date(timeIntervalSince1970: 1_796_212_800))

    func add(_ store: ClinicStore, _ mrn: String, _ family: String, _ given: String) throws {
        _ = try store.addPatient(NewPatient(mrn: mrn, familyName: family, givenName: given, birthDate: CivilDate("1980-02-03")!),
                                 audit: audit)
    }

    func found(_ store: ClinicStore, _ query: String) throws -> [String] {
        try store.findPatients(PatientQuery(query)!, limit: 10).patients.map(\.mrn)
    }

    @Test func patientsRegisteredBeforeTheSearchAreFoundAfterTheMigration() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try add(t.store, "M-1", "Núñez", "Inés")
        try add(t.store, "M-2", "Nunes", "Ana")
        // The database as it was before the migration: no search, status, contact or correction tables.
        try t.store.pool.write { db in
            try db.execute(sql: """
                DROP TABLE patient_search; DROP TABLE patient_status; DROP TABLE patient_contact; DROP TABLE patient_correction;
                DELETE FROM grdb_migrations WHERE identifier LIKE '2026-12-03 the front desk%';
                """)
        }
        let reopened = try t.reopen()
        #expect(try found(reopened, "nun") == ["M-2", "M-1"])  // " nunes" before " nunez"
        #expect(try found(reopened, "ines") == ["M-1"])
        // The chain and the records are as they were: the migration's keys are no records.
        #expect(try reopened.verifyChain().broken == nil)
        #expect(try reopened.verifyRecords().differing == nil)
    }

    @Test func aCorrectedNameIsFoundByItsNewWordsAndTheChangeIsLogged() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try add(t.store, "M-1", "Smith", "Jo")
        let corrected = try t.store.correctPatient(id: 1, PatientChange(familyName: "Smyth"), reason: "typo", audit: audit)
        #expect(corrected.corrections.map(\.old) == ["Smith"])
        #expect(try found(t.store, "smith") == [])
        #expect(try found(t.store, "smyth jo") == ["M-1"])
        #expect(try t.store.verifyRecords().differing == nil)
        #expect(try t.store.verifyChain().entries == 2)
    }
}
