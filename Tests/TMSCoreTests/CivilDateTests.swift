import Foundation
import Testing
@testable import TMSCore

@Suite struct CivilDateTests {
    @Test(arguments: ["2026-12-02", "2024-02-29", "2000-02-29", "1970-01-01", "9999-12-31"])
    func parsesRealDays(_ text: String) throws {
        let date = try #require(CivilDate(text))
        #expect(date.description == text)
        #expect(CivilDate(dayNumber: date.dayNumber) == date)
    }

    @Test(arguments: ["2026-13-01", "2026-02-29", "2100-02-29", "2026-04-31", "2026-1-01", "26-01-01", "2026/01/01",
                      "2026-01-01x", "", "2026-00-10", "2026-01-00", "２０２６-01-01", "+026-01-01"])
    func rejectsEverythingElse(_ text: String) {
        #expect(CivilDate(text) == nil)
    }

    @Test func weekdaysOfKnownDates() throws {
        #expect(try #require(CivilDate("1970-01-01")).weekday == .thursday)
        #expect(try #require(CivilDate("2026-12-02")).weekday == .wednesday)
        #expect(try #require(CivilDate("2000-02-29")).weekday == .tuesday)
        #expect(try #require(CivilDate("1969-12-31")).weekday == .wednesday)
        #expect(try #require(CivilDate("2026-12-06")).startOfWeek == CivilDate("2026-11-30"))
    }

    @Test func arithmeticCrossesMonthsYearsAndLeapDays() throws {
        let d = try #require(CivilDate("2024-02-28"))
        #expect(d.adding(days: 1).description == "2024-02-29")
        #expect(d.adding(days: 2).description == "2024-03-01")
        #expect(try #require(CivilDate("2026-12-31")).adding(days: 1).description == "2027-01-01")
        #expect(try #require(CivilDate("1970-01-01")).adding(days: -1).description == "1969-12-31")
        // Every day for 30 years round-trips through its day number.
        var day = try #require(CivilDate("2000-01-01"))
        for _ in 0..<(366 * 30) {
            let next = day.adding(days: 1)
            #expect(next > day)
            #expect(CivilDate(next.description) == next)
            day = next
        }
    }

    @Test func localTimes() {
        #expect(LocalTime("09:00")?.minutes == 540)
        #expect(LocalTime("23:59")?.description == "23:59")
        for bad in ["24:00", "9:00", "09:60", "0900", "09:0a", ""] { #expect(LocalTime(bad) == nil, "\(bad)") }
    }

    @Test func weekdayNames() {
        #expect(Weekday(name: "mon") == .monday)
        #expect(Weekday(name: "Tuesday") == .tuesday)
        #expect(Weekday(name: "mo") == nil)
        #expect(Weekday(name: "monkey") == nil)
    }

    @Test func timestampsAreUTC() throws {
        let instant = Date(timeIntervalSince1970: 1_796_221_200)  // 2026-12-02T14:20:00Z
        #expect(Timestamp.format(instant) == "2026-12-02T14:20:00Z")
        #expect(Timestamp.parse("2026-12-02T14:20:00Z") == instant)
        #expect(Timestamp.parse("2026-12-02 14:20:00Z") == nil)
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }
}
