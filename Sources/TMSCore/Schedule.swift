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
/// Daily phases take every clinic day in a row. Weekly phases run in
/// seven-day blocks that start the day after the previous phase's last
/// treatment day; each block takes its count of clinic days, spread evenly
/// over the block (3 of 5 days fall like Monday, Wednesday, Friday). A block
/// with too few clinic days (holidays) takes what it has and the shortfall
/// moves to the next block, so the course always keeps its session count.
/// Several sessions a day start at `firstTime` and follow at the protocol's
/// minimum interval.
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
    public func plan(
        _ demands: [PhaseDemand], from start: CivilDate, at firstTime: LocalTime, booker: DayBooker? = nil
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
        for demand in demands {
            var left = demand.sessions
            switch demand.rhythm {
            case .daily:
                while left > 0 {
                    if calendar.isClinicDay(day) { left -= try tryDay(day, left, demand.name) }
                    day = day.adding(days: 1)
                }
            case .weekly(let perWeek):
                while left > 0 {
                    var open = (0..<7).map { day.adding(days: $0) }.filter(calendar.isClinicDay)
                    let daysWanted = (left + sessionsPerDay - 1) / sessionsPerDay
                    let take = min(perWeek, daysWanted, open.count)
                    // Centred spacing: the i-th of `take` points in `open.count` days.
                    let chosen = (0..<take).map { open[((2 * $0 + 1) * open.count) / (2 * take)] }
                    open.removeAll { chosen.contains($0) }
                    for wanted in chosen {
                        var booked = try tryDay(wanted, left, demand.name)
                        // A full day: the nearest other open day of the block instead.
                        while booked == 0, let other = open.min(by: { abs($0.dayNumber - wanted.dayNumber) < abs($1.dayNumber - wanted.dayNumber) }) {
                            open.removeAll { $0 == other }
                            booked = try tryDay(other, left, demand.name)
                        }
                        left -= booked
                    }
                    day = day.adding(days: 7)
                }
            }
        }
        return sessions.sorted { $0.instant < $1.instant }
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
