import Foundation
import GRDB
import Synchronization
import Testing
import TMSCore
@_spi(Benchmark) @testable import TMSStore

/// Writes that arrive together commit together, and one that fails fails alone.
@Suite struct GroupCommitTests {
    let audit = AuditContext(uid: 1000, user: "tech", pid: 42, method: "io.tmsd.Clinic.AddPatient",
                             at: Date(timeIntervalSince1970: 1_796_212_800))

    func patient(_ mrn: String) -> NewPatient {
        NewPatient(mrn: mrn, familyName: "Doe", givenName: "Jane", birthDate: CivilDate("1980-02-03")!)
    }

    @Test func callsQueuedBehindABatchCommitAsOneAndAFailureIsRolledBackAlone() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let store = t.store
        let existing = try store.addPatient(patient("MRN-0"), audit: audit)
        let before = store.batchSizes
        // A write that holds the writer until four more calls wait behind it.
        let running = DispatchSemaphore(value: 0)
        let held = Thread {
            _ = try? store.write { db in
                running.signal()
                while store.committer.waiting < 4 { usleep(1000) }
                try db.execute(sql: "UPDATE patient SET given_name = 'Held' WHERE id = ?", arguments: [existing.id])
                try ClinicStore.writeAudit(db, audit, patient: existing.id, summary: "held")
            }
        }
        held.start()
        running.wait()  // its batch of one is under way: what comes now queues behind it
        let outcomes = Mutex<[String: String]>([:])
        let group = DispatchGroup()
        for mrn in ["MRN-1", "MRN-2", "MRN-0", "MRN-3"] {  // MRN-0 is taken: that one fails
            group.enter()
            Thread {
                defer { group.leave() }
                let outcome: String
                do {
                    outcome = "patient \(try store.addPatient(patient(mrn), audit: audit).id)"
                } catch {
                    outcome = "\(error)"
                }
                outcomes.withLock { $0[mrn] = outcome }
            }.start()
        }
        group.wait()
        let result = outcomes.withLock { $0 }
        #expect(result["MRN-0"] == "\(ClinicError.duplicateMRN(existing: existing.id))")
        for mrn in ["MRN-1", "MRN-2", "MRN-3"] { #expect(result[mrn]?.hasPrefix("patient ") == true, "\(mrn): \(result[mrn] ?? "")") }
        // The held write was a batch of one; the four behind it, one batch of four.
        var added = store.batchSizes
        for (size, count) in before { added[size, default: 0] -= count }
        #expect(added.filter { $0.value != 0 } == [1: 1, 4: 1])
        #expect(try store.patients().map(\.mrn).sorted() == ["MRN-0", "MRN-1", "MRN-2", "MRN-3"])
        #expect(try store.patients().first { $0.id == existing.id }?.givenName == "Held")
        // Every acknowledged write has its entry, in one chain; the failed call left none.
        #expect(try store.verifyChain().broken == nil)
        #expect(try store.verifyChain().entries == 5)
        #expect(try store.verifyRecords().differing == nil)
        // And it is all on disk: a fresh connection reads it.
        #expect(try t.reopen().patients().count == 4)
    }

    /// Writers whose calls returned together come back together: the next
    /// leader waits for them rather than committing alone (without the
    /// window, batches of one and of the rest alternate: about half the
    /// batches are of one).
    @Test func writersThatReturnTogetherCommitTogetherAgain() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let store = t.store
        let before = store.batchSizes
        let group = DispatchGroup()
        let failures = Mutex(0)
        for w in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                for n in 0..<40 {
                    do { _ = try store.addPatient(patient("MRN-\(w)-\(n)"), audit: audit) } catch { failures.withLock { $0 += 1 } }
                }
            }.start()
        }
        group.wait()
        #expect(failures.withLock { $0 } == 0)
        var added = store.batchSizes
        for (size, count) in before { added[size, default: 0] -= count }
        let batches = added.values.reduce(0, +), writes = added.reduce(0) { $0 + $1.key * $1.value }
        #expect(writes == 320)
        #expect(added[1, default: 0] * 4 < batches, "batches of one: \(added[1, default: 0]) of \(batches) (\(added))")
        #expect(try store.verifyChain().entries == 320)
    }

    /// A lone writer never waits for company: after a batch of several, one
    /// leader waits for the others and its window runs out; the writes after
    /// it are batches of one that do not wait.
    @Test func aLoneWriterAfterABatchOfSeveralWaitsOnceAtMost() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let store = t.store
        // A batch of two: the two writes queued behind one that is held until they have.
        let running = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        group.enter()
        Thread {
            defer { group.leave() }
            _ = try? store.write { db in
                running.signal()
                while store.committer.waiting < 2 { usleep(1000) }
                try ClinicStore.writeAudit(db, audit, summary: "held")
            }
        }.start()
        running.wait()
        for mrn in ["MRN-A", "MRN-B"] {
            group.enter()
            Thread {
                defer { group.leave() }
                _ = try? store.addPatient(patient(mrn), audit: audit)
            }.start()
        }
        group.wait()
        #expect(store.batchSizes[2] == 1)
        #expect(try store.patients().count == 2)
        let before = store.batchingWindows
        for n in 0..<20 { _ = try store.addPatient(patient("MRN-\(n)"), audit: audit) }
        let after = store.batchingWindows
        #expect(after.waited - before.waited == 1)
        #expect(after.ranOut - before.ranOut == 1)
        #expect(store.batchSizes[1, default: 0] >= 20)
    }

    /// A batch of one runs without a savepoint: when its call fails, the
    /// whole transaction is rolled back, rows and change-log entry alike.
    @Test func aCallThatFailsAloneLeavesNothingAndTheNextWriteCommits() throws {
        struct Refused: Error {}
        let t = try TemporaryStore()
        defer { t.remove() }
        let store = t.store
        let first = try store.addPatient(patient("MRN-1"), audit: audit)
        #expect(throws: Refused.self) {
            try store.write { db in
                try db.execute(sql: "UPDATE patient SET given_name = 'Changed' WHERE id = ?", arguments: [first.id])
                try ClinicStore.writeAudit(db, audit, patient: first.id, summary: "changed")
                throw Refused()
            }
        }
        #expect(try store.patient(id: first.id).givenName == "Jane")
        #expect(try store.verifyChain().entries == 1)
        _ = try store.addPatient(patient("MRN-2"), audit: audit)
        #expect(try store.patients().map(\.mrn) == ["MRN-1", "MRN-2"].sorted())
        #expect(try store.verifyChain().entries == 2)
        #expect(try store.verifyRecords().differing == nil)
    }
}
