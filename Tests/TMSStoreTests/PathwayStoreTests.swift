import Foundation
import Testing
import TMSCore
@testable import TMSStore

/// Strategies in the store: one under way shares the medication list, in
/// writes that each leave one change-log entry holding every row they changed.
@Suite struct PathwayStoreTests {
    let audit = AuditContext(uid: 1000, user: "dr", pid: 42, method: "io.tmsd.Clinic.RecordStrategy",
                             at: Date(timeIntervalSince1970: 1_796_212_800))

    func date(_ text: String) -> CivilDate { CivilDate(text)! }

    @Test func aStrategyUnderWayStartsItsDrugAndItsDoseChangesAreItsSteps() throws {
        let t = try TemporaryStore()
        defer { t.remove() }
        let patient = try t.store.addPatient(
            NewPatient(mrn: "M-1", familyName: "Doe", givenName: "Jane", birthDate: date("1980-02-03")), audit: audit)
        let at = Date(timeIntervalSince1970: 1_796_212_800)
        let base = try t.store.startMedication(
            patientId: patient.id, drug: "venlafaxine", dose: 225, unit: "mg", on: date("2026-10-01"), at: at, audit: audit)
        let entries = try t.store.verifyChain().entries
        let strategy = try t.store.recordStrategy(
            Strategy(
                id: 0, patientId: patient.id, kind: .combination, base: "venlafaxine", drug: "mirtazapine", drugClass: nil,
                startDate: date("2026-11-02"), stopDate: nil, doseSteps: [.init(date: date("2026-11-02"), dose: 15, unit: "mg")],
                sideEffects: [.init(effect: "sedation", severity: .mild)], adherence: .good, outcome: nil, reasonStopped: nil,
                recordedBy: "dr"),
            startedAt: at, audit: audit)
        // One entry for the strategy, the medication it started and both links.
        #expect(try t.store.verifyChain().entries == entries + 1)
        let meds = try t.store.medications(patientId: patient.id)
        #expect(meds.map(\.drug) == ["venlafaxine", "mirtazapine"] && meds.allSatisfy { $0.strategy == strategy.id })
        let started = try #require(meds.last)
        let changed = try t.store.changeMedicationDose(id: started.id, dose: 30, unit: "mg", on: date("2026-11-16"), at: at, audit: audit)
        #expect(changed.strategy == strategy.id)
        // The base's dose change carries its link, and is no step of the strategy's drug.
        _ = try t.store.changeMedicationDose(id: base.id, dose: 150, unit: "mg", on: date("2026-11-20"), at: at, audit: audit)
        let steps = try t.store.strategies(patientId: patient.id)[0].doseSteps
        #expect(steps.map(\.dose) == [15, 30])
        #expect(try t.store.medications(patientId: patient.id).filter { $0.stopDate == nil }.allSatisfy { $0.strategy == strategy.id })
        #expect(throws: ClinicError(.invalidValue, "")) { try t.store.stopMedication(id: changed.id, on: date("2026-11-30"), at: at, audit: audit) }
        let stopped = try t.store.stopStrategy(
            id: strategy.id, on: date("2026-11-30"), at: at, outcome: .partial, reason: "sedation", audit: audit)
        #expect(stopped.stopDate == date("2026-11-30") && stopped.outcome == .partial)
        let after = try t.store.medications(patientId: patient.id).filter { $0.stopDate == nil }
        #expect(after.map(\.drug) == ["venlafaxine"])
        let facts = try #require(try t.store.pathFacts()[patient.id])
        #expect(facts.strategies.map(\.id) == [strategy.id] && facts.active && facts.courses.isEmpty)
        #expect(try t.store.verifyChain().broken == nil)
        #expect(try t.store.verifyRecords().differing == nil)
    }
}
