import Foundation
import GRDB
import Testing
import TMSCore
@testable import TMSStore

/// Each test opens a real SQLite file in its own temporary directory,
/// through the real migrations.
struct TemporaryStore {
    let directory: URL
    let store: ClinicStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tmsd-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try ClinicStore(path: directory.appendingPathComponent("tmsd.sqlite").path)
    }

    func reopen() throws -> ClinicStore { try ClinicStore(path: store.path) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

@Suite struct ClinicStoreTests {
    let utc = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!)
    let t0 = Date(timeIntervalSince1970: 1_796_212_800)  // 2026-12-02T12:00:00Z, a Wednesday

    func audit(_ method: String, at: Date? = nil) -> AuditContext {
        AuditContext(uid: 1000, user: "tech", pid: 42, method: "io.tmsd.Clinic.\(method)", at: at ?? t0)
    }

    func course(_ store: ClinicStore, protocol id: String = "10hz-ldlpfc", calendar: ClinicCalendar? = nil) throws -> CourseRecord {
        let patient = try store.addPatient(
            NewPatient(mrn: "MRN-\(UUID().uuidString.prefix(8))", familyName: "Doe", givenName: "Jane", birthDate: CivilDate("1980-02-03")!),
            audit: audit("AddPatient"))
        let treatment = ProtocolLibrary.find(id)!
        let start = CivilDate("2026-12-02")!
        let course = try store.createCourse(
            NewCourse(patientId: patient.id, treatment: treatment, startDate: start, sessionTime: LocalTime("09:00")!,
                      prescriber: "Dr. A", target: TargetSite(method: .beamF3, label: "left DLPFC"),
                      dose: PrescribedDose(protocol: treatment)),
            clinic: policy(calendar ?? utc), timeZone: "UTC", audit: audit("CreateCourse"))
        // A clear screen (no questions asked here), so sessions may be delivered.
        _ = try store.recordScreen(courseId: course.id, date: start, answers: [:], questions: [], audit: audit("RecordScreen"))
        return course
    }

    /// The standard clinic: one chair with every coil, 08:00-18:00 on the calendar's days.
    func policy(_ calendar: ClinicCalendar) -> BookingPolicy {
        BookingPolicy(calendar: calendar, resources: .standard(days: calendar.clinicDays))
    }

    let selection = FactSelection(holdKinds: ["seizure"], recheckDrugs: ["lithium"])

    /// The gate's hard stops, at `session`'s booked time: the store's tests
    /// are of the store (the gate has its own), so the rules a clinician may
    /// override are left out.
    func hardStops(_ act: TreatmentAct, _ facts: TreatmentFacts, at now: Date) throws -> [AcceptedFinding] {
        let gate = TreatmentGate(policy: GatePolicy(), calendar: utc, now: now)
        return try TreatmentGate.decide(gate.findings(act, facts).filter(\.rule.isHardStop), overrides: [:], reason: nil, clinician: false)
    }

    /// Completes `session` as the daemon does, at its booked time.
    @discardableResult
    func complete(_ store: ClinicStore, _ session: SessionRecord, _ d: Delivery) throws -> (SessionRecord, CourseProgress) {
        let r = try store.completeSession(
            id: session.id, today: session.date, selection, audit: audit("CompleteSession", at: session.scheduledAt)
        ) { facts in (d, try self.hardStops(.complete(d), facts, at: session.scheduledAt)) }
        return (r.session, r.progress)
    }

    @discardableResult
    func start(_ store: ClinicStore, _ session: SessionRecord) throws -> SessionRecord {
        try store.startSession(id: session.id, today: session.date, selection, audit: audit("StartSession", at: session.scheduledAt)) {
            facts in _ = try self.hardStops(.start, facts, at: session.scheduledAt)
        }
    }

    func delivery(pulses: Int = 3000, mt: Double = 55) -> Delivery {
        Delivery(motorThreshold: mt, intensityPercentMT: 120, frequencyHz: 10, pulsesPerTrain: 40, trainDurationSeconds: 4,
                 interTrainIntervalSeconds: 26, trains: 75, pulsesDelivered: pulses, coil: "figure-8", target: "left DLPFC")
    }

    /// The schema's last line of defence: no write, however it is made, puts
    /// one patient in two live sessions at once; another patient may be.
    @Test func theSchemaRefusesAPatientInTwoSessionsAtOnce() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let first = try course(t.store)
        let treatment = ProtocolLibrary.find("10hz-ldlpfc")!
        let second = try t.store.createCourse(
            NewCourse(patientId: first.patientId, treatment: treatment, startDate: CivilDate("2026-12-02")!, sessionTime: LocalTime("09:00")!,
                      prescriber: "Dr. A", target: TargetSite(method: .beamF3, label: "left DLPFC"), dose: PrescribedDose(protocol: treatment)),
            clinic: BookingPolicy(calendar: utc, resources: .standard(days: utc.clinicDays)), timeZone: "UTC", audit: audit("CreateCourse"))
        let other = try course(t.store)
        let a = try t.store.courseDetail(id: first.id).sessions[0]
        let b = try t.store.courseDetail(id: second.id).sessions[0]
        let c = try t.store.courseDetail(id: other.id).sessions[0]
        let onTopOfA = "UPDATE session SET scheduled_date = ?, start_minute = ?, chair = 'chair-z' WHERE id = ?"
        #expect(throws: DatabaseError.self) {
            try t.store.pool.write { db in try db.execute(sql: onTopOfA, arguments: [a.date.description, a.time.minutes, b.id]) }
        }
        #expect(try t.store.courseDetail(id: second.id).sessions[0] == b)
        // Another patient at the same time, on another chair, is the booker's business, not the schema's.
        try t.store.pool.write { db in
            try db.execute(sql: onTopOfA, arguments: [a.date.description, a.time.minutes, c.id])
            try ClinicStore.writeAudit(db, audit("RescheduleSession"), summary: "moved by the test")
        }
    }

    @Test func opensWithFullSynchronousWALAndMigrations() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        #expect(try t.store.synchronousMode() == 2)  // FULL, not GRDB's NORMAL
        #expect(try t.store.appliedMigrations() == [
            "2026-11-30 patients, courses, sessions, audit", "2026-11-30 chairs and slots", "2026-11-30 pauses and chair outages",
            "2026-11-30 outcomes and alerts", "2026-11-30 motor thresholds and adverse events",
            "2026-11-30 safety screens", "2026-11-30 medications",
            "2026-11-30 treatment trials", "2026-11-30 payer authorizations", "2026-11-30 indexes for the daily report",
            "2026-12-02 refusals name their error", "2026-12-02 the treatment gate", "2026-12-02 a patient is in one session at a time",
            "2026-12-02 a patient's bookings are found through the patient's courses",
            "2026-12-02 a day's bookings are read from their index alone", "2026-12-02 the audit trail is a hash chain",
            "2026-12-03 a course's baseline found from its own index",
            "2026-12-03 the front desk: patients found, corrected, made inactive, and reached", "2026-12-03 no-shows",
            "2026-12-03 the path before a course",
        ])
        // Reopening runs no migration twice and keeps FULL.
        let again = try t.reopen()
        #expect(try again.synchronousMode() == 2)
        #expect(FileManager.default.fileExists(atPath: t.store.path + "-wal"))
    }

    @Test func duplicateMRNIsRefusedAndChangesNothing() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let new = NewPatient(mrn: "M-1", familyName: "Doe", givenName: "Jane", birthDate: CivilDate("1980-02-03")!)
        let first = try t.store.addPatient(new, audit: audit("AddPatient"))
        #expect(throws: ClinicError.duplicateMRN(existing: first.id)) { try t.store.addPatient(new, audit: self.audit("AddPatient")) }
        #expect(try t.store.patients().count == 1)
        #expect(try t.store.audit().count == 1)  // the refusal wrote no audit row
    }

    @Test func aCourseBooksItsCalendarAndAuditsIt() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let (stored, progress, sessions, _) = try t.store.courseDetail(id: c.id)
        #expect(stored.totalSessions == 36 && sessions.count == 36)
        #expect(sessions.map(\.number) == Array(1...36))
        #expect(progress.remaining == 36 && progress.done == 0 && progress.next?.number == 1)
        #expect(stored.phases == ProtocolLibrary.find("10hz-ldlpfc")!.phases)
        let entries = try t.store.audit(courseId: c.id)
        #expect(entries.map(\.method) == ["io.tmsd.Clinic.RecordScreen", "io.tmsd.Clinic.CreateCourse"] && entries[1].user == "tech")
        #expect(try t.store.sessions(on: CivilDate("2026-12-02")!).first?.patientName == "Doe, Jane")
    }

    @Test func completingTwiceAndUnsafeDosesAreRefused() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let first = try t.store.courseDetail(id: c.id).sessions[0]
        #expect(throws: ClinicError(.intensityAboveMachineOutput, "")) { try self.complete(t.store, first, self.delivery(mt: 90)) }
        #expect(try t.store.session(id: first.id).status == .scheduled)  // the refusal changed nothing
        let (done, progress) = try complete(t.store, first, delivery())
        #expect(done.status == .completed && done.delivery?.pulsesDelivered == 3000 && progress.done == 1)
        #expect(done == (try t.store.session(id: first.id)), "the reply is the session as stored")
        #expect(done.serviceDate == first.date)
        #expect(throws: ClinicError(.sessionAlreadyFinished, "")) { try self.complete(t.store, first, self.delivery()) }
        #expect(throws: ClinicError(.sessionAlreadyFinished, "")) {
            try t.store.endShort(id: first.id, .aborted(pulsesDelivered: 10, reason: "x"), clinic: self.policy(self.utc),
                                 today: CivilDate("2026-12-02")!, audit: self.audit("AbortSession"))
        }
        #expect(throws: ClinicError(.sessionNotFound, "")) {
            try t.store.startSession(id: 9999, today: CivilDate("2026-12-02")!, self.selection, audit: self.audit("StartSession")) { _ in }
        }
    }

    @Test func aMissedSessionIsRebookedAndTheCourseKeepsItsCount() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let sessions = try t.store.courseDetail(id: c.id).sessions
        let missed = sessions[1]  // Thursday 2026-12-03
        let result = try t.store.endShort(
            id: missed.id, .missed(reason: "unwell"), clinic: policy(utc), today: CivilDate("2026-12-03")!, audit: audit("MissSession"))
        #expect(result.session.status == .missed && result.session.replacedBy == result.replacement.id)
        #expect(result.replacement.date == CivilDate("2026-12-04"))  // next clinic day, a Friday
        #expect(result.replacement.number == 2 && result.replacement.replaces == missed.id)
        let after = try t.store.courseDetail(id: c.id)
        let counting = after.sessions.filter { $0.status != .missed }
        #expect(counting.count == 36 && after.progress.remaining == 36 && after.progress.missed == 1)
        #expect(counting.map(\.number) == Array(1...36))
        #expect(Set(counting.map(\.date)).count == 36)  // one a day
        #expect(counting.filter { $0.phase == "taper 1" }.count == 3)
        #expect(counting.filter { $0.phase == "taper 2" }.count == 2)
        #expect(counting.filter { $0.phase == "taper 3" }.count == 1)
        #expect(counting.allSatisfy { utc.isClinicDay($0.date) })
        #expect(try t.store.audit(courseId: c.id).first?.method == "io.tmsd.Clinic.MissSession")
    }

    @Test func anAbortedSessionKeepsItsPulsesAndIsRebooked() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let first = try t.store.courseDetail(id: c.id).sessions[0]
        #expect(throws: ClinicError(.pulsesAbovePrescription, "")) {
            try t.store.endShort(id: first.id, .aborted(pulsesDelivered: 3001, reason: "x"), clinic: self.policy(self.utc),
                                 today: CivilDate("2026-12-02")!, audit: self.audit("AbortSession"))
        }
        let result = try t.store.endShort(
            id: first.id, .aborted(pulsesDelivered: 1200, reason: "headache"), clinic: policy(utc),
            today: CivilDate("2026-12-02")!, audit: audit("AbortSession"))
        #expect(result.session.status == .aborted && result.session.pulsesDelivered == 1200)
        #expect(result.progress.aborted == 1 && result.progress.remaining == 36)
    }

    @Test func aCancelledCourseRefusesSessionChanges() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let first = try t.store.courseDetail(id: c.id).sessions[0]
        _ = try t.store.cancelCourse(id: c.id, reason: "patient moved", audit: audit("CancelCourse"))
        #expect(throws: ClinicError(.courseNotActive, "")) { try self.start(t.store, first) }
        #expect(throws: ClinicError(.courseNotActive, "")) {
            try t.store.cancelCourse(id: c.id, reason: "again", audit: self.audit("CancelCourse"))
        }
        #expect(try t.store.progress(courseId: c.id).remaining == 0)
    }

    @Test func theLastSessionCompletesTheCourse() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store, protocol: "accelerated-itbs")
        var delivery = self.delivery(pulses: 1800)
        delivery.intensityPercentMT = 90
        delivery.pulsesPerTrain = 30
        delivery.trains = 60
        var last: CourseProgress?
        for (i, session) in try t.store.courseDetail(id: c.id).sessions.enumerated() {
            if i % 2 == 0 { try start(t.store, session) }
            let (done, progress) = try complete(t.store, try t.store.session(id: session.id), delivery)
            #expect(done == (try t.store.session(id: session.id)))
            last = progress
        }
        let (stored, progress, _, _) = try t.store.courseDetail(id: c.id)
        #expect(stored.status == .completed && progress.done == 50 && progress.remaining == 0)
        #expect(last == progress, "the last reply's progress is the completed course's")
    }

    @Test func recordsSurviveReopening() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let c = try course(t.store)
        let first = try t.store.courseDetail(id: c.id).sessions[0]
        try complete(t.store, first, delivery())
        let reopened = try t.reopen()
        #expect(try reopened.session(id: first.id).delivery?.motorThreshold == 55)
        #expect(try reopened.audit().count == 4)
    }
}

/// A set of names sent to SQLite's json_each comes back as it was, whatever
/// characters the clinic's data gives them.
@Test func jsonArrayArgumentsRoundTripThroughSQLite() throws {
    let names: Set<String> = ["lithium", "say \"no\"", "back\\slash", "new\nline", "tab\there", "\u{1}", "café"]
    let queue = try DatabaseQueue()
    let back = try queue.read { db in
        try String.fetchAll(db, sql: "SELECT value FROM json_each(?)", arguments: [ClinicStore.jsonArray(names)])
    }
    #expect(Set(back) == names)
    #expect(ClinicStore.jsonArray(Set([3, 1, 2])) == "[1,2,3]")
}
