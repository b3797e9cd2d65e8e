import Testing
import TMSCore
@testable import TMSInterface
@testable import Varlink

/// The replies that write their own JSON (`JSONWritable`) write what their
/// Codable conformance says: the same members, the same values, nil
/// optionals left out below the top level; and the text decodes back to the
/// value. One sample has every optional set, one has none.
@Suite struct WritersAgreeTests {
    static let delivery = Clinic.Delivery(TMSCore.Delivery(
        motorThreshold: 55, intensityPercentMT: 120, frequencyHz: 10, pulsesPerTrain: 40, trainDurationSeconds: 4,
        interTrainIntervalSeconds: 11, trains: 75, pulsesDelivered: 3000, coil: "figure-8", target: "L-DLPFC",
        notes: "tolerated \"well\"\n\u{1B}[2J \\ done"))

    static func session(full: Bool) -> Clinic.Session {
        Clinic.Session(
            id: 41, courseId: 7, patientId: -3, number: 12, total: 36, phase: "acute", date: CivilDate("2027-01-04")!,
            time: LocalTime("09:30")!, scheduledAt: "2027-01-04T14:30:00Z", status: full ? .completed : .scheduled,
            startedAt: full ? "2027-01-04T14:31:02.125Z" : nil, finishedAt: full ? "2027-01-04T15:08:59.5Z" : nil,
            delivery: full ? delivery : nil, pulsesDelivered: full ? 3000 : nil, reason: full ? "late ✓" : nil,
            replaces: full ? 40 : nil, replacedBy: full ? 1_234_567_890_123 : nil, chair: full ? "chair-1" : nil,
            minutes: full ? 45 : nil, medications: full ? "sertraline 100 mg" : nil)
    }

    static let output = Clinic.ListSessions.Output(date: CivilDate("2027-01-04")!, sessions: [
        Clinic.DaySession(session: session(full: true), patientName: "O'Brien, Ann", protocolId: "10hz-ldlpfc"),
        Clinic.DaySession(session: session(full: false), patientName: "Łukasz, Zoë", protocolId: "itbs"),
    ])

    /// What `value`'s writer gives, and what its Codable conformance gives, as trees.
    static func both<T: JSONWritable>(_ value: T) throws -> (written: JSON, codable: JSON, bytes: [UInt8]) {
        let bytes = try VarlinkEncoder().encodeObjectBytes(value)
        return (try JSON(parsing: bytes), .object(try VarlinkEncoder().encodeObject(value)), bytes)
    }

    @Test func theDayListWritesWhatItsCodableFormSays() throws {
        let (written, codable, _) = try Self.both(Self.output)
        #expect(written == codable)
        #expect(try VarlinkDecoder().decode(Clinic.ListSessions.Output.self, from: written).sessions == Self.output.sessions)
    }

    @Test(arguments: [true, false])
    func aSessionWritesWhatItsCodableFormSays(full: Bool) throws {
        let session = Self.session(full: full)
        let (written, codable, _) = try Self.both(session)
        #expect(written == codable)
        #expect(try VarlinkDecoder().decode(Clinic.Session.self, from: written) == session)
        let day = Clinic.DaySession(session: session, patientName: "A, B", protocolId: "p")
        let (dayWritten, dayCodable, _) = try Self.both(day)
        #expect(dayWritten == dayCodable)
    }

    @Test(arguments: [true, false])
    func aCompletedSessionsReplyWritesWhatItsCodableFormSays(full: Bool) throws {
        let progress = Clinic.Progress(
            total: 36, done: 12, missed: 1, aborted: 0, remaining: 23, nextSessionId: full ? 42 : nil,
            nextDate: full ? CivilDate("2027-01-05")! : nil, nextTime: full ? LocalTime("09:30")! : nil)
        let findings = full
            ? [Clinic.Finding(rule: "dose-limit", severity: .override, message: "over \"the\" limit", sessionId: 41,
                              reason: "tolerated ✓", recordedBy: "dr", at: "2027-01-04T14:31:02Z"),
               Clinic.Finding(rule: "mt-recheck", severity: .warn, message: "due")]
            : []
        let reply = Clinic.CompleteSession.Output(session: Self.session(full: full), progress: progress, findings: findings)
        let (written, codable, _) = try Self.both(reply)
        #expect(written == codable)
        let decoded = try VarlinkDecoder().decode(Clinic.CompleteSession.Output.self, from: written)
        #expect(decoded.progress == progress && decoded.findings == findings && decoded.session == reply.session)
    }

    @Test(arguments: [true, false])
    func aScoresReplyWritesWhatItsCodableFormSays(full: Bool) throws {
        let outcome = Clinic.Outcome(
            id: 9, courseId: 7, scale: "phq9", timepoint: .weekly, date: CivilDate("2027-01-08")!, total: 14,
            items: full ? [0, 3, 2, 1, 0, 2, 3, 1, 2] : nil, recordedBy: "tech \"a\" ✓")
        let alert = Clinic.Alert(
            id: 3, courseId: 7, patientId: 12, kind: "phq9-item-9", detail: "PHQ-9 item 9 scored 2 on 2027-01-08",
            createdAt: "2027-01-08T14:00:00Z", acknowledgedAt: full ? "2027-01-08T15:00:00Z" : nil,
            acknowledgedBy: full ? "dr" : nil, note: full ? "seen\nsafe" : nil)
        let reply = Clinic.RecordOutcome.Output(outcome: outcome, alert: full ? alert : nil)
        let (written, codable, _) = try Self.both(reply)
        #expect(written == codable)
        let decoded = try VarlinkDecoder().decode(Clinic.RecordOutcome.Output.self, from: written)
        #expect(decoded.outcome == outcome && decoded.alert == reply.alert)
        let (alertWritten, alertCodable, _) = try Self.both(alert)
        #expect(alertWritten == alertCodable)
    }

    @Test(arguments: [true, false])
    func aNewPatientsReplyWritesWhatItsCodableFormSays(active: Bool) throws {
        let patient = Clinic.Patient(
            id: 5, mrn: "MRN-00\u{7F}5", familyName: "O'Brien-Łukasz", givenName: "Zoë", birthDate: CivilDate("1961-02-28")!,
            createdAt: "2027-01-04T14:30:00Z", active: active)
        let reply = Clinic.AddPatient.Output(patient: patient)
        let (written, codable, _) = try Self.both(reply)
        #expect(written == codable)
        #expect(try VarlinkDecoder().decode(Clinic.AddPatient.Output.self, from: written).patient == patient)
    }

    @Test func aDeliveryWritesWhatItsCodableFormSays() throws {
        let (written, codable, _) = try Self.both(Self.delivery)
        #expect(written == codable)
        #expect(try VarlinkDecoder().decode(Clinic.Delivery.self, from: written) == Self.delivery)
    }

    /// At the top level a nil optional is null, as `encodeObject` has it; below it, left out.
    @Test func aTopLevelNilIsNullAndANestedOneIsLeftOut() throws {
        let (_, _, bytes) = try Self.both(Self.session(full: false))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""startedAt":null"#))
        let (_, _, listBytes) = try Self.both(Self.output)
        let list = String(decoding: listBytes, as: UTF8.self)
        #expect(!list.contains("null"))
        #expect(list.contains(#"\"well\"\n\u001b[2J \\ done"#))
    }

    @Test(arguments: [0, 7, 9, 10, -1, -10, 1_000_000, Int.max, Int.min])
    func integersAreWrittenAsTheirDigits(_ value: Int) {
        var out: [UInt8] = []
        JSON.writeInt(value, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }
}
