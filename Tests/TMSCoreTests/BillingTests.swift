import Testing
@testable import TMSCore

@Suite struct BillingTests {
    let rules = BillingRules()
    func d(_ s: String) -> CivilDate { CivilDate(s)! }

    @Test func theFirstSessionIsTheInitialEvenOnAMeasuredDay() {
        let first = (id: 10, date: d("2026-12-07"))
        #expect(rules.code(session: 10, on: d("2026-12-07"), first: first, measured: [d("2026-12-07")]) == "90867")
        #expect(rules.code(session: 11, on: d("2026-12-08"), first: first, measured: [d("2026-12-07")]) == "90868")
    }

    @Test func aRedeterminationAtMostWeekly() {
        let first = (id: 1, date: d("2026-12-07"))
        let measured = [d("2026-12-07"), d("2026-12-14"), d("2026-12-17"), d("2026-12-21"), d("2026-12-24")]
        // 14th: 7 days after the initial's day, which is not a re-determination: billed.
        #expect(rules.code(session: 6, on: d("2026-12-14"), first: first, measured: measured) == "90869")
        // 17th: 3 days after the 14th's: not billed again.
        #expect(rules.code(session: 9, on: d("2026-12-17"), first: first, measured: measured) == "90868")
        // 21st: 7 days after the 14th (the 17th was not billed): billed.
        #expect(rules.code(session: 11, on: d("2026-12-21"), first: first, measured: measured) == "90869")
        #expect(rules.code(session: 14, on: d("2026-12-24"), first: first, measured: measured) == "90868")
        // A day without a measurement is a delivery.
        #expect(rules.code(session: 12, on: d("2026-12-22"), first: first, measured: measured) == "90868")
    }

    @Test func onlyTheDaysFirstSessionBillsTheRedetermination() {
        // An accelerated course: several sessions a day; the MT measured again on the 14th.
        let first = (id: 1, date: d("2026-12-07"))
        let measured = [d("2026-12-07"), d("2026-12-14")]
        #expect(rules.code(session: 2, on: d("2026-12-07"), first: first, measured: measured, firstOfDay: false) == "90868")
        #expect(rules.code(session: 51, on: d("2026-12-14"), first: first, measured: measured, firstOfDay: true) == "90869")
        #expect(rules.code(session: 52, on: d("2026-12-14"), first: first, measured: measured, firstOfDay: false) == "90868")
    }

    @Test func aWholeCourseIsCodedAsTheDailyReportCodesEachDay() {
        // Two sessions a day from the 7th; the MT measured on the 7th, 9th and 15th.
        let days = ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-14", "2026-12-15"]
        let delivered = days.enumerated().flatMap { i, day in [(id: 2 * i + 1, date: d(day)), (id: 2 * i + 2, date: d(day))] }
        let codes = rules.codes(delivered: delivered, measured: [d("2026-12-07"), d("2026-12-09"), d("2026-12-15"), d("2026-12-20")])
        #expect(codes[1] == "90867" && codes[2] == "90868")
        #expect(codes[5] == "90869" && codes[6] == "90868")  // the 9th: its first session only
        #expect(codes[13] == "90868")  // the 15th: six days after the 9th
        #expect(codes.values.count { $0 == "90869" } == 1 && codes.count == 14)
    }

    @Test func theClinicalDataSetsTheCodesAndTheInterval() {
        var mine = BillingRules()
        mine.redetermination = "R"
        mine.redeterminationDays = 0
        let first = (id: 1, date: d("2026-12-07"))
        let measured = [d("2026-12-07"), d("2026-12-08"), d("2026-12-09")]
        #expect(mine.code(session: 2, on: d("2026-12-08"), first: first, measured: measured) == "R")
        #expect(mine.code(session: 3, on: d("2026-12-09"), first: first, measured: measured) == "R")
    }
}
