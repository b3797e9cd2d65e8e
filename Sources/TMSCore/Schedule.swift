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

    public init(date: CivilDate, time: LocalTime, phase: String, instant: Date) {
        self.date = date
        self.time = time
        self.phase = phase
        self.instant = instant
    }
}

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

    /// Plans `demands` in order, from `start` on, each treatment day at `firstTime`.
    public func plan(_ demands: [PhaseDemand], from start: CivilDate, at firstTime: LocalTime) throws(Failure) -> [PlannedSession] {
        let lastMinute = firstTime.minutes + (sessionsPerDay - 1) * intervalMinutes
        guard lastMinute < 24 * 60 else { throw .dayOverflows(last: lastMinute) }
        guard !calendar.clinicDays.isEmpty else { throw .noClinicDays }

        var sessions: [PlannedSession] = []
        var day = start
        for demand in demands {
            var left = demand.sessions
            switch demand.rhythm {
            case .daily:
                while left > 0 {
                    if calendar.isClinicDay(day) { left -= book(day, left, demand.name, at: firstTime, into: &sessions) }
                    day = day.adding(days: 1)
                }
            case .weekly(let perWeek):
                while left > 0 {
                    let open = (0..<7).map { day.adding(days: $0) }.filter(calendar.isClinicDay)
                    let daysWanted = (left + sessionsPerDay - 1) / sessionsPerDay
                    let take = min(perWeek, daysWanted, open.count)
                    for i in 0..<take {
                        // Centred spacing: the i-th of `take` points in `open.count` days.
                        let chosen = open[((2 * i + 1) * open.count) / (2 * take)]
                        left -= book(chosen, left, demand.name, at: firstTime, into: &sessions)
                    }
                    day = day.adding(days: 7)
                }
            }
        }
        return sessions
    }

    /// Books up to a day's worth of sessions on `day`; returns how many.
    private func book(
        _ day: CivilDate, _ left: Int, _ phase: String, at firstTime: LocalTime,
        into sessions: inout [PlannedSession]
    ) -> Int {
        let count = min(sessionsPerDay, left)
        for k in 0..<count {
            // `plan` checked that the day's last session falls before midnight.
            let time = LocalTime(minutes: firstTime.minutes + k * intervalMinutes)!
            sessions.append(PlannedSession(date: day, time: time, phase: phase, instant: calendar.instant(on: day, at: time)))
        }
        return count
    }
}
