import Foundation
import Testing
@testable import TMSCore

/// The re-check rule orders by instant: "after the last measurement" means
/// after it, not on a later date.
@Suite struct RecheckRulesTests {
    let rules = RecheckRules(everyDays: 7, afterGapDays: 7, afterSeizure: true)
    let utc = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!)
    func d(_ s: String) -> CivilDate { CivilDate(s)! }
    /// An instant, `YYYY-MM-DD HH:MM` UTC.
    func at(_ s: String) -> Date {
        let parts = s.split(separator: " ")
        return utc.instant(on: d(String(parts[0])), at: LocalTime(parts[1])!)
    }
    func mt(_ s: String, _ value: Double = 55) -> ThresholdReading { ThresholdReading(value: value, at: at(s), date: d(String(s.prefix(10)))) }
    func due(_ date: String, measured: ThresholdReading?, delivered: String? = nil, seizures: [String] = [],
             changes: [(String, String)] = [], rules: RecheckRules? = nil) -> String? {
        (rules ?? self.rules).due(
            at: at(date + " 09:00"), on: d(date), lastMeasured: measured,
            lastDelivered: delivered.map { (d(String($0.prefix(10))), at($0)) }, seizures: seizures.map(at),
            changes: changes.map { (drug: $0.0, at: at($0.1)) }, calendar: utc)
    }

    @Test func eachRuleFires() {
        #expect(due("2026-12-07", measured: nil) == "no motor threshold has been measured for this course")
        #expect(due("2026-12-08", measured: mt("2026-12-01 09:00"), delivered: "2026-12-07 09:00")?.contains("7 days ago (every 7 days)") == true)
        // A gap of 8 days since the last session, with the threshold measured before it (the weekly rule off).
        let gapOnly = RecheckRules(everyDays: nil, afterGapDays: 7, afterSeizure: true)
        #expect(due("2026-12-14", measured: mt("2026-12-05 09:00"), delivered: "2026-12-06 09:00", rules: gapOnly)?
                    .contains("8 days passed since the last session (2026-12-06)") == true)
        // Measured after the gap began: not due.
        #expect(due("2026-12-14", measured: mt("2026-12-13 09:00"), delivered: "2026-12-06 09:00", rules: gapOnly) == nil)
        #expect(due("2026-12-10", measured: mt("2026-12-08 09:00"), delivered: "2026-12-09 09:00", seizures: ["2026-12-09 10:00"])?
                    .hasPrefix("a seizure on 2026-12-09") == true)
        #expect(due("2026-12-10", measured: mt("2026-12-08 09:00"), changes: [("lithium", "2026-12-09 11:00")])?
                    .hasPrefix("lithium changed on 2026-12-09") == true)
    }

    /// Issue 11, holes 2 and 3: the same day, the instant decides.
    @Test func aSeizureOrAChangeAfterTheMorningsMeasurementTheSameDayMakesItDue() {
        let morning = mt("2026-12-09 08:00")
        #expect(due("2026-12-09", measured: morning, seizures: ["2026-12-09 08:40"]) != nil, "the seizure came after the measurement")
        #expect(due("2026-12-09", measured: morning, changes: [("lithium", "2026-12-09 08:30")]) != nil, "the change came after it")
        // Measured after them: not due.
        let afternoon = mt("2026-12-09 15:00")
        #expect(due("2026-12-10", measured: afternoon, seizures: ["2026-12-09 08:40"], changes: [("lithium", "2026-12-09 08:30")]) == nil)
    }

    @Test func aChangeNotYetMadeDoesNotCount() {
        // Lithium starts tomorrow: today's session is not due; tomorrow's is.
        let change = [("lithium", "2026-12-10 00:00")]
        #expect(due("2026-12-09", measured: mt("2026-12-09 08:00"), changes: change) == nil)
        #expect(due("2026-12-10", measured: mt("2026-12-09 08:00"), changes: change) != nil)
    }

    @Test func nothingIsDueWhenTheThresholdIsFresh() {
        #expect(due("2026-12-10", measured: mt("2026-12-08 09:00"), delivered: "2026-12-09 09:00") == nil)
        // A rule turned off (0 in the data) does not fire.
        let relaxed = RecheckRules(everyDays: nil, afterGapDays: nil, afterSeizure: false)
        #expect(due("2027-06-01", measured: mt("2026-12-01 09:00"), delivered: "2026-12-02 09:00", seizures: ["2027-01-01 09:00"],
                    rules: relaxed) == nil)
    }
}
