import Foundation
import GRDB
import Synchronization
import Testing
import TMSCore
@testable import TMSStore

/// A thread with a read connection of its own (an event loop's) reads while
/// every reader of the pool is held, as long reports may hold them.
@Suite struct OwnReaderTests {
    let audit = AuditContext(uid: 1000, user: "tech", pid: 42, method: "io.tmsd.Clinic.AddPatient",
                             at: Date(timeIntervalSince1970: 1_796_212_800))

    @Test func aReadOnItsOwnConnectionDoesNotWaitForThePoolsReaders() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let store = t.store
        let added = try store.addPatient(
            NewPatient(mrn: "MRN-1", familyName: "Doe", givenName: "Jane", birthDate: CivilDate("1980-02-03")!), audit: audit)

        // Every reader of the pool taken, and held until the end of the test.
        let readers = store.pool.configuration.maximumReaderCount
        let release = DispatchSemaphore(value: 0), taken = DispatchSemaphore(value: 0)
        for _ in 0..<readers {
            Thread {
                _ = try? store.pool.read { _ in
                    taken.signal()
                    release.wait()
                }
            }.start()
        }
        for _ in 0..<readers { taken.wait() }
        defer { for _ in 0..<readers { release.signal() } }

        // On a thread of its own, as an event loop: its read returns, and sees the record.
        let done = DispatchSemaphore(value: 0)
        let found = Mutex<String?>(nil)
        Thread {
            defer { done.signal() }
            try? store.useOwnReadConnection()
            found.withLock { $0 = try? store.patient(id: added.id).mrn }
        }.start()
        #expect(done.wait(timeout: .now() + 10) == .success, "the read waited for the pool's readers")
        #expect(found.withLock { $0 } == "MRN-1")

        // A thread without one waits for the pool, as before.
        let waited = DispatchSemaphore(value: 0)
        Thread {
            do { _ = try store.patient(id: added.id) } catch { print("pool read failed: \(error)") }
            waited.signal()
        }.start()
        #expect(waited.wait(timeout: .now() + 0.3) == .timedOut)
    }
}
