import Foundation
import Testing
@testable import TMSCore

@Suite struct AuthorizationTests {
    func date(_ text: String) -> CivilDate { CivilDate(text)! }

    func authorization(_ sessions: Int, _ from: String, _ to: String) -> Authorization {
        Authorization(
            id: 1, courseId: 1, payer: "Medicare", reference: "PA-1", sessions: sessions, from: date(from), to: date(to),
            recordedBy: "desk", extensions: [])
    }

    /// `n` weekday sessions from Monday 2026-12-07, the first `done` of them completed.
    func bookings(_ n: Int, done: Int = 0, missed: Set<Int> = []) -> [AuthorizationUse.Booking] {
        var out: [AuthorizationUse.Booking] = []
        var day = date("2026-12-07")
        while out.count < n {
            if day.weekday != .saturday, day.weekday != .sunday {
                let i = out.count
                out.append(.init(number: i + 1, date: day, status: i < done ? .completed : missed.contains(i) ? .missed : .scheduled))
            }
            day = day.adding(days: 1)
        }
        return out
    }

    @Test func noAuthorizationNoWarning() {
        let use = AuthorizationUse.assess([], bookings: bookings(36, done: 3), warnPercent: 80)
        #expect(use.authorized == 0 && use.used == 3 && use.booked == 36 && use.expires == nil)
        #expect(use.warnings.isEmpty && !use.nearlyUsed)
    }

    @Test func withinCountAndDatesNoWarning() {
        // 36 weekdays from 2026-12-07 end on 2027-01-25.
        let use = AuthorizationUse.assess([authorization(36, "2026-12-07", "2027-01-25")], bookings: bookings(36), warnPercent: 80)
        #expect(use.warnings.isEmpty)
        #expect(use.expires == date("2027-01-25"))
    }

    @Test func pastTheCountWarns() {
        let use = AuthorizationUse.assess([authorization(30, "2026-12-01", "2027-06-30")], bookings: bookings(36), warnPercent: 80)
        #expect(use.warnings == ["36 sessions booked, 30 authorized: 6 beyond the authorization"])
    }

    @Test func missedSessionsDoNotCountButTheirReplacementsDo() {
        // 37 rows, one missed: 36 booked, as the course books a replacement for it.
        let use = AuthorizationUse.assess(
            [authorization(36, "2026-12-01", "2027-06-30")], bookings: bookings(37, done: 2, missed: [5]), warnPercent: 80)
        #expect(use.booked == 36 && use.used == 2 && use.warnings.isEmpty)
    }

    @Test func outsideTheDatesWarnsNamingTheFirst() {
        let use = AuthorizationUse.assess([authorization(40, "2026-12-08", "2027-01-20")], bookings: bookings(36), warnPercent: 80)
        // 2026-12-07 is before the start; 2027-01-21, -22, -25 after the end.
        #expect(use.warnings == [
            "4 sessions booked outside the authorized dates (first: #1 on 2026-12-07; authorized 2026-12-08 to 2027-01-20)",
        ])
    }

    @Test func twoAuthorizationsAddUpAndCoverTheirRanges() {
        let use = AuthorizationUse.assess(
            [authorization(30, "2026-12-07", "2027-01-15"), authorization(6, "2027-01-16", "2027-01-31")],
            bookings: bookings(36), warnPercent: 80)
        #expect(use.authorized == 36 && use.expires == date("2027-01-31") && use.warnings.isEmpty)
    }

    @Test func theWarningShareIsInclusive() {
        let auth = [authorization(10, "2026-12-01", "2027-06-30")]
        #expect(!AuthorizationUse.assess(auth, bookings: bookings(10, done: 7), warnPercent: 80).nearlyUsed)
        #expect(AuthorizationUse.assess(auth, bookings: bookings(10, done: 8), warnPercent: 80).nearlyUsed)
    }
}
