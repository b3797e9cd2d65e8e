import Foundation
import Testing
import TMSCore

@Suite struct ClinicCalendarTests {
    /// The date and wall-clock time at an instant, from the zone's offset,
    /// are the Gregorian calendar's, every 20 minutes over two years in zones
    /// whose offsets change by an hour, by half an hour, and across the date
    /// line, and before 1970.
    @Test(arguments: ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Apia", "Asia/Kolkata", "UTC"])
    func dateAndTimeAtAnInstantAreTheCalendars(_ zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let clinic = ClinicCalendar(timeZone: timeZone)
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = timeZone
        for start in [Date(timeIntervalSince1970: 1_735_689_600), Date(timeIntervalSince1970: -86_400 * 3)] {  // 2025-01-01, 1969-12-29
            for step in stride(from: 0, to: 2 * 366 * 24 * 3, by: 1) {
                let instant = start.addingTimeInterval(Double(step) * 1200 + 7.5)
                let c = gregorian.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
                let expected = try #require(CivilDate(year: c.year!, month: c.month!, day: c.day!))
                guard clinic.date(at: instant) == expected, clinic.time(at: instant) == LocalTime(minutes: c.hour! * 60 + c.minute!) else {
                    Issue.record("\(zone) at \(instant): \(clinic.date(at: instant)) \(clinic.time(at: instant)), the calendar says \(expected) \(c.hour!):\(c.minute!)")
                    return
                }
                if start.timeIntervalSince1970 < 0, step > 24 * 3 * 10 { break }
            }
        }
    }
}
