/// Minutes since midnight on the clinic's wall clock, half-open: [start, end).
public struct TimeRange: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var start: Int
    public var end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM` (the end may be 24:00); nil unless both are
    /// times. An inverted range parses, so configuration can name the fault.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
        guard parts.count == 2, let start = LocalTime(parts[0]) else { return nil }
        guard let end = parts[1] == "24:00" ? 24 * 60 : LocalTime(parts[1])?.minutes else { return nil }
        self.init(start: start.minutes, end: end)
    }

    public var length: Int { end - start }

    public func overlaps(_ other: TimeRange) -> Bool { start < other.end && other.start < end }

    public func contains(_ other: TimeRange) -> Bool { start <= other.start && other.end <= end }

    public var description: String { "\(LocalTime(minutes: start)!)-\(end >= 24 * 60 ? "24:00" : LocalTime(minutes: end)!.description)" }

    public static func < (a: TimeRange, b: TimeRange) -> Bool { (a.start, a.end) < (b.start, b.end) }
}

/// A treatment chair: a named stimulator and the coil types it carries.
public struct Chair: Hashable, Sendable {
    public var name: String
    public var coils: Set<String>

    public init(name: String, coils: Set<String>) {
        self.name = name
        self.coils = coils
    }
}

/// What a clinic books sessions into: its chairs, its opening hours, and how
/// long each protocol holds a chair (stimulation plus set-up).
public struct ClinicResources: Sendable, Hashable {
    public var chairs: [Chair]
    /// Opening hours per weekday, sorted, not overlapping.
    public var hours: [Weekday: [TimeRange]]
    /// Set-up minutes added to every protocol's stimulation time.
    public var setupMinutes: Int
    /// Per protocol: its own set-up minutes, or a whole slot length.
    public var protocolSetupMinutes: [String: Int]
    public var protocolSlotMinutes: [String: Int]
    /// The rooms consultations are booked into (not treatment chairs).
    public var rooms: [String]

    public init(chairs: [Chair], hours: [Weekday: [TimeRange]], setupMinutes: Int = 10,
                protocolSetupMinutes: [String: Int] = [:], protocolSlotMinutes: [String: Int] = [:], rooms: [String] = ["consult-1"]) {
        self.rooms = rooms
        self.chairs = chairs
        self.hours = hours
        self.setupMinutes = setupMinutes
        self.protocolSetupMinutes = protocolSetupMinutes
        self.protocolSlotMinutes = protocolSlotMinutes
    }

    /// One chair carrying every coil in the library, open 08:00-18:00 on the
    /// given days: what a clinic gets before it configures its own.
    public static func standard(days: Set<Weekday>) -> ClinicResources {
        let coils = Set(ProtocolLibrary.builtIn.map(\.coil))
        return ClinicResources(
            chairs: [Chair(name: "chair-1", coils: coils)],
            hours: Dictionary(uniqueKeysWithValues: days.map { ($0, [TimeRange(start: 8 * 60, end: 18 * 60)]) }))
    }

    /// Whole minutes of stimulation in one session of `treatment`.
    public static func stimulationMinutes(_ treatment: TreatmentProtocol) -> Int {
        Int((treatment.sessionSeconds / 60).rounded(.up))
    }

    /// How long a session of `treatment` holds a chair.
    public func slotMinutes(for treatment: TreatmentProtocol) -> Int {
        if let slot = protocolSlotMinutes[treatment.id] { return slot }
        return Self.stimulationMinutes(treatment) + (protocolSetupMinutes[treatment.id] ?? setupMinutes)
    }

    public func chairs(carrying coil: String) -> [Chair] { chairs.filter { $0.coils.contains(coil) } }

    public func chair(named name: String) -> Chair? { chairs.first { $0.name == name } }

    public func openingHours(on date: CivilDate) -> [TimeRange] { hours[date.weekday] ?? [] }
}

/// The bookings already on a day, chair by chair.
public struct DayOccupancy: Sendable, Hashable {
    public var byChair: [String: [TimeRange]]

    public init(byChair: [String: [TimeRange]] = [:]) { self.byChair = byChair }

    public func isFree(_ chair: String, _ range: TimeRange) -> Bool {
        !(byChair[chair] ?? []).contains { $0.overlaps(range) }
    }

    public mutating func take(_ chair: String, _ range: TimeRange) {
        byChair[chair, default: []].append(range)
    }

    /// Gives back one booking of `range` on `chair`.
    public mutating func release(_ chair: String, _ range: TimeRange) {
        if let index = byChair[chair]?.firstIndex(of: range) { byChair[chair]!.remove(at: index) }
    }
}

/// One booked place: a chair from a start minute, for a length.
public struct Slot: Hashable, Sendable {
    public var chair: String
    public var start: Int
    public var minutes: Int

    public init(chair: String, start: Int, minutes: Int) {
        self.chair = chair
        self.start = start
        self.minutes = minutes
    }

    public var range: TimeRange { TimeRange(start: start, end: start + minutes) }
}

/// Finds chair-and-time slots on one day for one course.
///
/// The first session goes at the preferred time when a suitable chair is
/// free then, else at the nearest free time that day (earlier first on a
/// tie), on a 5-minute grid, inside opening hours. Further sessions that day
/// (accelerated protocols) follow at the protocol's interval or later.
/// Chairs without the coil are never used, and no slot overlaps a time the
/// patient is booked already (another course's session: a patient is in one
/// session at a time).
public struct SlotFinder: Sendable {
    public static let grid = 5

    public var resources: ClinicResources
    public var coil: String
    public var minutes: Int
    public var interval: Int

    public init(resources: ClinicResources, coil: String, minutes: Int, interval: Int) {
        self.resources = resources
        self.coil = coil
        self.minutes = minutes
        self.interval = interval
    }

    /// `count` slots on `date` around `preferred`, or nil when the day cannot
    /// hold them; `patientBusy` are the times the patient is booked elsewhere that day.
    ///
    /// Each chair's free gaps give the intervals its slot may start in; the
    /// best start in an interval is found by arithmetic, not by trying every
    /// grid point, so a full day costs a pass over its bookings.
    public func find(
        count: Int, on date: CivilDate, preferred: Int, occupancy: DayOccupancy, patientBusy: [TimeRange] = []
    ) -> [Slot]? {
        let open = resources.openingHours(on: date)
        let chairs = resources.chairs(carrying: coil).map(\.name)
        guard !open.isEmpty, !chairs.isEmpty, count > 0 else { return nil }
        var taken = occupancy
        // Start minutes [lo, hi] at which `chair` can hold a slot.
        func startIntervals(_ chair: String) -> [(lo: Int, hi: Int)] {
            let chairs = taken.byChair[chair] ?? []
            return TimeRange.free(open: open, booked: patientBusy.isEmpty ? chairs : chairs + patientBusy).compactMap { gap in
                gap.end - minutes >= gap.start ? (gap.start, gap.end - minutes) : nil
            }
        }
        let grid = Self.grid
        // The first: the grid point (preferred ± k·grid) nearest to preferred, earlier first on a tie.
        var best: (distance: Int, start: Int, chair: Int)?
        for (index, chair) in chairs.enumerated() {
            for (lo, hi) in startIntervals(chair) {
                var start: Int
                if preferred < lo {
                    start = preferred + ((lo - preferred + grid - 1) / grid) * grid
                } else if preferred > hi {
                    start = preferred - ((preferred - hi + grid - 1) / grid) * grid
                } else {
                    start = preferred
                }
                guard start >= lo, start <= hi else { continue }
                let candidate = (abs(start - preferred), start, index)
                if best == nil || candidate < best! { best = candidate }
            }
        }
        guard let first = best else { return nil }
        var slots = [Slot(chair: chairs[first.chair], start: first.start, minutes: minutes)]
        taken.take(slots[0].chair, slots[0].range)
        // The rest: the earliest grid point at least `interval` after the one before.
        while slots.count < count {
            let base = slots.last!.start + max(interval, minutes)
            var next: (start: Int, chair: Int)?
            for (index, chair) in chairs.enumerated() {
                for (lo, hi) in startIntervals(chair) where hi >= base {
                    let start = base >= lo ? base : base + ((lo - base + grid - 1) / grid) * grid
                    guard start <= hi else { continue }
                    if next == nil || (start, index) < next! { next = (start, index) }
                }
            }
            guard let found = next else { return nil }
            let slot = Slot(chair: chairs[found.chair], start: found.start, minutes: minutes)
            slots.append(slot)
            taken.take(slot.chair, slot.range)
        }
        return slots
    }
}

extension TimeRange {
    /// The parts of `open` that none of `booked` covers.
    public static func free(open: [TimeRange], booked: [TimeRange]) -> [TimeRange] {
        var free: [TimeRange] = []
        let booked = booked.sorted()  // once, not once per opening
        for range in open {
            var cursor = range.start
            for taken in booked where taken.end > cursor && taken.start < range.end {
                if taken.start > cursor { free.append(TimeRange(start: cursor, end: taken.start)) }
                cursor = max(cursor, taken.end)
            }
            if cursor < range.end { free.append(TimeRange(start: cursor, end: range.end)) }
        }
        return free
    }
}

extension ClinicResources {
    /// Whether a consultation can be booked in `room` on `date` for `range`:
    /// a room of the clinic's, a clinic day, today or later, inside one of
    /// the day's opening hours. (Whether the room, the clinician and the
    /// patient are free is the store's to check, in the write.)
    public func checkConsultation(
        room: String, date: CivilDate, range: TimeRange, calendar: ClinicCalendar, today: CivilDate
    ) throws(ClinicError) {
        guard rooms.contains(room) else { throw ClinicError.roomNotFound(room) }
        if date < today { throw ClinicError.dateInPast(date, today: today) }
        guard calendar.isClinicDay(date) else { throw ClinicError.closedDay(date) }
        guard (hours[date.weekday] ?? []).contains(where: { $0.contains(range) }) else {
            throw ClinicError.outsideOpeningHours(date, range)
        }
    }
}
