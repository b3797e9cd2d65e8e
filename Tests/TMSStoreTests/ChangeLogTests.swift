import Foundation
import GRDB
import Testing
import TMSCore
@testable import TMSStore

/// The change log: the audit trail as a hash chain, on a real SQLite file.
@Suite struct ChangeLogTests {
    let audit = AuditContext(uid: 1000, user: "tech", pid: 42, method: "io.tmsd.Clinic.AddPatient",
                             at: Date(timeIntervalSince1970: 1_796_212_800))

    func patients(_ store: ClinicStore, _ count: Int, from first: Int = 1) throws {
        for n in first..<(first + count) {
            _ = try store.addPatient(
                NewPatient(mrn: "MRN-\(n)", familyName: "Doe", givenName: "Jane", birthDate: CivilDate("1980-02-03")!), audit: audit)
        }
    }

    /// Tampers as an intruder does: another connection to the file.
    func tamper(_ store: ClinicStore, _ sql: String) throws {
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in try db.execute(sql: sql) }
    }

    /// The text a hash covers, byte for byte (entries already on disk verify
    /// against it): quotes and backslashes escaped, every other control
    /// character as a lowercase \u00XX, the rest copied as UTF-8.
    @Test func theHashedTextOfAStringIsItsCanonicalJSON() {
        func canonical(_ text: String) -> String {
            var out: [UInt8] = []
            Canonical.string(text, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(canonical("") == #""""#)
        #expect(canonical("plain é") == #""plain é""#)
        #expect(canonical(#"[{"a":"b\c"}]"#) == #""[{\"a\":\"b\\c\"}]""#)
        #expect(canonical("tab\tnl\n\u{1}\u{1F}") == #""tab\u0009nl\u000a\u0001\u001f""#)
        #expect(canonical("\"") == #""\"""#)
    }

    @Test func everyWriteAndRefusalIsAnEntryNamingWhatItChanged() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try patients(t.store, 3)
        try t.store.auditRefusal(audit, error: "io.tmsd.Clinic.PermissionDenied", summary: "refused")
        let result = try t.store.verifyChain()
        #expect(result.broken == nil)
        #expect(result.entries == 4)
        #expect(result.intactThrough?.sequence == 4)
        #expect(try t.store.chainHead() == result.intactThrough)
        let changes = try t.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT changes FROM audit ORDER BY seq")
        }
        #expect(changes[0].hasPrefix(#"[{"id":1,"row":{"#))
        #expect(changes[0].contains(#""mrn":"MRN-1""#) && changes[0].hasSuffix(#""table":"patient"}]"#))
        #expect(changes[3] == "[]")  // a refusal changes nothing
    }

    /// Inside a savepoint (as a batch of calls committed together will run
    /// each call) the entry names the rows its call changed, and a call rolled
    /// back to its savepoint leaves nothing behind that the commit would refuse.
    @Test func changesInsideASavepointAreLoggedAndOnesRolledBackAreForgotten() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try patients(t.store, 2)
        try t.store.pool.write { db in
            let tracker = try #require(ChangeTracker.of(db))
            try db.inSavepoint {
                try db.execute(sql: "UPDATE patient SET given_name = 'Jo' WHERE id = 1")
                try ClinicStore.writeAudit(db, audit, patient: 1, summary: "patient 1 renamed")
                return .commit
            }
            let mark = tracker.mark
            try db.inSavepoint {
                try db.execute(sql: "UPDATE patient SET given_name = 'Lost' WHERE id = 2")
                return .rollback
            }
            tracker.rollBack(to: mark)
        }
        let last = try t.store.pool.read { db in try String.fetchOne(db, sql: "SELECT changes FROM audit ORDER BY seq DESC LIMIT 1") }
        #expect(last?.contains(#""given_name":"Jo""#) == true && last?.contains(#""table":"patient""#) == true)
        #expect(try t.store.verifyChain().broken == nil)
        #expect(try t.store.verifyRecords().differing == nil)
        #expect(try t.store.patients().sorted { $0.id < $1.id }.map(\.givenName) == ["Jo", "Jane"])
    }

    /// A refusal's summary quoting what a client sent: a NUL (which a C
    /// string read back would cut at) and an escape are stored escaped, and
    /// the entry's hash is of what was stored. (Found by FuzzTests.)
    @Test func aSummaryWithControlCharactersIsStoredEscapedAndVerifies() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try t.store.auditRefusal(audit, error: "io.tmsd.Clinic.InvalidDate", summary: "refused: from '\u{0}\u{1B}[2J' is not a date")
        #expect(try t.store.verifyChain().broken == nil)
        let summary = try t.store.pool.read { db in try String.fetchOne(db, sql: "SELECT summary FROM audit") }
        #expect(summary == #"refused: from '\u{0}\u{1B}[2J' is not a date"#)
    }

    @Test func anEditADeletionAReorderingAndAForgeryAreEachNamed() throws {
        for (sql, at, words) in [
            ("UPDATE audit SET user = 'mallory' WHERE seq = 2", 2, "was edited"),
            ("UPDATE audit SET changes = replace(changes, 'MRN-3', 'MRN-9') WHERE seq = 3", 3, "was edited"),
            ("DELETE FROM audit WHERE seq = 2", 2, "is missing: deleted"),
            ("UPDATE audit SET seq = -1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = -1",
             2, "does not follow entry 1"),
            ("INSERT INTO audit (at, uid, user, pid, method, summary) VALUES ('x', 0, 'root', 1, 'm', 'forged')", 5, "inserted"),
        ] {
            let t = try TemporaryStore()
            defer { t.remove() }
            try patients(t.store, 4)
            try tamper(t.store, sql)
            let result = try t.store.verifyChain()
            #expect(result.broken?.sequence == at, "\(sql)")
            #expect(result.broken?.reason.contains(words) == true, "\(sql): \(result.broken?.reason ?? "intact")")
        }
    }

    @Test func theAnchorCatchesTheNewestEntriesCutOffAndARewrittenPast() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try patients(t.store, 5)
        let head = try #require(try t.store.chainHead())
        #expect(try t.store.verifyChain(anchor: head).broken == nil)
        try tamper(t.store, "DELETE FROM audit WHERE seq >= 4")
        #expect(try t.store.verifyChain().broken == nil)  // what is left still chains
        let cut = try t.store.verifyChain(anchor: head)
        #expect(cut.broken?.sequence == 4)
        #expect(cut.broken?.reason.contains("newer entries were deleted") == true)
        let rewritten = try t.store.verifyChain(anchor: ChainHead(sequence: 2, hash: String(repeating: "0", count: 64)))
        #expect(rewritten.broken?.sequence == 2)
        #expect(ChainHead(head.description) == head)
        #expect(ChainHead("2:abc") == nil && ChainHead("x:" + head.hash) == nil && ChainHead(head.description.uppercased()) == nil)
    }

    @Test func aWriteThatLeavesNoEntryDoesNotCommit() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try patients(t.store, 1)
        #expect(throws: ChangeTracker.UnloggedChange.self) {
            try t.store.pool.write { db in try db.execute(sql: "UPDATE patient SET family_name = 'Roe'") }
        }
        let name = try t.store.pool.read { db in try String.fetchOne(db, sql: "SELECT family_name FROM patient") }
        #expect(name == "Doe")
        try patients(t.store, 1, from: 2)  // and the next write is its own entry, with nothing of the refused one
        #expect(try t.store.verifyChain().intactThrough?.sequence == 2)
    }

    @Test func entriesFromBeforeTheChainAreChainedInOrderOnFirstOpen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tmsd-chain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tmsd.sqlite").path
        // A database as the previous release left it, with audit rows of its own.
        let queue = try DatabaseQueue(path: path)
        try ClinicStore.migrator.migrate(queue, upTo: "2026-12-02 a day's bookings are read from their index alone")
        try queue.write { db in
            for n in 1...3 {
                try db.execute(
                    sql: "INSERT INTO audit (at, uid, user, pid, method, summary) VALUES (?, 1000, 'tech', 42, 'io.tmsd.Clinic.AddPatient', ?)",
                    arguments: ["2026-11-3\(n)T09:00:00Z", "patient \(n) registered"])
            }
        }
        try queue.close()
        let store = try ClinicStore(path: path)
        let result = try store.verifyChain()
        #expect(result.broken == nil)
        #expect(result.intactThrough?.sequence == 3)
        try patients(store, 1, from: 9)
        #expect(try store.verifyChain().intactThrough?.sequence == 4)
    }

    @Test func aRecordEditedInTheFileWithoutAnEntryIsFound() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        try patients(t.store, 3)
        let clean = try t.store.verifyRecords()
        #expect(clean.checked == 3 && clean.differing == nil)
        try tamper(t.store, "UPDATE patient SET family_name = 'Roe' WHERE id = 2")
        #expect(try t.store.verifyChain().broken == nil)  // the chain alone does not see it
        #expect(try t.store.verifyRecords().differing == .init(table: "patient", id: 2, sequence: 2))
        try tamper(t.store, "UPDATE patient SET family_name = 'Doe' WHERE id = 2; DELETE FROM patient WHERE id = 3")
        #expect(try t.store.verifyRecords().differing == .init(table: "patient", id: 3, sequence: 3))
    }
}
