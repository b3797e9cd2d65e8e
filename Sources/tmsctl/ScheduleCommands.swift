import ArgumentParser
import TMSCore
import TMSInterface

#if canImport(Glibc)
import Glibc
#endif

/// The front desk's board: `schedule day`, by its everyday name.
struct BoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Today's board: chairs across, time down, every session, and who is in each chair now (80 columns).",
        discussion: """
            Each session is named where it begins ('#12 Doe J'; ✓ done, * under way), '|' while it lasts, '.' a free \
            quarter hour, '-' a chair out of service; two beginning in one quarter hour are counted ('+1'). Today's \
            board marks the current quarter hour with '>' and says, chair by chair, which session is under way or \
            due now. The same as 'schedule day'.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"), transform: Parse.date)
    var date: CivilDate?
    @Flag(help: "Follow the board: drawn again each time tmsd records a change (a subscription, not polling), until interrupted.")
    var watch = false

    func run() throws {
        let daemon = try Daemon(global)
        guard watch else { return try Board.draw(date, on: daemon) }
        // At a terminal each board replaces the last; into a pipe, boards follow each other, a form feed between.
        let terminal = isatty(STDOUT_FILENO) == 1
        var first = true
        try daemon.watch(Clinic.GetDaySchedule.self, .init(date: date)) { reply in
            if terminal { print("\u{1B}[H\u{1B}[2J", terminator: "") } else if !first { print("\u{0C}") }
            first = false
            print(Board(reply).render(), terminator: "")
            fflush(nil)  // (every stream: stdout is a C global Swift 6 will not touch)
            return true
        }
        throw fail("tmsd ended the board's subscription", status: Status.unavailable)
    }
}

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "The clinic's calendar: the day's board, the week, a course, free slots.",
        subcommands: [Day.self, Week.self, Course.self, Free.self, Close.self])

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close",
            abstract: "Close a clinic day now: its sessions still scheduled become no-shows, each re-booked.",
            discussion: """
                tmsd does this itself at [clinic] day-close (default: the end of the day's opening hours), and when \
                it starts for any earlier day left open; this closes the day now. A no-show is a missed session \
                (reason no-show) with its replacement booked as a missed session's is; the nightly report lists \
                the day's no-shows to follow up, and flags a course's repeated ones. Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day (default: today; not a later day).", valueName: "YYYY-MM-DD"), transform: Parse.date)
        var date: CivilDate?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.CloseDay.self, .init(date: date)) else { return }
            let count = reply.noShows.count
            print("Closed \(reply.date): \(count == 0 ? "no" : "\(count)") no-show\(count == 1 ? "" : "s").")
            for n in reply.noShows {
                print("  session \(n.session.id) (course \(n.session.courseId)) at \(n.session.time): "
                    + "re-booked as session \(n.replacement.id) on \(n.replacement.date) at \(n.replacement.time)")
            }
            for warning in reply.warnings { print("WARNING: \(warning)") }
        }
    }

    struct Day: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "day",
            abstract: "The day as a chair x time board (fits 80 columns; four chairs per block).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"), transform: Parse.date)
        var date: CivilDate?

        func run() throws { try Board.draw(date, on: Daemon(global)) }
    }

    struct Week: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "week", abstract: "The week (Monday to Sunday) around a day: sessions per chair.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("A day of the week (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?

        func run() throws {
            let daemon = try Daemon(global)
            let monday = try (date ?? daemon.today()).startOfWeek
            if global.json {
                // One reply a day, as tmsd sent them.
                print("[", terminator: "")
                for offset in 0..<7 {
                    if offset > 0 { print(",", terminator: "") }
                    _ = try daemon.ask(Clinic.GetDaySchedule.self, .init(date: monday.adding(days: offset)))
                }
                print("]")
                return
            }
            let days: [Clinic.GetDaySchedule.Output] = try (0..<7).map { offset in
                try daemon.fetch(Clinic.GetDaySchedule.self, Clinic.OnDay(date: monday.adding(days: offset)))
            }
            let chairs = (days.first?.chairs ?? []).map(\.chair)
            print("Week of \(monday)")
            print(Format.table(
                ["DAY", "DATE", "HOURS"] + chairs + ["TOTAL"],
                days.map { day in
                    let live = day.sessions.map(\.session).filter { $0.status.holdsChair }
                    return [Format.day(day.date), "\(day.date)", day.open.isEmpty ? "closed" : day.open.joined(separator: ",")]
                        + chairs.map { chair in String(live.count { $0.chair == chair }) } + [String(live.count)]
                }), terminator: "")
        }
    }

    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "course", abstract: "A course's calendar with chairs and times.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetCourse.self, .init(id: id)) else { return }
            let c = reply.course
            print("Course \(c.id): \(c.protocolName), preferred time \(c.sessionTime) (\(c.timeZone))")
            print(calendarTable(reply.sessions), terminator: "")
        }
    }

    struct Free: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "free", abstract: "The open slots of each chair on a day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day.", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetDaySchedule.self, .init(date: date)) else { return }
            guard !reply.open.isEmpty else {
                print("The clinic is closed on \(date).")
                return
            }
            print("Free on \(date) (open \(reply.open.joined(separator: ", ")))")
            print(Format.table(
                ["CHAIR", "COILS", "FREE"],
                reply.chairs.map { chair in
                    let state = chair.outOfService.map { "out of service: \($0)" }
                        ?? (chair.free.isEmpty ? "full" : chair.free.joined(separator: " "))
                    return [chair.chair, chair.coils.joined(separator: ","), state]
                }), terminator: "")
        }
    }
}

struct ChairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chair", abstract: "The clinic's chairs: out of service, back in service.",
        subcommands: [OutOfService.self, InService.self])

    struct OutOfService: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "out-of-service",
            abstract: "Take a chair out of service for a date range; its bookings move to other chairs or days.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The chair's name.") var chair: String
        @Option(help: ArgumentHelp("The first day out of service.", valueName: "YYYY-MM-DD"), transform: Parse.date) var from: CivilDate
        @Option(help: ArgumentHelp("The last day out of service.", valueName: "YYYY-MM-DD"), transform: Parse.date) var to: CivilDate
        @Option(help: "Why.") var reason: String

        func run() throws {
            guard let reply = try Daemon(global).ask(
                Clinic.SetChairOutOfService.self, .init(chair: chair, from: from, to: to, reason: reason)) else { return }
            print("Chair \(chair) is out of service \(from) to \(to); \(reply.moved.count) sessions moved.")
            if !reply.moved.isEmpty { print(movesTable(reply.moved), terminator: "") }
            printWarnings(reply.warnings)
        }
    }

    struct InService: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "in-service",
            abstract: "Put a chair back in service from a date; sessions already moved off it stay where they are.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The chair's name.") var chair: String
        @Option(help: ArgumentHelp("The first day back in service (today or later).", valueName: "YYYY-MM-DD"), transform: Parse.date) var from: CivilDate

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ReturnChairToService.self, .init(chair: chair, from: from)) else { return }
            print("Chair \(chair) is back in service from \(from) (\(reply.outages) outage(s) lifted or shortened).")
        }
    }
}

/// Moved sessions: from where to where.
func movesTable(_ moves: [Clinic.Move]) -> String {
    Format.table(
        ["SESSION", "COURSE", "FROM", "TO", "CHAIR"],
        moves.map { m in
            ["\(m.session)", "\(m.courseId)", "\(m.fromDate) \(m.fromTime)", "\(m.toDate) \(m.toTime)", m.chair ?? "-"]
        })
}

struct RescheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reschedule",
        abstract: "Move a booked session to another day, time or chair.",
        discussion: """
            Without --time the session goes at the course's preferred time or the nearest free time that day; \
            without --chair, on any free chair carrying the course's coil. A past date, a closed day, a chair \
            without the coil, a time outside opening hours and a taken slot are refused; the refusal names \
            the booking in the way.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The session's id.") var session: Int
    @Option(help: ArgumentHelp("The new day.", valueName: "YYYY-MM-DD"), transform: Parse.date) var to: CivilDate
    @Option(help: ArgumentHelp("The new time.", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime?
    @Option(help: ArgumentHelp("The chair.", valueName: "name")) var chair: String?

    func run() throws {
        guard let reply = try Daemon(global).ask(
            Clinic.RescheduleSession.self, .init(id: session, date: to, time: time, chair: chair)) else { return }
        let s = reply.session
        print("Session \(s.id) is now on \(s.date) at \(s.time) on \(s.chair ?? "-") "
            + "(course \(s.courseId), session \(s.number) of \(s.total)).")
        printWarnings(reply.warnings)
    }
}

/// A course's sessions as a table: number, date, day, time, chair, phase, status.
func calendarTable(_ sessions: [Clinic.Session]) -> String {
    Format.table(
        ["#", "DATE", "DAY", "TIME", "CHAIR", "PHASE", "STATUS", "SESSION", "NOTE"],
        sessions.map { s in
            var note = ""
            if let by = s.replacedBy { note = "re-booked as \(by)" }
            if let of = s.replaces { note = "replaces \(of)" }
            if let pulses = s.delivery?.pulsesDelivered { note = "\(pulses) pulses" }
            if s.status == .aborted { note = "\(s.pulsesDelivered.map(String.init) ?? "") pulses; " + note }
            return ["\(s.number)", "\(s.date)", Format.day(s.date), "\(s.time)", s.chair ?? "-", s.phase, s.status.rawValue,
                    "\(s.id)", note]
        })
}

/// The front desk's board: time down the side, chairs across, four chairs
/// to a block so it fits 80 columns; each booking shows from its start to
/// its end as `#id name`.
struct Board {
    let day: Clinic.GetDaySchedule.Output
    init(_ day: Clinic.GetDaySchedule.Output) { self.day = day }

    /// `date`'s board, asked for and printed (with --json, the reply).
    static func draw(_ date: CivilDate?, on daemon: Daemon) throws {
        guard let reply = try daemon.ask(Clinic.GetDaySchedule.self, .init(date: date)) else { return }
        print(Board(reply).render(), terminator: "")
    }

    static let step = 15
    static let cell = 16

    func render() -> String {
        let open = day.open.compactMap { TimeRange($0) }
        let chairs = day.chairs.map(\.chair)
        guard let first = open.map(\.start).min(), let last = open.map(\.end).max() else {
            return "\(day.date): the clinic is closed.\n"
        }
        // Each live booking: its chair, its range, its label.
        var bookings: [(chair: String, range: TimeRange, label: String)] = []
        for row in day.sessions {
            let s = row.session
            guard s.status.holdsChair, let minutes = s.minutes else { continue }
            let name = row.patientName.split(separator: ",").map { String($0.drop { $0 == " " }) }
            let short = name.count == 2 ? "\(name[0]) \(name[1].prefix(1))" : row.patientName
            let mark = s.status == .completed ? "✓" : s.status == .inProgress ? "*" : ""
            bookings.append((s.chair ?? "", TimeRange(start: s.time.minutes, end: s.time.minutes + minutes), "#\(s.id)\(mark) \(short)"))
        }
        var text = "\(day.date) (\(String(describing: day.date.weekday).capitalized)), "
            + "open \(open.map(\.description).joined(separator: ", ")), \(bookings.count) session\(bookings.count == 1 ? "" : "s")\n"
        if let now = day.now {
            // Who is in each chair now: a session under way, else the one booked over this minute.
            let here = day.sessions.filter { row in
                row.session.status == .inProgress
                    || (row.session.status == .scheduled && row.session.minutes.map {
                        (row.session.time.minutes..<row.session.time.minutes + $0).contains(now.minutes)
                    } ?? false)
            }
            let inChairs = chairs.map { chair -> String in
                guard let row = here.first(where: { $0.session.chair == chair }) else { return "\(chair) free" }
                let state = row.session.status == .inProgress ? "under way" : "due"
                return "\(chair) #\(row.session.id) \(state)"
            }
            text += Format.wrap(inChairs.joined(separator: ", "), first: "Now \(now) (marked >): ")
        }
        var note = ""
        let out = Set(day.chairs.filter { $0.outOfService != nil }.map(\.chair))
        for chair in day.chairs { if let reason = chair.outOfService { note += "\(chair.chair) is out of service (marked -): \(reason)\n" } }
        let starting = stride(from: first - first % Self.step, to: last, by: Self.step)
        for block in stride(from: 0, to: max(chairs.count, 1), by: 4) {
            let group = Array(chairs[block..<min(block + 4, chairs.count)])
            text += "\n" + "TIME  " + group.map { pad($0, Self.cell) }.joined(separator: " ") + "\n"
            for minute in starting {
                let isOpen = open.contains { $0.start <= minute && minute < $0.end }
                let cells = group.map { chair -> String in
                    guard isOpen else { return pad("", Self.cell) }
                    let here = TimeRange(start: minute, end: minute + Self.step)
                    // A booking that begins in this row is named, even under the tail of the one before;
                    // several beginning in one row are all counted.
                    let starting = bookings.filter { $0.chair == chair && here.start <= $0.range.start && $0.range.start < here.end }
                    if let first = starting.first {
                        let more = starting.count > 1 ? " +\(starting.count - 1)" : ""
                        return pad(String(first.label.prefix(Self.cell - more.count)) + more, Self.cell)
                    }
                    if bookings.contains(where: { $0.chair == chair && $0.range.overlaps(here) }) { return pad("|", Self.cell) }
                    return pad(out.contains(chair) ? "-" : ".", Self.cell)
                }
                let isNow = day.now.map { minute <= $0.minutes && $0.minutes < minute + Self.step } ?? false
                text += LocalTime(minutes: minute)!.description + (isNow ? ">" : " ") + cells.joined(separator: " ") + "\n"
            }
        }
        if !day.consultations.isEmpty {
            note += "Consultations (rooms):\n" + day.consultations.map { c in
                "  \(c.range)  \(c.room)  \(c.clinician), patient \(c.patientId)" + (c.outcome.map { " (\($0.rawValue))" } ?? "") + "\n"
            }.joined()
        }
        return note.isEmpty ? text : text + "\n" + note
    }

    func pad(_ s: String, _ width: Int) -> String {
        let cut = String(s.prefix(width))
        return cut + String(repeating: " ", count: width - cut.count)
    }
}
