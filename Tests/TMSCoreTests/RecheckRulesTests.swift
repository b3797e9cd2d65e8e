import Testing
@testable import TMSCore

@Suite struct RecheckRulesTests {
    let rules = RecheckRules(everyDays: 7, afterGapDays: 7, afterSeizure: true)
    func d(_ s: String) -> CivilDate { CivilDate(s)! }

    @Test func eachRuleFires() {
        #expect(rules.due(on: d("2026-12-07"), lastMeasured: nil, lastDelivered: nil, lastSeizure: nil)
                == "no motor threshold has been measured for this course")
        #expect(rules.due(on: d("2026-12-08"), lastMeasured: d("2026-12-01"), lastDelivered: d("2026-12-07"), lastSeizure: nil)?
                    .contains("7 days ago (every 7 days)") == true)
        // A gap of 8 days since the last session, with the threshold measured before it (the weekly rule off).
        let gapOnly = RecheckRules(everyDays: nil, afterGapDays: 7, afterSeizure: true)
        #expect(gapOnly.due(on: d("2026-12-14"), lastMeasured: d("2026-12-05"), lastDelivered: d("2026-12-06"), lastSeizure: nil)?
                    .contains("8 days passed since the last session (2026-12-06)") == true)
        // Measured after the gap began: not due.
        #expect(gapOnly.due(on: d("2026-12-14"), lastMeasured: d("2026-12-13"), lastDelivered: d("2026-12-06"), lastSeizure: nil) == nil)
        #expect(rules.due(on: d("2026-12-10"), lastMeasured: d("2026-12-08"), lastDelivered: d("2026-12-09"), lastSeizure: d("2026-12-09"))?
                    .hasPrefix("a seizure on 2026-12-09") == true)
        #expect(rules.due(on: d("2026-12-10"), lastMeasured: d("2026-12-08"), lastDelivered: d("2026-12-09"), lastSeizure: nil,
                          lastMedicationChange: (d("2026-12-09"), "lithium"))?.hasPrefix("lithium changed on 2026-12-09") == true)
    }

    @Test func nothingIsDueWhenTheThresholdIsFresh() {
        #expect(rules.due(on: d("2026-12-10"), lastMeasured: d("2026-12-08"), lastDelivered: d("2026-12-09"), lastSeizure: nil) == nil)
        // A measurement the day of the seizure (after it) counts; so does one after a medication change.
        #expect(rules.due(on: d("2026-12-10"), lastMeasured: d("2026-12-09"), lastDelivered: d("2026-12-09"), lastSeizure: d("2026-12-09"),
                          lastMedicationChange: (d("2026-12-08"), "lithium")) == nil)
        // A rule turned off (0 in the data) does not fire.
        let relaxed = RecheckRules(everyDays: nil, afterGapDays: nil, afterSeizure: false)
        #expect(relaxed.due(on: d("2027-06-01"), lastMeasured: d("2026-12-01"), lastDelivered: d("2026-12-02"), lastSeizure: d("2027-01-01")) == nil)
    }
}
