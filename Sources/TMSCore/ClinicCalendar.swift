// FoundationEssentials where it exists: tmsctl links TMSCore and should not
// carry all of Foundation and ICU. (tmsd links Foundation, which brings the
// IANA time zones that ClinicCalendar needs.)
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// When the clinic treats: its zone, the weekdays it opens, the days it is closed.
public struct ClinicCalendar: Sendable, Hashable {
    public var timeZone: TimeZone {
        didSet { gregorian.timeZone = timeZone }
    }
    public var clinicDays: Set<Weekday>
    public var holidays: Set<CivilDate>
    /// The first day of the clinic's week: taper phases count "so many a
    /// week" in these calendar weeks.
    public var weekStart: Weekday
    /// Built once: making a `Calendar` costs more than using one.
    private var gregorian: Calendar

    public init(
        timeZone: TimeZone,
        clinicDays: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday],
        holidays: Set<CivilDate> = [],
        weekStart: Weekday = .monday
    ) {
        self.timeZone = timeZone
        self.clinicDays = clinicDays
        self.holidays = holidays
        self.weekStart = weekStart
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        self.gregorian = gregorian
    }

    public func isClinicDay(_ date: CivilDate) -> Bool {
        clinicDays.contains(date.weekday) && !holidays.contains(date)
    }

    /// The first day of the clinic's calendar week that holds `date`.
    public func startOfWeek(_ date: CivilDate) -> CivilDate {
        let index = Weekday.allCases.firstIndex(of: date.weekday)!, first = Weekday.allCases.firstIndex(of: weekStart)!
        return date.adding(days: -((index - first + 7) % 7))
    }

    /// The first clinic day on or after `date`. Nil only when the clinic has no
    /// open weekday at all, which configuration refuses.
    public func clinicDay(onOrAfter date: CivilDate) -> CivilDate? {
        guard !clinicDays.isEmpty else { return nil }
        var day = date
        // Holidays are finite, so this ends; the bound guards a pathological list.
        for _ in 0..<(366 * 10) {
            if isClinicDay(day) { return day }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// The calendar date at `instant` in the clinic's zone.
    /// (From the zone's offset at that instant: every call asks for today,
    /// and the calendar's date components took several times as long.)
    public func date(at instant: Date) -> CivilDate { wallClock(instant).date }

    /// The clinic's wall-clock time at `instant`.
    public func time(at instant: Date) -> LocalTime { LocalTime(minutes: wallClock(instant).second / 60)! }

    /// The date and second of the day on the clinic's wall clock at `instant`.
    private func wallClock(_ instant: Date) -> (date: CivilDate, second: Int) {
        CivilDate.split(secondsSince1970: Int(instant.timeIntervalSince1970.rounded(.down)) + timeZone.secondsFromGMT(for: instant))
    }

    /// The instant at which the clinic's wall clock shows `time` on `date`.
    ///
    /// In the autumn hour that occurs twice the earlier instant is taken; a time
    /// that does not exist (the spring gap) moves forward by the gap, as a wall
    /// clock does.
    public func instant(on date: CivilDate, at time: LocalTime) -> Date {
        let components = DateComponents(
            year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute)
        if let exact = gregorian.date(from: components) { return exact }
        // Fallback: UTC midnight plus the wall time less the zone's offset that day.
        let midnightUTC = Date(timeIntervalSince1970: TimeInterval(date.dayNumber * 86_400))
        let offset = timeZone.secondsFromGMT(for: midnightUTC)
        return midnightUTC.addingTimeInterval(TimeInterval(time.minutes * 60 - offset))
    }
}
