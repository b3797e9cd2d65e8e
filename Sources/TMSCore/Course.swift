/// Where a course is in its life.
public enum CourseStatus: String, Sendable, CaseIterable {
    case active, paused
    /// Stopped at once by an adverse event (a seizure) until a clinician resumes it.
    case onHold = "on_hold"
    case completed, cancelled
}

/// What booking a course needs to know of the clinic.
public struct BookingPolicy: Sendable {
    public var calendar: ClinicCalendar
    public var resources: ClinicResources

    public init(calendar: ClinicCalendar, resources: ClinicResources) {
        self.calendar = calendar
        self.resources = resources
    }
}

/// Where a session is in its life. Only `scheduled` and `inProgress` can change.
public enum SessionStatus: String, Sendable, CaseIterable {
    case scheduled
    case inProgress = "in_progress"
    case completed, missed, aborted

    public var isOpen: Bool { self == .scheduled || self == .inProgress }

    /// Whether the session holds its chair and its time: booked, under way or given.
    public var holdsChair: Bool { self != .missed && self != .aborted }
}

/// Re-booking after a missed or aborted session.
///
/// The open sessions after the missed one, plus one replacement in the missed
/// session's phase, are laid out again from the next free clinic day: each
/// phase keeps its count and its rhythm, so a course of 36 stays 36 and its
/// taper weeks keep 3, 2 and 1.
public enum Rebooking {
    /// An open session that can move: its id and phase.
    public struct Movable: Sendable, Hashable {
        public var id: Int
        public var phase: String
        public init(id: Int, phase: String) {
            self.id = id
            self.phase = phase
        }
    }

    public struct Result: Sendable {
        /// New slots for the sessions that move, by id.
        public var moved: [(id: Int, slot: PlannedSession)]
        /// The replacement's slot, when one was asked for.
        public var replacementSlot: PlannedSession?
    }

    /// - Parameters:
    ///   - phases: the course's phases, in order.
    ///   - missedPhase: the phase of the session that was missed or aborted, to
    ///     book one replacement in; nil only moves `movable`.
    ///   - movable: open sessions to lay out again, in their current order.
    ///   - from: the first day they may take.
    ///   - busyDays: days that already hold sessions staying where they are.
    ///   - treated: those days by phase, so a weekly phase under way counts its week's.
    public static func plan(
        phases: [CoursePhase], missedPhase: String?, movable: [Movable], generator: ScheduleGenerator,
        from: CivilDate, busyDays: Set<CivilDate>, at time: LocalTime, booker: DayBooker? = nil,
        treated: [String: [CivilDate]] = [:]
    ) throws -> Result {
        // A session of a phase its course does not have (a record written by hand, an
        // import gone wrong) has nowhere to be re-booked: said, not assumed.
        if let missedPhase, !phases.contains(where: { $0.name == missedPhase }) {
            throw ClinicError.invalidValue(
                "phase", "'\(missedPhase)' is not a phase of its course (\(phases.map(\.name).joined(separator: ", "))): no replacement can be booked")
        }
        var generator = generator
        generator.calendar.holidays.formUnion(busyDays)
        let demands: [PhaseDemand] = phases.compactMap { phase in
            let count = movable.count(where: { $0.phase == phase.name }) + (phase.name == missedPhase ? 1 : 0)
            guard count > 0 else { return nil }
            switch phase {
            case .daily(let name, _): return PhaseDemand(name: name, rhythm: .daily, sessions: count)
            case .weekly(let name, let perWeek, _): return PhaseDemand(name: name, rhythm: .weekly(perWeek: perWeek), sessions: count)
            }
        }
        let slots = try generator.plan(demands, from: from, at: time, booker: booker, treated: treated)
        // Within a phase the replacement takes the first slot: it was due first.
        var moved: [(id: Int, slot: PlannedSession)] = []
        var replacement: PlannedSession?
        var index = 0
        for demand in demands {
            var ids = movable.filter { $0.phase == demand.name }.map(\.id)
            if demand.name == missedPhase {
                replacement = slots[index]
                index += 1
            }
            while !ids.isEmpty {
                moved.append((ids.removeFirst(), slots[index]))
                index += 1
            }
        }
        return Result(moved: moved, replacementSlot: replacement)
    }
}

extension CoursePhase {
    /// `daily` or `weekly`, as stored and as the protocol names it.
    public var rhythm: String {
        switch self {
        case .daily: "daily"
        case .weekly: "weekly"
        }
    }

    /// A stored phase: `daily:NAME:DAYS` or `weekly:NAME:PERWEEK:WEEKS`.
    public var encoded: String {
        switch self {
        case .daily(let name, let days): "daily:\(name):\(days)"
        case .weekly(let name, let perWeek, let weeks): "weekly:\(name):\(perWeek):\(weeks)"
        }
    }

    public init?(encoded: String) { self.init(encoded: encoded[...]) }

    /// (Concrete, not generic over StringProtocol: every course read from the
    /// database decodes its phases, and the generic split ran unspecialized.)
    public init?(encoded: Substring) {
        let parts = encoded.split(separator: ":", omittingEmptySubsequences: false)
        switch (parts.first, parts.count) {
        case ("daily"?, 3):
            guard let days = Int(parts[2]) else { return nil }
            self = .daily(name: String(parts[1]), days: days)
        case ("weekly"?, 4):
            guard let perWeek = Int(parts[2]), let weeks = Int(parts[3]) else { return nil }
            self = .weekly(name: String(parts[1]), perWeek: perWeek, weeks: weeks)
        default:
            return nil
        }
    }
}
