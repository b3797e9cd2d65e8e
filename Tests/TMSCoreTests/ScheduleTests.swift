import Foundation
import Testing
@testable import TMSCore

@Suite struct ScheduleTests {
    func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }
    func date(_ s: String) -> CivilDate { CivilDate(s)! }

    /// 36 sessions of 10 Hz from Wednesday 2026-12-02, Christmas and New Year's
    /// Day closed, Monday to Friday: worked out by hand from the rule.
    @Test func tenHzCourseFromAWednesdayWithTwoHolidays() throws {
        let calendar = ClinicCalendar(timeZone: zone("America/New_York"), holidays: [date("2026-12-25"), date("2027-01-01")])
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        let plan = try ScheduleGenerator(calendar: calendar, treatment: tenHz)
            .plan(PhaseDemand.course(tenHz), from: date("2026-12-02"), at: LocalTime("09:00")!)
        let expected: [(String, String)] = [
            ("2026-12-02", "acute"), ("2026-12-03", "acute"), ("2026-12-04", "acute"),
            ("2026-12-07", "acute"), ("2026-12-08", "acute"), ("2026-12-09", "acute"), ("2026-12-10", "acute"), ("2026-12-11", "acute"),
            ("2026-12-14", "acute"), ("2026-12-15", "acute"), ("2026-12-16", "acute"), ("2026-12-17", "acute"), ("2026-12-18", "acute"),
            ("2026-12-21", "acute"), ("2026-12-22", "acute"), ("2026-12-23", "acute"), ("2026-12-24", "acute"),
            ("2026-12-28", "acute"), ("2026-12-29", "acute"), ("2026-12-30", "acute"), ("2026-12-31", "acute"),
            ("2027-01-04", "acute"), ("2027-01-05", "acute"), ("2027-01-06", "acute"), ("2027-01-07", "acute"), ("2027-01-08", "acute"),
            ("2027-01-11", "acute"), ("2027-01-12", "acute"), ("2027-01-13", "acute"), ("2027-01-14", "acute"),
            // Taper, in calendar weeks from Monday: Friday the 15th alone cannot hold three apart, so taper 1
            // is the next week, Monday, Wednesday, Friday; then Tuesday and Thursday; then Wednesday.
            ("2027-01-18", "taper 1"), ("2027-01-20", "taper 1"), ("2027-01-22", "taper 1"),
            ("2027-01-26", "taper 2"), ("2027-01-28", "taper 2"),
            ("2027-02-03", "taper 3"),
        ]
        #expect(plan.count == 36)
        #expect(plan.map { $0.date.description } == expected.map(\.0))
        #expect(plan.map(\.phase) == expected.map(\.1))
        #expect(plan.allSatisfy { $0.time == LocalTime("09:00") })
        #expect(!plan.contains { calendar.holidays.contains($0.date) })
        // 09:00 in New York in winter is 14:00 UTC.
        #expect(Timestamp.format(plan[0].instant) == "2026-12-02T14:00:00Z")
    }

    /// Hole 10: an acute phase that ends on a Wednesday gave calendar weeks of
    /// 1, 3, 1, 1 for a "3, 2, 1 a week" taper. Taper weeks are the clinic's
    /// calendar weeks, and no two taper sessions fall on consecutive days.
    @Test(arguments: [Weekday.monday, .sunday])
    func hole10TaperWeeksAreCalendarWeeksSpreadApart(weekStart: Weekday) throws {
        let calendar = ClinicCalendar(timeZone: zone("UTC"), weekStart: weekStart)
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        // Thirty clinic days from Thursday 2027-03-04 end on Wednesday 2027-04-14.
        let plan = try ScheduleGenerator(calendar: calendar, treatment: tenHz)
            .plan(PhaseDemand.course(tenHz), from: date("2027-03-04"), at: LocalTime("09:00")!)
        let acute = plan.filter { $0.phase == "acute" }.map(\.date)
        #expect(acute.count == 30 && acute.last == date("2027-04-14") && acute.last!.weekday == .wednesday)
        let taper = plan.filter { $0.phase.hasPrefix("taper") }.map(\.date)
        let weeks = Dictionary(grouping: taper, by: { calendar.startOfWeek($0) })
        #expect(weeks.keys.sorted().map { weeks[$0]!.count } == [3, 2, 1])
        #expect(taper.map(\.description) == ["2027-04-19", "2027-04-21", "2027-04-23", "2027-04-27", "2027-04-29", "2027-05-05"])
        #expect(!zip(taper, taper.dropFirst()).contains { $1.dayNumber - $0.dayNumber == 1 })
    }

    /// A clinic open every day whose week starts on Sunday: the taper's weeks run Sunday to Saturday.
    @Test func aSevenDayClinicSpreadsItsTaperThroughItsOwnWeek() throws {
        let calendar = ClinicCalendar(timeZone: zone("UTC"), clinicDays: Set(Weekday.allCases), weekStart: .sunday)
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        // Thirty days from Sunday 2027-03-07 end on Monday 2027-04-05: the rest of that week
        // (Tuesday to Saturday) holds three apart (Tuesday, Thursday, Saturday); then two in the week from
        // Sunday the 11th (Monday, Friday), one in the next (Wednesday).
        let plan = try ScheduleGenerator(calendar: calendar, treatment: tenHz)
            .plan(PhaseDemand.course(tenHz), from: date("2027-03-07"), at: LocalTime("09:00")!)
        let taper = plan.filter { $0.phase.hasPrefix("taper") }.map(\.date.description)
        #expect(taper == ["2027-04-06", "2027-04-08", "2027-04-10", "2027-04-12", "2027-04-16", "2027-04-21"])
    }

    /// A week short of clinic days (holidays) takes what it has; the next week takes up the rest of the phase.
    @Test func aTaperWeekShortOfDaysPassesItsShortfallOn() throws {
        let holidays: Set<CivilDate> = [date("2027-04-20"), date("2027-04-21"), date("2027-04-22"), date("2027-04-23")]
        let calendar = ClinicCalendar(timeZone: zone("UTC"), holidays: holidays)
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        let plan = try ScheduleGenerator(calendar: calendar, treatment: tenHz)
            .plan(PhaseDemand.course(tenHz), from: date("2027-03-04"), at: LocalTime("09:00")!)
        #expect(plan.count == 36)
        let taper = plan.filter { $0.phase.hasPrefix("taper") }
        // Week of the 19th: only Monday is open; taper 1's other two go the next week (Tuesday, Thursday), before taper 2.
        #expect(taper.map(\.date.description) == ["2027-04-19", "2027-04-27", "2027-04-29", "2027-05-04", "2027-05-06", "2027-05-12"])
        #expect(taper.map(\.phase) == ["taper 1", "taper 1", "taper 1", "taper 2", "taper 2", "taper 3"])
    }

    @Test func acceleratedCourseTakesTenSessionsADayFiftyMinutesApart() throws {
        let calendar = ClinicCalendar(timeZone: zone("UTC"))
        let saint = try #require(ProtocolLibrary.find("accelerated-itbs"))
        let plan = try ScheduleGenerator(calendar: calendar, treatment: saint)
            .plan(PhaseDemand.course(saint), from: date("2026-12-05"), at: LocalTime("08:00")!)  // a Saturday
        #expect(plan.count == 50)
        let days = Dictionary(grouping: plan, by: \.date)
        #expect(days.keys.sorted().map(\.description) == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"])
        for (_, sessions) in days {
            #expect(sessions.map(\.time.description) == [
                "08:00", "08:50", "09:40", "10:30", "11:20", "12:10", "13:00", "13:50", "14:40", "15:30",
            ])
        }
    }

    @Test func aDayThatWouldRunPastMidnightIsRefused() throws {
        let saint = try #require(ProtocolLibrary.find("accelerated-itbs"))
        let generator = ScheduleGenerator(calendar: ClinicCalendar(timeZone: zone("UTC")), treatment: saint)
        #expect(throws: ScheduleGenerator.Failure.self) {
            try generator.plan(PhaseDemand.course(saint), from: date("2026-12-07"), at: LocalTime("17:00")!)
        }
    }

    /// New York moves its clocks on 2027-03-14 and 2027-11-07: a 09:00 patient
    /// stays at 09:00 on the wall clock; the stored instant moves an hour.
    @Test(arguments: [
        ("America/New_York", "2027-03-08", "2027-03-12", "14:00", "2027-03-15", "13:00"),
        ("America/New_York", "2027-11-01", "2027-11-05", "13:00", "2027-11-08", "14:00"),
        ("Europe/Berlin", "2027-03-22", "2027-03-26", "08:00", "2027-03-29", "07:00"),
        ("Europe/Berlin", "2027-10-25", "2027-10-29", "07:00", "2027-11-01", "08:00"),
    ])
    func daylightSavingKeepsTheWallClock(
        _ zoneId: String, _ start: String, _ before: String, _ utcBefore: String, _ after: String, _ utcAfter: String
    ) throws {
        let calendar = ClinicCalendar(timeZone: zone(zoneId))
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        let plan = try ScheduleGenerator(calendar: calendar, treatment: tenHz)
            .plan(PhaseDemand.course(tenHz), from: date(start), at: LocalTime("09:00")!)
        let b = try #require(plan.first { $0.date == date(before) })
        let a = try #require(plan.first { $0.date == date(after) })
        #expect(b.time.description == "09:00" && a.time.description == "09:00")
        #expect(Timestamp.format(b.instant) == "\(before)T\(utcBefore):00Z")
        #expect(Timestamp.format(a.instant) == "\(after)T\(utcAfter):00Z")
        #expect(calendar.date(at: a.instant) == date(after))
    }

    @Test func aWeekWithTooFewClinicDaysCarriesItsShortfall() throws {
        // Taper 1 needs 3 days; its first block has only 2 open days.
        let calendar = ClinicCalendar(timeZone: zone("UTC"), holidays: [date("2027-01-18"), date("2027-01-19"), date("2027-01-20")])
        let plan = try ScheduleGenerator(calendar: calendar, sessionsPerDay: 1, intervalMinutes: 0).plan(
            [PhaseDemand(name: "taper 1", rhythm: .weekly(perWeek: 3), sessions: 3),
             PhaseDemand(name: "taper 2", rhythm: .weekly(perWeek: 2), sessions: 2)],
            from: date("2027-01-15"), at: LocalTime("09:00")!)
        #expect(plan.filter { $0.phase == "taper 1" }.count == 3)
        #expect(plan.filter { $0.phase == "taper 2" }.count == 2)
        #expect(plan.allSatisfy { $0.date.isWeekdayForTest })
        #expect(plan.map(\.date) == plan.map(\.date).sorted())
    }

    @Test func rebookingKeepsTheCountAndTheTaper() throws {
        let calendar = ClinicCalendar(timeZone: zone("UTC"))
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        let generator = ScheduleGenerator(calendar: calendar, treatment: tenHz)
        let plan = try generator.plan(PhaseDemand.course(tenHz), from: date("2026-12-07"), at: LocalTime("09:00")!)
        // Session 5 (Friday 2026-12-11) is missed; 1-4 were done.
        let missed = plan[4]
        let movable = plan.enumerated().dropFirst(5).map { Rebooking.Movable(id: $0.offset + 1, phase: $0.element.phase) }
        let result = try Rebooking.plan(
            phases: tenHz.phases, missedPhase: missed.phase, movable: movable, generator: generator,
            from: missed.date.adding(days: 1), busyDays: [], at: LocalTime("09:00")!)
        let replacement = try #require(result.replacementSlot)
        #expect(replacement.date == date("2026-12-14"))  // the next clinic day
        #expect(result.moved.count == 31)
        let slots = [replacement] + result.moved.map(\.slot)
        #expect(slots.filter { $0.phase == "acute" }.count == 26)
        #expect(slots.filter { $0.phase == "taper 1" }.count == 3)
        #expect(slots.filter { $0.phase == "taper 2" }.count == 2)
        #expect(slots.filter { $0.phase == "taper 3" }.count == 1)
        #expect(Set(slots.map(\.date)).count == slots.count)  // one a day
        // The whole course moved by exactly one clinic day.
        #expect(result.moved.last?.slot.date == plan.last!.date.adding(days: 1) || result.moved.last!.slot.date > plan.last!.date)
    }

    @Test func aMissedSessionOfAPhaseItsCourseLacksIsRefusedByName() throws {
        let calendar = ClinicCalendar(timeZone: zone("UTC"))
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        let generator = ScheduleGenerator(calendar: calendar, treatment: tenHz)
        #expect {
            _ = try Rebooking.plan(
                phases: tenHz.phases, missedPhase: "taper", movable: [], generator: generator,
                from: date("2026-12-14"), busyDays: [], at: LocalTime("09:00")!)
        } throws: { error in
            let error = try #require(error as? ClinicError)
            return error.code == .invalidValue && error.message.contains("'taper' is not a phase of its course (acute, taper 1, taper 2, taper 3)")
        }
    }
}

extension CivilDate {
    var isWeekdayForTest: Bool { weekday != .saturday && weekday != .sunday }
}
