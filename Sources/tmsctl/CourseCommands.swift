import ArgumentParser
import TMSCore
import TMSInterface

struct CourseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "course", abstract: "Prescribe courses and follow their progress.",
        subcommands: [Create.self, Show.self, List.self, Cancel.self, Pause.self, Resume.self, Time.self, ResumeHold.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Prescribe a course and book its whole calendar.",
            discussion: """
                The calendar takes clinic days only, skips holidays, keeps the protocol's taper weeks and, for \
                accelerated protocols, books several sessions a day at the protocol's interval. Target methods: \
                five_cm_rule (5cm), beam_f3, neuronavigation, fmri_guided, cap_position; neuronavigation and \
                fmri_guided need --x, --y, --z and --coordinate-system.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The patient's id.") var patient: Int
        @Option(name: .customLong("protocol"), help: "The protocol's id (tmsctl protocol list).") var protocolId: String
        @Option(help: ArgumentHelp("First day of treatment.", valueName: "YYYY-MM-DD"), transform: Parse.date) var start: CivilDate
        @Option(help: "The prescribing clinician.") var prescriber: String
        @Option(help: "How the target was found (see above).") var targetMethod: TargetSite.Method = .beamF3
        @Option(help: "The target site, e.g. 'left DLPFC' (default: the protocol's).") var targetLabel: String?
        @Option(parsing: .unconditional, help: "Target x coordinate (may be negative).") var x: Double?
        @Option(parsing: .unconditional, help: "Target y coordinate.") var y: Double?
        @Option(parsing: .unconditional, help: "Target z coordinate.") var z: Double?
        @Option(help: "Coordinate system: MNI, native, cap-cm, scalp-cm.") var coordinateSystem: String?
        @Option(help: ArgumentHelp("Intensity in % of motor threshold (default: the protocol's).", valueName: "percent"))
        var intensity: Double?
        @Option(help: ArgumentHelp("Time of the day's (first) session (default: the clinic's).", valueName: "HH:MM"), transform: Parse.time)
        var time: LocalTime?
        @OptionGroup var overriding: Overrides

        func run() throws {
            let daemon = try Daemon(global)
            let label = try targetLabel ?? daemon.fetch(Clinic.GetProtocol.self, .init(id: protocolId)).protocol.target
            let target = TargetSite(method: targetMethod, label: label, x: x, y: y, z: z, coordinateSystem: coordinateSystem)
            guard let reply = try daemon.ask(Clinic.CreateCourse.self, .init(
                patientId: patient, protocolId: protocolId, startDate: start, prescriber: prescriber, target: target,
                intensityPercentMT: intensity, sessionTime: time, override: overriding.reason, overrides: overriding.byRule)) else { return }
            let course = reply.course
            print("Prescribed course \(course.id) for patient \(course.patientId): \(course.protocolName), "
                + "\(reply.sessions.count) sessions from \(reply.sessions.first.map { "\($0.date)" } ?? "?") "
                + "to \(reply.sessions.last.map { "\($0.date)" } ?? "?").")
            for finding in reply.findings { print("NOTE: \(Format.finding(finding))") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a course: prescription, progress, authorizations and calendar.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            guard let reply = try daemon.ask(Clinic.GetCourse.self, .init(id: id)) else { return }
            let c = reply.course, p = reply.progress, t = c.target
            var target = "\(t.label) (\(t.method.rawValue)"
            if let x = t.x, let y = t.y {
                target += "; \(t.coordinateSystem ?? "") \(Format.number(x)), \(Format.number(y)), \(t.z.map(Format.number) ?? "")"
            }
            target += ")"
            let next = p.nextDate.map { "session \(p.nextSessionId.map(String.init) ?? "?") on \($0) at \(p.nextTime.map { "\($0)" } ?? "?")" }
                ?? "none"
            let standing = try daemon.fetch(Clinic.ListAuthorizations.self, .init(courseId: id))
            let granted = standing.authorizations
            let use = standing.use
            let authorized = granted.isEmpty ? "none on file"
                : granted.map { "\($0.payer) \($0.reference)" }.joined(separator: ", ")
                    + ": \(use.used) of \(use.authorized) used, \(use.booked) booked, to \(use.expires.map { "\($0)" } ?? "")"
            print(Format.fields([
                ("Course", "\(c.id)"), ("Patient", "\(c.patientId)"), ("Protocol", "\(c.protocolName) (\(c.protocolId))"),
                ("Status", c.status.rawValue + (c.statusReason.map { ": " + $0 } ?? "")), ("Prescriber", c.prescriber),
                ("Target", target), ("Dose", Format.dose(c.dose)), ("Time zone", c.timeZone),
                ("Progress", "\(p.done) of \(p.total) done, \(p.missed) missed, \(p.aborted) aborted, \(p.remaining) remaining"),
                ("Next", next),
                ("Authorized", authorized),
            ]), terminator: "")
            printWarnings(standing.warnings)
            if !reply.findings.isEmpty {
                print()
                print("Findings the treatment went ahead with:")
                for finding in reply.findings { print(Format.wrap(Format.finding(finding), first: "  "), terminator: "") }
            }
            print()
            print(calendarTable(reply.sessions), terminator: "")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List courses.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this patient's courses.") var patient: Int?
        @Option(help: "Only courses in this status.") var status: CourseStatus?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListCourses.self, .init(patientId: patient, status: status)) else { return }
            if reply.courses.isEmpty {
                print("No courses.")
                return
            }
            print(Format.table(
                ["COURSE", "PATIENT", "PROTOCOL", "STATUS", "START", "SESSIONS", "PRESCRIBER"],
                reply.courses.map { ["\($0.id)", "\($0.patientId)", $0.protocolId, $0.status.rawValue, "\($0.startDate)",
                                     "\($0.totalSessions)", $0.prescriber] }), terminator: "")
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Pause a course from a date: its sessions from that day are released until it resumes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The first day without treatment.", valueName: "YYYY-MM-DD"), transform: Parse.date) var from: CivilDate

        func run() throws {
            guard let p = try Daemon(global).ask(Clinic.PauseCourse.self, .init(id: id, from: from))?.progress else { return }
            print("Course \(id) paused from \(from): \(p.done) of \(p.total) done, \(p.remaining) to book on resume.")
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Resume a paused course on a date; the rest of its calendar is booked from there.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The first day of treatment again.", valueName: "YYYY-MM-DD"), transform: Parse.date) var on: CivilDate

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ResumeCourse.self, .init(id: id, on: on)) else { return }
            let open = reply.sessions.filter { $0.status == .scheduled }
            print("Course \(id) resumed: \(open.count) sessions booked from \(open.first?.date ?? on) to \(open.last?.date ?? on).")
            printWarnings(reply.warnings)
        }
    }

    struct Time: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "time", abstract: "Change a course's preferred time from a date on; its sessions move.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The new preferred time.", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime
        @Option(help: ArgumentHelp("The first day at the new time.", valueName: "YYYY-MM-DD"), transform: Parse.date) var from: CivilDate

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ChangePreferredTime.self, .init(id: id, time: time, from: from)) else { return }
            print("Course \(id): preferred time \(time) from \(from); \(reply.moved.count) sessions moved.")
            printWarnings(reply.warnings)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "End a course early.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: "Why the course ends.") var reason: String

        func run() throws {
            guard try Daemon(global).ask(Clinic.CancelCourse.self, .init(id: id, reason: reason)) != nil else { return }
            print("Course \(id) cancelled.")
        }
    }
}

extension Format {
    /// A prescription in one line: "10 Hz, 120% MT, 75 trains of 40 pulses (4 s on, 26 s off), 3000 pulses".
    static func dose(_ d: PrescribedDose) -> String {
        "\(number(d.frequencyHz)) Hz, \(number(d.intensityPercentMT))% MT, \(d.trains) trains of \(d.pulsesPerTrain) pulses "
            + "(\(number(d.trainDurationSeconds)) s on, \(number(d.interTrainIntervalSeconds)) s off), \(d.pulsesPerSession) pulses"
    }
}
