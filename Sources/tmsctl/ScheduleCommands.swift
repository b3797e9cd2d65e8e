import ArgumentParser
import TMSCore
import Varlink

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "The clinic's calendar: the day's board, the week, a course, free slots.",
        subcommands: [Day.self, Week.self, Course.self, Free.self])

    struct Day: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "day",
            abstract: "The day as a chair x time board (fits 80 columns; four chairs per block).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"))
        var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetDaySchedule", date.map { ["date": .string($0)] } ?? [:])
            if daemon.printedJSON(reply) { return }
            print(Board(reply.values).render(), terminator: "")
        }
    }

    struct Week: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "week", abstract: "The week (Monday to Sunday) around a day: sessions per chair.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("A day of the week (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let anchor = try date ?? daemon.today()
            guard let monday = CivilDate(anchor)?.startOfWeek else { throw fail("tmsd sent no date", status: Status.software) }
            var days: [[String: JSON]] = []
            for offset in 0..<7 {
                days.append(try daemon.call("GetDaySchedule", ["date": .string(monday.adding(days: offset).description)]).values)
            }
            if global.json {
                print(JSON.array(days.map(JSON.object)).text)
                return
            }
            let chairs = (days.first?["chairs"]?.array ?? []).map { $0.at("chair") }
            print("Week of \(monday)")
            print(Format.table(
                ["DAY", "DATE", "HOURS"] + chairs + ["TOTAL"],
                days.map { day in
                    let date = day["date"]?.string ?? ""
                    let sessions = (day["sessions"]?.array ?? []).map { $0["session"] ?? .null }
                        .filter { ["scheduled", "in_progress", "completed"].contains($0.at("status")) }
                    let weekday = CivilDate(date).map { String(describing: $0.weekday).prefix(3).capitalized } ?? ""
                    let hours = (day["open"]?.array ?? []).map(\.string).joined(separator: ",")
                    return [weekday, date, hours.isEmpty ? "closed" : hours]
                        + chairs.map { chair in String(sessions.count { $0.at("chair") == chair }) } + [String(sessions.count)]
                }), terminator: "")
        }
    }

    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "course", abstract: "A course's calendar with chairs and times.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetCourse", ["id": .int(id)])
            if daemon.printedJSON(reply) { return }
            let c = reply["course"] ?? .null
            print("Course \(c.at("id")): \(c.at("protocolName")), preferred time \(c.at("sessionTime")) (\(c.at("timeZone")))")
            print(calendarTable(reply["sessions"]?.array ?? []), terminator: "")
        }
    }

    struct Free: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "free", abstract: "The open slots of each chair on a day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day.", valueName: "YYYY-MM-DD")) var date: String

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetDaySchedule", ["date": .string(date)])
            if daemon.printedJSON(reply) { return }
            let open = (reply["open"]?.array ?? []).map(\.string)
            guard !open.isEmpty else {
                print("The clinic is closed on \(date).")
                return
            }
            print("Free on \(date) (open \(open.joined(separator: ", ")))")
            print(Format.table(
                ["CHAIR", "COILS", "FREE"],
                (reply["chairs"]?.array ?? []).map { chair in
                    let free = (chair["free"]?.array ?? []).map(\.string)
                    let state = chair["outOfService"].map { "out of service: \($0.string)" } ?? (free.isEmpty ? "full" : free.joined(separator: " "))
                    return [chair.at("chair"), (chair["coils"]?.array ?? []).map(\.string).joined(separator: ","), state]
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
        @Option(help: ArgumentHelp("The first day out of service.", valueName: "YYYY-MM-DD")) var from: String
        @Option(help: ArgumentHelp("The last day out of service.", valueName: "YYYY-MM-DD")) var to: String
        @Option(help: "Why.") var reason: String

        func validate() throws {
            try checkDate(from)
            try checkDate(to)
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call(
                "SetChairOutOfService", ["chair": .string(chair), "from": .string(from), "to": .string(to), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            let moved = reply["moved"]?.array ?? []
            print("Chair \(chair) is out of service \(from) to \(to); \(moved.count) sessions moved.")
            if !moved.isEmpty { print(movesTable(moved), terminator: "") }
            printWarnings(reply)
        }
    }

    struct InService: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "in-service",
            abstract: "Put a chair back in service from a date; sessions already moved off it stay where they are.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The chair's name.") var chair: String
        @Option(help: ArgumentHelp("The first day back in service (today or later).", valueName: "YYYY-MM-DD")) var from: String

        func validate() throws { try checkDate(from) }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ReturnChairToService", ["chair": .string(chair), "from": .string(from)])
            if daemon.printedJSON(reply) { return }
            print("Chair \(chair) is back in service from \(from) (\(reply.at("outages")) outage(s) lifted or shortened).")
        }
    }
}

/// Moved sessions: from where to where.
func movesTable(_ moves: [JSON]) -> String {
    Format.table(
        ["SESSION", "COURSE", "FROM", "TO", "CHAIR"],
        moves.map { m in
            [m.at("session"), m.at("courseId"), "\(m.at("fromDate")) \(m.at("fromTime"))", "\(m.at("toDate")) \(m.at("toTime"))",
             m["chair"]?.string ?? "-"]
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
    @Option(help: ArgumentHelp("The new day.", valueName: "YYYY-MM-DD")) var to: String
    @Option(help: ArgumentHelp("The new time.", valueName: "HH:MM")) var time: String?
    @Option(help: ArgumentHelp("The chair.", valueName: "name")) var chair: String?

    func validate() throws {
        try checkDate(to)
        if let time, LocalTime(time) == nil { throw ValidationError("--time '\(time)' is not a time (HH:MM).") }
    }

    func run() throws {
        let daemon = try Daemon(global)
        var parameters: [String: JSON] = ["id": .int(session), "date": .string(to)]
        if let time { parameters["time"] = .string(time) }
        if let chair { parameters["chair"] = .string(chair) }
        let reply = try daemon.call("RescheduleSession", parameters)
        if daemon.printedJSON(reply) { return }
        let s = reply["session"] ?? .null
        print("Session \(s.at("id")) is now on \(s.at("date")) at \(s.at("time")) on \(s.at("chair")) "
            + "(course \(s.at("courseId")), session \(s.at("number")) of \(s.at("total"))).")
        printWarnings(reply)
    }
}

func checkDate(_ date: String?) throws {
    if let date, CivilDate(date) == nil { throw ValidationError("'\(date)' is not a date (YYYY-MM-DD).") }
}

/// A course's sessions as a table: number, date, day, time, chair, phase, status.
func calendarTable(_ sessions: [JSON]) -> String {
    Format.table(
        ["#", "DATE", "DAY", "TIME", "CHAIR", "PHASE", "STATUS", "SESSION", "NOTE"],
        sessions.map { s in
            let day = CivilDate(s.at("date")).map { String(describing: $0.weekday).prefix(3).capitalized } ?? ""
            var note = ""
            if let by = s["replacedBy"] { note = "re-booked as \(by.string)" }
            if let of = s["replaces"] { note = "replaces \(of.string)" }
            if let pulses = s["delivery"]?["pulsesDelivered"] { note = "\(pulses.string) pulses" }
            if s.at("status") == "aborted" { note = "\(s.at("pulsesDelivered")) pulses; " + note }
            return [s.at("number"), s.at("date"), day, s.at("time"), s["chair"]?.string ?? "-", s.at("phase"), s.at("status"),
                    s.at("id"), note]
        })
}

/// The front desk's board: time down the side, chairs across, four chairs
/// to a block so it fits 80 columns; each booking shows from its start to
/// its end as `#id name`.
struct Board {
    let values: [String: JSON]
    init(_ values: [String: JSON]) { self.values = values }

    static let step = 15
    static let cell = 16

    func render() -> String {
        let date = values["date"]?.string ?? ""
        let open = (values["open"]?.array ?? []).compactMap { TimeRange($0.string) }
        let chairs = (values["chairs"]?.array ?? []).map { $0.at("chair") }
        guard let first = open.map(\.start).min(), let last = open.map(\.end).max() else {
            return "\(date): the clinic is closed.\n"
        }
        // Each live booking: its chair, its range, its label.
        var bookings: [(chair: String, range: TimeRange, label: String)] = []
        for row in values["sessions"]?.array ?? [] {
            let s = row["session"] ?? .null
            guard ["scheduled", "in_progress", "completed"].contains(s.at("status")),
                  let start = LocalTime(s.at("time"))?.minutes, let minutes = s["minutes"]?.int else { continue }
            let name = row.at("patientName").split(separator: ",").map { $0.trimmingCharacters() }
            let short = name.count == 2 ? "\(name[0]) \(name[1].prefix(1))" : row.at("patientName")
            let mark = s.at("status") == "completed" ? "✓" : ""
            bookings.append((s.at("chair"), TimeRange(start: start, end: start + minutes), "#\(s.at("id"))\(mark) \(short)"))
        }
        var out = "\(date) (\(CivilDate(date).map { String(describing: $0.weekday).capitalized } ?? "")), "
            + "open \(open.map(\.description).joined(separator: ", ")), \(bookings.count) sessions\n"
        let starting = stride(from: first - first % Self.step, to: last, by: Self.step)
        for block in stride(from: 0, to: max(chairs.count, 1), by: 4) {
            let group = Array(chairs[block..<min(block + 4, chairs.count)])
            out += "\n" + "TIME  " + group.map { pad($0, Self.cell) }.joined(separator: " ") + "\n"
            for minute in starting {
                let isOpen = open.contains { $0.start <= minute && minute < $0.end }
                let cells = group.map { chair -> String in
                    guard isOpen else { return pad("", Self.cell) }
                    let here = TimeRange(start: minute, end: minute + Self.step)
                    guard let b = bookings.first(where: { $0.chair == chair && $0.range.overlaps(here) }) else {
                        return pad(".", Self.cell)
                    }
                    return pad(b.range.start >= minute && b.range.start < minute + Self.step ? b.label : "|", Self.cell)
                }
                out += LocalTime(minutes: minute)!.description + " " + cells.joined(separator: " ") + "\n"
            }
        }
        return out
    }

    func pad(_ s: String, _ width: Int) -> String {
        let cut = String(s.prefix(width))
        return cut + String(repeating: " ", count: width - cut.count)
    }
}

private extension Substring {
    func trimmingCharacters() -> String { String(drop { $0 == " " }) }
}
