// FoundationEssentials where it exists: tmsctl links TMSCore and should not
// carry all of Foundation and ICU. (tmsd links Foundation, which brings the
// IANA time zones that ClinicCalendar needs.)
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One session on a course's calendar.
public struct PlannedSession: Sendable, Hashable {
    public var date: CivilDate
    public var time: LocalTime
    /// The phase the session belongs to ("acute", "taper 1", ...).
    public var phase: String
    /// UTC instant of `time` on `date` in the clinic's zone.
    public var instant: Date
    /// The chair booked, and for how long, when booked into the clinic's chairs.
    public var chair: String?
    public var minutes: Int

    public init(date: CivilDate, time: LocalTime, phase: String, instant: Date, chair: String? = nil, minutes: Int = 0) {
        self.date = date
        self.time = time
        self.phase = phase
        self.instant = instant
        self.chair = chair
        self.minutes = minutes
    }
}

/// Books a day's sessions for a course: given the day and how many sessions,
/// the slots, or nil when the day cannot hold them (no free chair with the
/// coil, or closed).
public typealias DayBooker = (_ date: CivilDate, _ count: Int) throws -> [Slot]?

/// What is left to book of one phase of a course.
public struct PhaseDemand: Sendable, Hashable {
    public enum Rhythm: Sendable, Hashable {
        /// Every clinic day.
        case daily
        /// This many treatment days in each seven-day block.
        case weekly(perWeek: Int)
    }

    public var name: String
    public var rhythm: Rhythm
    public var sessions: Int

    public init(name: String, rhythm: Rhythm, sessions: Int) {
        self.name = name
        self.rhythm = rhythm
        self.sessions = sessions
    }

    /// The whole course of a protocol, phase by phase.
    public static func course(_ treatment: TreatmentProtocol) -> [PhaseDemand] {
        treatment.phases.map { phase in
            switch phase {
            case .daily(let name, let days):
                return PhaseDemand(name: name, rhythm: .daily, sessions: days * treatment.sessionsPerDay)
            case .weekly(let name, let perWeek, let weeks):
                return PhaseDemand(
                    name: name, rhythm: .weekly(perWeek: perWeek),
                    sessions: perWeek * weeks * treatment.sessionsPerDay)
            }
        }
    }
}

/// Lays a course's sessions on the clinic's calendar.
///
/// Daily phases take every clinic day in a row. Weekly phases ("3 a week")
/// count in the clinic's calendar weeks (`ClinicCalendar.weekStart`): each
/// week takes its count of clinic days spread through it, no two on
/// consecutive days where the week allows (3 of 5 days fall like Monday,
/// Wednesday, Friday). A phase begins in the rest of the week its previous
/// phase ended in only when those days can hold the week's count apart;
/// otherwise it begins the next week. A week with too few clinic days
/// (holidays) takes what it has and the shortfall moves to the next week, so
/// the course always keeps its session count. Several sessions a day start
/// at `firstTime` and follow at the protocol's minimum interval.
public struct ScheduleGenerator: Sendable {
    public var calendar: ClinicCalendar
    public var sessionsPerDay: Int
    public var intervalMinutes: Int

    public init(calendar: ClinicCalendar, treatment: TreatmentProtocol) {
        self.init(calendar: calendar, sessionsPerDay: treatment.sessionsPerDay, intervalMinutes: treatment.minimumIntervalMinutes)
    }

    public init(calendar: ClinicCalendar, sessionsPerDay: Int, intervalMinutes: Int) {
        self.calendar = calendar
        self.sessionsPerDay = max(1, sessionsPerDay)
        self.intervalMinutes = intervalMinutes
    }

    public enum Failure: Error, Equatable {
        /// The day's last session would fall after midnight.
        case dayOverflows(last: Int)
        /// The clinic has no open day to book on.
        case noClinicDays
    }

    /// How many clinic days in a row may turn out full before the plan gives up.
    public static let maximumFullDays = 366

    /// Plans `demands` in order, from `start` on, each treatment day at
    /// `firstTime`. With a `booker`, each day's sessions go into the slots it
    /// finds, and a day it cannot book counts as closed for this course.
    /// `treated` are the days before `start` already given (or kept) in each
    /// phase, by phase name: a weekly phase under way counts them in its week.
    public func plan(
        _ demands: [PhaseDemand], from start: CivilDate, at firstTime: LocalTime, booker: DayBooker? = nil,
        treated: [String: [CivilDate]] = [:]
    ) throws -> [PlannedSession] {
        let lastMinute = firstTime.minutes + (sessionsPerDay - 1) * intervalMinutes
        guard lastMinute < 24 * 60 else { throw Failure.dayOverflows(last: lastMinute) }
        guard !calendar.clinicDays.isEmpty else { throw Failure.noClinicDays }

        var sessions: [PlannedSession] = []
        var day = start
        var fullDays = 0
        // Books what `day` can take of `left`; returns how many it booked.
        func tryDay(_ date: CivilDate, _ left: Int, _ phase: String) throws -> Int {
            let count = min(sessionsPerDay, left)
            guard let booker else { return book(date, count, phase, at: firstTime, into: &sessions) }
            guard let slots = try booker(date, count) else {
                fullDays += 1
                if fullDays > Self.maximumFullDays { throw Failure.noClinicDays }
                return 0
            }
            fullDays = 0
            for slot in slots {
                let time = LocalTime(minutes: slot.start)!
                sessions.append(PlannedSession(
                    date: date, time: time, phase: phase, instant: calendar.instant(on: date, at: time),
                    chair: slot.chair, minutes: slot.minutes))
            }
            return slots.count
        }
        // The last day a weekly phase treated, kept apart from the next weekly day.
        var lastWeekly: CivilDate?
        for demand in demands {
            var left = demand.sessions
            switch demand.rhythm {
            case .daily:
                while left > 0 {
                    if calendar.isClinicDay(day) { left -= try tryDay(day, left, demand.name) }
                    day = day.adding(days: 1)
                }
                lastWeekly = nil
            case .weekly(let perWeek):
                let before = (treated[demand.name] ?? []).filter { $0 < day }
                lastWeekly = [lastWeekly, before.max()].compactMap { $0 }.max()
                var week = calendar.startOfWeek(day)
                var first = true
                while left > 0 {
                    let next = week.adding(days: 7)
                    var open = (0..<7).map { week.adding(days: $0) }.filter { $0 >= day && calendar.isClinicDay($0) }
                    let begun = first ? before.filter { $0 >= week } : []
                    let daysWanted = (left + sessionsPerDay - 1) / sessionsPerDay
                    let want = max(0, min(perWeek - begun.count, daysWanted))
                    var apart = begun
                    if let lastWeekly { apart.append(lastWeekly) }
                    var chosen = Self.spread(open, want, apart: apart)
                    // The rest of a week the phase has not begun in: only if it holds the week's count apart.
                    if first, week < day, begun.isEmpty, chosen.count < want || Self.adjacent(chosen + apart) > 0 {
                        chosen = []
                    }
                    open.removeAll { chosen.contains($0) }
                    var booked: [CivilDate] = []
                    for wanted in chosen {
                        var count = try tryDay(wanted, left, demand.name)
                        var day = wanted
                        // A full day: the nearest other open day of the week instead, apart from the rest if it can be.
                        while count == 0, let other = open.min(by: { a, b in
                            let near = chosen + booked + apart
                            return (Self.adjacent(near + [a]), abs(a.dayNumber - wanted.dayNumber), a)
                                < (Self.adjacent(near + [b]), abs(b.dayNumber - wanted.dayNumber), b)
                        }) {
                            open.removeAll { $0 == other }
                            day = other
                            count = try tryDay(other, left, demand.name)
                        }
                        if count > 0 { booked.append(day) }
                        left -= count
                    }
                    if let last = booked.max() { lastWeekly = last }
                    first = false
                    week = next
                    day = next
                }
            }
        }
        return sessions.sorted { $0.instant < $1.instant }
    }

    /// Pairs of `days` that fall on consecutive dates.
    static func adjacent(_ days: [CivilDate]) -> Int {
        let numbers = Set(days.map(\.dayNumber))
        return numbers.count { numbers.contains($0 + 1) }
    }

    /// `count` of `open` (sorted) spread through them: the fewest on
    /// consecutive days (with `apart` as well), then the nearest to even
    /// spacing (the i-th of k in n days at (2i+1)n/2k). Fewer when `open` has fewer.
    static func spread(_ open: [CivilDate], _ count: Int, apart: [CivilDate]) -> [CivilDate] {
        let n = open.count, k = min(count, n)
        guard k > 0 else { return [] }
        let centred = (0..<k).map { ((2 * $0 + 1) * n) / (2 * k) }
        var best: (key: (Int, Int), pick: [Int])?
        // At most 7 open days a week: every choice of k of them is few.
        for mask in 0..<(1 << n) where mask.nonzeroBitCount == k {
            let pick = (0..<n).filter { mask & (1 << $0) != 0 }
            let key = (adjacent(pick.map { open[$0] } + apart), zip(pick, centred).reduce(0) { $0 + abs($1.0 - $1.1) })
            if best == nil || key < best!.key { best = (key, pick) }
        }
        return best!.pick.map { open[$0] }
    }

    /// Books up to a day's worth of sessions on `day` at fixed times; returns how many.
    private func book(
        _ day: CivilDate, _ count: Int, _ phase: String, at firstTime: LocalTime,
        into sessions: inout [PlannedSession]
    ) -> Int {
        for k in 0..<count {
            // `plan` checked that the day's last session falls before midnight.
            let time = LocalTime(minutes: firstTime.minutes + k * intervalMinutes)!
            sessions.append(PlannedSession(date: day, time: time, phase: phase, instant: calendar.instant(on: day, at: time)))
        }
        return count
    }
}
