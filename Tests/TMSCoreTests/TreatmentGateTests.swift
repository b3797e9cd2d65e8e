import Foundation
import Testing
@testable import TMSCore

/// The treatment gate: every rule that allows or refuses a treatment, as a
/// pure function of a course's facts, the clinic's policy and the time.
@Suite struct TreatmentGateTests {
    let utc = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!)
    let tenHz = ProtocolLibrary.find("10hz-ldlpfc")!
    func d(_ s: String) -> CivilDate { CivilDate(s)! }
    func at(_ s: String) -> Date {
        let parts = s.split(separator: " ")
        return utc.instant(on: d(String(parts[0])), at: LocalTime(parts[1])!)
    }

    var policy: GatePolicy {
        var p = GatePolicy()
        p.trainLimits = [TrainLimit(coil: "figure-8", frequencyHz: 10, upToPercentMT: 120, seconds: 4.2),
                         TrainLimit(coil: "figure-8", frequencyHz: 10, upToPercentMT: 130, seconds: 4.2)]
        p.tolerances = [.deviationMotorThreshold: 0.5]
        return p
    }

    func gate(_ now: String, _ policy: GatePolicy? = nil) -> TreatmentGate {
        TreatmentGate(policy: policy ?? self.policy, calendar: utc, now: at(now))
    }

    /// A clear screen, an MT of 55 measured that morning, session on 2026-12-09.
    func facts(session date: String = "2026-12-09", measured: String = "2026-12-09 08:00") -> TreatmentFacts {
        var f = TreatmentFacts(
            course: 7, status: .active,
            prescription: .init(dose: PrescribedDose(protocol: tenHz), coil: "figure-8", target: "left DLPFC", sessionsPerDay: 1),
            session: .init(id: 70, date: d(date), status: .scheduled, startedAt: nil))
        f.screens = [ScreenFacts(id: 1, date: d("2026-12-01"), at: at("2026-12-01 08:00"), findings: [:], signedOffAt: nil)]
        f.thresholds = [ThresholdReading(value: 55, at: at(measured), date: d(String(measured.prefix(10))))]
        return f
    }

    func prescribed(mt: Double = 55) -> Delivery {
        Delivery(motorThreshold: mt, intensityPercentMT: 120, frequencyHz: 10, pulsesPerTrain: 40, trainDurationSeconds: 4,
                 interTrainIntervalSeconds: 26, trains: 75, pulsesDelivered: 3000, coil: "figure-8", target: "left DLPFC")
    }

    @Test func aSessionAsPrescribedPasses() throws {
        #expect(gate("2026-12-09 09:00").findings(.complete(prescribed()), facts()) == [])
        #expect(gate("2026-12-09 09:00").findings(.start, facts()) == [])
    }

    // MARK: hole 1

    @Test func hole01_aClearRescreenDoesNotEraseAnAbsoluteFinding() throws {
        var f = facts()
        f.screens = [
            ScreenFacts(id: 1, date: d("2026-12-01"), at: at("2026-12-01 08:00"), findings: ["metal-in-head": .absolute], signedOffAt: nil),
            ScreenFacts(id: 2, date: d("2026-12-02"), at: at("2026-12-02 08:00"), findings: [:], signedOffAt: nil),
        ]
        let refused = try #require(gate("2026-12-09 09:00").findings(.start, f).first)
        #expect(refused.rule == .screen && refused.severity == .refuse && refused.error.code == .screenRequired)
        #expect(refused.message.contains("metal-in-head (screen 1, 2026-12-01)"))
        // A clinician's clearance, with a reason, lifts it; a later yes brings it back.
        f.clearances = [ScreenClearance(question: "metal-in-head", at: at("2026-12-03 10:00"), by: "dr-a", reason: "removed; CT")]
        #expect(gate("2026-12-09 09:00").findings(.start, f) == [])
        f.screens.append(ScreenFacts(id: 3, date: d("2026-12-04"), at: at("2026-12-04 08:00"), findings: ["metal-in-head": .absolute], signedOffAt: nil))
        #expect(gate("2026-12-09 09:00").findings(.start, f).first?.rule == .screen)
    }

    @Test func aRelativeFindingNeedsASignOffThatOutlastsLaterRescreens() {
        var f = facts()
        f.screens = [ScreenFacts(id: 1, date: d("2026-12-01"), at: at("2026-12-01 08:00"), findings: ["pregnancy": .relative], signedOffAt: nil)]
        #expect(gate("2026-12-09 09:00").findings(.start, f).first?.error.parameters.first { $0.0 == "state" }?.1 == .string("relative"))
        f.screens[0].signedOffAt = at("2026-12-01 09:00")
        f.screens.append(ScreenFacts(id: 2, date: d("2026-12-02"), at: at("2026-12-02 08:00"), findings: [:], signedOffAt: nil))
        #expect(gate("2026-12-09 09:00").findings(.start, f) == [])
        // No screen at all is refused too.
        f.screens = []
        #expect(gate("2026-12-09 09:00").findings(.start, f).first?.rule == .screen)
    }

    // MARK: holes 2 and 3

    @Test func hole02_aHoldLiftsOnlyAfterAThresholdMeasuredSinceTheSeizure() {
        var f = facts(measured: "2026-12-09 08:00")
        f.status = .onHold
        f.heldAt = at("2026-12-09 09:30")
        let refused = gate("2026-12-09 12:00").findings(.resume, f)
        #expect(refused.map(\.rule) == [.holdThreshold] && refused[0].error.code == .thresholdRequired)
        f.thresholds.append(ThresholdReading(value: 58, at: at("2026-12-09 11:00"), date: d("2026-12-09")))
        #expect(gate("2026-12-09 12:00").findings(.resume, f) == [])
    }

    @Test func hole03_aDrugChangedAfterTheSameDaysMeasurementMakesTheRecheckDue() throws {
        var f = facts(measured: "2026-12-09 08:00")
        f.changes = [(drug: "lithium", at: at("2026-12-09 08:30"))]
        let found = gate("2026-12-09 09:00").findings(.complete(prescribed()), f)
        let recheck = try #require(found.first { $0.rule == .mtRecheck })
        #expect(recheck.severity == .override && recheck.error.code == .recheckDue)
        #expect(throws: ClinicError(.recheckDue, "")) {
            try TreatmentGate.decide(found, overrides: [:], reason: nil, clinician: true)
        }
    }

    // MARK: holes 4, 5 and 6

    @Test func hole04_eachDeviationFromThePrescriptionIsANamedFinding() throws {
        var given = prescribed(mt: 70)
        given.intensityPercentMT = 130
        given.frequencyHz = 15
        given.coil = "H1"
        given.target = "right DLPFC"
        var p = policy
        p.trainLimits += [TrainLimit(coil: "H1", frequencyHz: 15, upToPercentMT: 130, seconds: 4)]
        let found = gate("2026-12-09 09:00", p).findings(.complete(given), facts())
        let rules = Set(found.map(\.rule))
        #expect(rules.isSuperset(of: [.deviationIntensity, .deviationFrequency, .deviationCoil, .deviationTarget, .deviationMotorThreshold]))
        let intensity = try #require(found.first { $0.rule == .deviationIntensity })
        #expect(intensity.message == "intensity 130% MT delivered, 120% MT prescribed" && intensity.severity == .override)
        #expect(intensity.error.code == .deviationFromPrescription)
        #expect(found.first { $0.rule == .deviationMotorThreshold }?.message == "a motor threshold of 70% of output used, 55% measured on 2026-12-09")
        // The clinical data may make a deviation a warning only, or a refusal; within its tolerance it is no finding.
        p.severities = [.deviationTarget: .warn, .deviationCoil: .refuse]
        let weighed = gate("2026-12-09 09:00", p).findings(.complete(given), facts())
        #expect(weighed.first { $0.rule == .deviationTarget }?.severity == .warn)
        #expect(weighed.first { $0.rule == .deviationCoil }?.severity == .refuse)
        #expect(!gate("2026-12-09 09:00").findings(.complete(prescribed(mt: 55.4)), facts()).contains { $0.rule == .deviationMotorThreshold })
    }

    @Test func hole05_aFrequencyTheTableDoesNotKnowNeedsAnOverride() throws {
        var given = prescribed()
        given.frequencyHz = 15
        let found = gate("2026-12-09 09:00").findings(.complete(given), facts())
        let unknown = try #require(found.first { $0.rule == .doseLimitUnknown })
        #expect(unknown.severity == .override && unknown.message.contains("no row for the figure-8 coil at 15 Hz"))
        let prescription = gate("2026-12-09 09:00").findings(
            .prescribe(PrescribedDose(frequencyHz: 15, intensityPercentMT: 120, pulsesPerTrain: 60, trainDurationSeconds: 4,
                                      interTrainIntervalSeconds: 26, trains: 50, pulsesPerSession: 3000), coil: "figure-8"), facts())
        #expect(prescription.map(\.rule) == [.doseLimitUnknown])
    }

    @Test func hole06_eachRuleIsOverriddenOnItsOwn() throws {
        var f = facts(measured: "2026-11-30 08:00")  // due: 9 days ago
        f.lastDelivered = (d("2026-12-08"), at("2026-12-08 09:00"))
        var given = prescribed()
        given.trainDurationSeconds = 5  // beyond the 4.2 s row
        let found = gate("2026-12-09 09:00").findings(.complete(given), f)
        #expect(Set(found.map(\.rule)).isSuperset(of: [.mtRecheck, .doseLimit]))
        // One reason for both is refused, naming both.
        do {
            _ = try TreatmentGate.decide(found, overrides: [:], reason: "measured at the bedside", clinician: true)
            Issue.record("one reason cleared several rules")
        } catch {
            #expect(error.message.contains("One reason was given for") && error.message.contains("mt-recheck"))
        }
        // One of two given: the other still refuses.
        #expect(throws: ClinicError(.doseLimitExceeded, "")) {
            try TreatmentGate.decide(found, overrides: [.mtRecheck: "measured"], reason: nil, clinician: true)
        }
        let all = Dictionary(uniqueKeysWithValues: found.filter { $0.severity == .override }.map { ($0.rule, "reason for \($0.rule.rawValue)") })
        let accepted = try TreatmentGate.decide(found, overrides: all, reason: nil, clinician: true)
        #expect(accepted.allSatisfy { $0.reason == "reason for \($0.rule.rawValue)" })
        // An operator's override is refused outright.
        #expect(throws: ClinicError(.overrideNotPermitted, "")) {
            try TreatmentGate.decide(found, overrides: all, reason: nil, clinician: false)
        }
        // The legacy single reason still works where exactly one rule needs it.
        let one = gate("2026-12-09 09:00").findings(.complete(prescribed()), f)
        #expect(try TreatmentGate.decide(one, overrides: [:], reason: "measured", clinician: true).map(\.rule) == [.mtRecheck])
    }

    @Test func aPrescriptionsOverrideCarriesToSessionsGivenAsPrescribed() {
        var f = facts()
        f.prescription.dose.trainDurationSeconds = 5
        var given = prescribed()
        given.trainDurationSeconds = 5
        #expect(gate("2026-12-09 09:00").findings(.complete(given), f).map(\.rule) == [.doseLimit])
        f.prescriptionOverrides = [.doseLimit]
        #expect(gate("2026-12-09 09:00").findings(.complete(given), f) == [])
    }

    // MARK: hole 7

    @Test func hole07_aSessionIsGivenOnItsOwnDayAndNoMoreADayThanTheProtocolGives() throws {
        let early = gate("2026-12-08 09:00").findings(.start, facts(session: "2026-12-09", measured: "2026-12-08 08:00"))
        #expect(early.map(\.rule) == [.sessionDay] && early[0].severity == .refuse && early[0].error.code == .notTodaysSession)
        var f = facts()
        f.givenThatDay = 1
        let second = gate("2026-12-09 09:00").findings(.complete(prescribed()), f)
        #expect(second.map(\.rule) == [.dailyLimit] && second[0].error.code == .dailyLimitReached)
        // A session started on its day may end after midnight.
        var late = facts()
        late.session?.startedAt = at("2026-12-09 23:50")
        #expect(gate("2026-12-10 00:10").findings(.complete(prescribed()), late).allSatisfy { $0.rule != .sessionDay })
    }

    @Test func hardStopsRefuseWhateverTheDataSays() {
        var p = policy
        p.severities = [.machineOutput: .warn, .sessionDay: .warn]
        #expect(p.severity(.machineOutput) == .refuse && p.severity(.sessionDay) == .refuse)
        let found = gate("2026-12-09 09:00", p).findings(.complete(prescribed(mt: 90)), facts())
        #expect(found.first { $0.rule == .machineOutput }?.severity == .refuse)
        var f = facts()
        f.status = .onHold
        #expect(gate("2026-12-09 09:00").findings(.start, f).first?.error.code == .courseNotActive)
    }
}

extension Finding: CustomTestStringConvertible {
    public var testDescription: String { "\(rule.rawValue) (\(severity.rawValue)): \(message)" }
}
