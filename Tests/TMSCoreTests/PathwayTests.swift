import Foundation
import Testing
@testable import TMSCore

@Suite struct PathwayTests {
    func date(_ text: String) -> CivilDate { CivilDate(text)! }

    typealias Course = PatientStage.Facts.Course

    func stage(
        active: Bool = true, decided: (ConsultationOutcome, String)? = nil, complete: Bool = false, trd: Bool = false,
        courses: [Course] = []
    ) -> PatientStage {
        PatientStage.of(.init(
            active: active, decided: decided.map { ($0.0, date($0.1)) }, evaluationComplete: complete, trd: trd, courses: courses))
    }

    func course(_ status: CourseStatus, _ start: String = "2026-12-01", delivered: Int = 0, authorized: Bool = false) -> Course {
        Course(status: status, startDate: date(start), delivered: delivered, authorized: authorized)
    }

    @Test func aPatientMovesThroughTheStagesAsTheRecordsSay() {
        #expect(stage() == .referred)
        #expect(stage(decided: (.proceed, "2026-11-02")) == .consulted)
        #expect(stage(decided: (.proceed, "2026-11-02"), complete: true) == .evaluated)
        #expect(stage(decided: (.proceed, "2026-11-02"), complete: true, trd: true) == .eligible)
        // TRD without a whole evaluation is not eligible.
        #expect(stage(decided: (.proceed, "2026-11-02"), trd: true) == .consulted)
        #expect(stage(complete: true, trd: true, courses: [course(.active)]) == .inCourse)  // booked, no authorization
        #expect(stage(complete: true, trd: true, courses: [course(.active, authorized: true)]) == .authorized)
        #expect(stage(courses: [course(.active, delivered: 1, authorized: true)]) == .inCourse)
        #expect(stage(courses: [course(.paused, delivered: 3)]) == .inCourse)
        #expect(stage(courses: [course(.onHold, delivered: 3)]) == .inCourse)
        #expect(stage(courses: [course(.completed, delivered: 36)]) == .completed)
        // A cancelled course leaves the patient where the rest of the records put them.
        #expect(stage(complete: true, trd: true, courses: [course(.cancelled)]) == .eligible)
    }

    @Test func aPathEndsWhenTheConsultationSaysSoOrThePatientIsInactive() {
        #expect(stage(decided: (.notCandidate, "2026-11-02")) == .discharged)
        #expect(stage(decided: (.referredElsewhere, "2026-11-02"), complete: true, trd: true) == .discharged)
        #expect(stage(active: false, courses: [course(.active, delivered: 3)]) == .discharged)
        // A consultation that ended the path before a later course does not end that course's.
        #expect(stage(decided: (.notCandidate, "2025-01-02"), courses: [course(.completed, "2026-01-05")]) == .completed)
        #expect(stage(decided: (.notCandidate, "2026-06-02"), courses: [course(.completed, "2026-01-05")]) == .discharged)
        // A course under way outranks an earlier decision.
        #expect(stage(decided: (.notCandidate, "2026-12-02"), courses: [course(.active, delivered: 2)]) == .inCourse)
    }

    func strategy(
        _ kind: Strategy.Kind, drug: String = "venlafaxine", steps: [(String, Double)] = [("2026-03-02", 75), ("2026-03-16", 225)],
        stop: String? = "2026-05-25", outcome: Trial.Outcome? = Trial.Outcome.none, adherence: Trial.Adherence = .good, unit: String = "mg"
    ) -> Strategy {
        Strategy(
            id: 1, patientId: 1, kind: kind, base: "sertraline", drug: drug, drugClass: nil, startDate: date(steps[0].0),
            stopDate: stop.map(date), doseSteps: steps.map { .init(date: date($0.0), dose: $0.1, unit: unit) }, sideEffects: [],
            adherence: adherence, outcome: outcome, reasonStopped: nil, recordedBy: "dr")
    }

    let rules = EligibilityRules(minimumWeeks: 6, trdTrials: 2, minimumDoses: ["venlafaxine": 75, "mirtazapine": 15])
    let today = CivilDate("2026-12-02")!

    @Test func aStrategyIsJudgedFromTheDayItsHighestDoseWasReached() {
        let s = strategy(.switch)
        let top = try! #require(s.highest(today: today))
        #expect(top.step.dose == 225 && top.weeks == 10)
        let judged = rules.judge(s, today: today, augmentationCounts: false)
        #expect(judged.adequate && judged.counts)
        #expect(judged.reason == "a switch from sertraline to venlafaxine: 225 mg for 10 weeks without response")
        // Five weeks at the top dose is not adequate, whatever came before it at a lower one.
        let short = strategy(.switch, steps: [("2026-03-02", 75), ("2026-04-20", 225)])
        #expect(!rules.judge(short, today: today, augmentationCounts: false).adequate)
        // A dose back down after the top keeps the weeks counted from the first day at the top.
        let down = strategy(.switch, steps: [("2026-03-02", 225), ("2026-04-01", 150)])
        #expect(down.highest(today: today)!.weeks == 12)
        #expect(!rules.judge(strategy(.combination, outcome: .response), today: today, augmentationCounts: false).adequate)
        #expect(!rules.judge(strategy(.switch, adherence: .poor), today: today, augmentationCounts: false).adequate)
    }

    @Test func aStrategyUnderWayIsNotJudgedUntilItStops() {
        let going = strategy(.switch, stop: nil, outcome: nil)
        let judged = rules.judge(going, today: today, augmentationCounts: true)
        #expect(!judged.adequate && !judged.counts && judged.reason.contains("under way since 2026-03-02"))
        #expect(going.highest(today: today)!.weeks == Double(today.dayNumber - date("2026-03-16").dayNumber) / 7)
    }

    @Test func anAugmentationCountsOnlyWhereARuleSaysSo() {
        let aug = strategy(.augmentation, drug: "aripiprazole", steps: [("2026-06-01", 2), ("2026-06-15", 5)], stop: "2026-08-31")
        let off = rules.judge(aug, today: today, augmentationCounts: false)
        #expect(off.adequate && !off.counts && off.reason.hasSuffix("counts only where a payer's rule says augmentations do"))
        #expect(off.reason.contains("11 weeks at its highest dose without response"))
        let on = rules.judge(aug, today: today, augmentationCounts: true)
        #expect(on.adequate && on.counts)
        // An agent in mcg, without a minimum dose in the table, is judged on its weeks; with one, on its dose too.
        let t3 = strategy(.augmentation, drug: "liothyronine", steps: [("2026-06-01", 25)], stop: "2026-08-31", unit: "mcg")
        #expect(rules.judge(t3, today: today, augmentationCounts: true).counts)
        var strict = rules
        strict.minimumDoses["aripiprazole"] = 10
        #expect(!strict.judge(aug, today: today, augmentationCounts: true).adequate)
        let brief = strategy(.augmentation, drug: "aripiprazole", steps: [("2026-06-01", 5)], stop: "2026-06-29")
        #expect(!rules.judge(brief, today: today, augmentationCounts: true).adequate)
    }

    @Test func aStrategysOwnRecordsMustHoldTogether() {
        /// The parameter a refusal names.
        func refusal(_ s: Strategy) -> ClinicError.Value? {
            do throws(ClinicError) { try s.validate() } catch { return error.parameters.first { $0.0 == "parameter" }?.1 }
            return nil
        }
        #expect(refusal(strategy(.switch)) == nil)
        var s = strategy(.switch)
        s.doseSteps = []
        #expect(refusal(s) == .string("doseSteps"))
        s = strategy(.switch, steps: [("2026-03-02", 75), ("2026-03-02", 150)])
        #expect(refusal(s) == .string("doseSteps"))
        s = strategy(.switch, steps: [("2026-03-02", 75), ("2026-06-01", 150)])  // after the stop
        #expect(refusal(s) == .string("doseSteps"))
        s = strategy(.switch)
        s.startDate = date("2026-03-01")
        #expect(refusal(s) == .string("doseSteps"))  // the first step is on the start
        s = strategy(.switch, stop: "2026-03-01")
        #expect(refusal(s) == .string("stopDate"))
        s = strategy(.switch, drug: "sertraline")
        #expect(refusal(s) == .string("drug"))
        s = strategy(.switch, stop: nil)
        #expect(refusal(s) == .string("outcome"))  // an outcome without a stop
    }

    @Test func theEvaluationTakesTheLatestEntryOfEachItemAndNamesTheMissingOnes() throws {
        let items = [
            EvaluationItem(id: "mdd", section: .diagnosis, name: "MDD", results: ["recurrent", "not-confirmed"]),
            EvaluationItem(id: "sleep", section: .lifestyle, name: "Sleep", results: ["regular", "disturbed"]),
            EvaluationItem(id: "bipolar-screen", section: .diagnosis, name: "Bipolar", results: ["negative", "positive"]),
            EvaluationItem(id: "ect", section: .treatments, name: "ECT", results: ["none", "tried"], required: false),
        ]
        let rules = EvaluationRules(items: items)
        // By section, then in the order given.
        #expect(rules.items.map(\.id) == ["mdd", "bipolar-screen", "sleep", "ect"])
        #expect(throws: ClinicError(.evaluationItemNotFound, "")) { try rules.check(item: "tarot", result: "x") }
        #expect(throws: ClinicError(.invalidValue, "")) { try rules.check(item: "mdd", result: "maybe") }
        func entry(_ id: Int, _ item: String, _ result: String, _ day: String) -> EvaluationEntry {
            EvaluationEntry(id: id, patientId: 1, item: item, result: result, instrument: nil, score: nil, detail: nil, date: date(day),
                            recordedBy: "dr")
        }
        let entries = [
            entry(1, "bipolar-screen", "positive", "2026-11-10"), entry(2, "bipolar-screen", "negative", "2026-11-20"),
            // Recorded later, but of an earlier day: the later day stands.
            entry(3, "bipolar-screen", "positive", "2026-11-01"), entry(4, "mdd", "recurrent", "2026-11-20"),
        ]
        let latest = EvaluationRules.latest(entries)
        #expect(latest["bipolar-screen"]?.id == 2 && latest["mdd"]?.id == 4)
        #expect(rules.missing(latest).map(\.id) == ["sleep"])  // ect is not required
        let payer = PayerRule(id: "p", name: "P", evaluation: ["bipolar-screen": ["negative"], "sleep": ["regular"]])
        let judged = payer.judge(adequate: [], psychotherapyTrials: 0, pretreatmentPHQ9: nil, recorded: latest)
        #expect(!judged.meets)
        #expect(judged.findings == [
            "met: evaluation bipolar-screen negative (found negative on 2026-11-20)",
            "NOT met: evaluation sleep regular (found not recorded)",
        ])
    }

    @Test func aPayerRuleCountsAugmentationsWhenItSaysSo() {
        let trial = Trial(id: 1, kind: .medication, drug: "sertraline", drugClass: "SSRI", highestDose: 150, unit: "mg", weeksAtDose: 8,
                          adherence: .good, outcome: .none)
        var aug = trial
        aug.drug = "aripiprazole"
        aug.drugClass = "antipsychotic"
        let counting = PayerRule(id: "p", name: "P", adequateTrials: 2, augmentationCounts: true)
        let judged = counting.judge(adequate: [trial], augmentations: [aug], psychotherapyTrials: 0, pretreatmentPHQ9: nil)
        #expect(judged.meets && judged.findings.first == "counted: 1 adequate augmentation(s) among the trials")
        let silent = PayerRule(id: "q", name: "Q", adequateTrials: 2)
        #expect(!silent.judge(adequate: [trial], augmentations: [aug], psychotherapyTrials: 0, pretreatmentPHQ9: nil).meets)
        // Silent, it follows the eligibility rules' own choice.
        #expect(silent.judge(adequate: [trial], augmentations: [aug], augmentationsCount: true, psychotherapyTrials: 0,
                             pretreatmentPHQ9: nil).meets)
        let refusing = PayerRule(id: "r", name: "R", adequateTrials: 2, augmentationCounts: false)
        #expect(!refusing.judge(adequate: [trial], augmentations: [aug], augmentationsCount: true, psychotherapyTrials: 0,
                                pretreatmentPHQ9: nil).meets)
    }

    @Test func aConsultationFitsTheClinicsRoomsDaysAndHours() throws {
        var resources = ClinicResources.standard(days: [.monday, .tuesday, .wednesday, .thursday, .friday])
        resources.rooms = ["consult-1"]
        let calendar = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!, clinicDays: [.monday, .tuesday, .wednesday, .thursday, .friday], holidays: [date("2026-12-25")])
        let today = date("2026-12-02")
        func check(_ room: String, _ day: String, _ start: Int, _ minutes: Int) -> ClinicError.Code? {
            do throws(ClinicError) {
                try resources.checkConsultation(room: room, date: date(day), range: TimeRange(start: start, end: start + minutes),
                                                calendar: calendar, today: today)
                return nil
            } catch { return error.code }
        }
        #expect(check("consult-1", "2026-12-02", 8 * 60, 60) == nil)
        #expect(check("consult-1", "2026-12-02", 17 * 60, 60) == nil)  // ends at closing
        #expect(check("consult-1", "2026-12-02", 17 * 60 + 1, 60) == .outsideOpeningHours)
        #expect(check("consult-1", "2026-12-02", 7 * 60 + 59, 60) == .outsideOpeningHours)
        #expect(check("consult-2", "2026-12-02", 9 * 60, 60) == .roomNotFound)
        #expect(check("consult-1", "2026-12-05", 9 * 60, 60) == .closedDay)
        #expect(check("consult-1", "2026-12-25", 9 * 60, 60) == .closedDay)
        #expect(check("consult-1", "2026-12-01", 9 * 60, 60) == .dateInPast)
    }
}
