import ArgumentParser
import TMSCore
import Varlink

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
        @Option(help: ArgumentHelp("First day of treatment.", valueName: "YYYY-MM-DD")) var start: String
        @Option(help: "The prescribing clinician.") var prescriber: String
        @Option(help: "How the target was found (see above).") var targetMethod: String = "beam_f3"
        @Option(help: "The target site, e.g. 'left DLPFC'.") var targetLabel: String?
        @Option(parsing: .unconditional, help: "Target x coordinate (may be negative).") var x: Double?
        @Option(parsing: .unconditional, help: "Target y coordinate.") var y: Double?
        @Option(parsing: .unconditional, help: "Target z coordinate.") var z: Double?
        @Option(help: "Coordinate system: MNI, native, cap-cm, scalp-cm.") var coordinateSystem: String?
        @Option(help: ArgumentHelp("Intensity in % of motor threshold (default: the protocol's).", valueName: "percent"))
        var intensity: Double?
        @Option(help: ArgumentHelp("Time of the day's (first) session (default: the clinic's).", valueName: "HH:MM"))
        var time: String?
        @Option(help: "The prescriber's reason to go beyond the train-duration limits table (audited).")
        var override: String?

        static let methodAliases = [
            "5cm": "five_cm_rule", "5cm-rule": "five_cm_rule", "beam-f3": "beam_f3", "f3": "beam_f3",
            "neuronav": "neuronavigation", "fmri": "fmri_guided", "fmri-guided": "fmri_guided", "cap": "cap_position",
        ]
        var method: String { Self.methodAliases[targetMethod] ?? targetMethod }

        func validate() throws {
            guard CivilDate(start) != nil else { throw ValidationError("--start '\(start)' is not a date (YYYY-MM-DD).") }
            if let time, LocalTime(time) == nil { throw ValidationError("--time '\(time)' is not a time (HH:MM).") }
            let methods = ["five_cm_rule", "beam_f3", "neuronavigation", "fmri_guided", "cap_position"]
            guard methods.contains(method) else {
                throw ValidationError("--target-method '\(targetMethod)' is not one of \(methods.joined(separator: ", ")).")
            }
        }

        func run() throws {
            let daemon = try Daemon(global)
            var label = targetLabel
            if label == nil {
                label = try daemon.call("GetProtocol", ["id": .string(protocolId)])["protocol"]?.at("target")
            }
            var target: [String: JSON] = ["method": .string(method), "label": .string(label ?? "")]
            if let x { target["x"] = .double(x) }
            if let y { target["y"] = .double(y) }
            if let z { target["z"] = .double(z) }
            if let coordinateSystem { target["coordinateSystem"] = .string(coordinateSystem) }
            var parameters: [String: JSON] = [
                "patientId": .int(patient), "protocolId": .string(protocolId), "startDate": .string(start),
                "prescriber": .string(prescriber), "target": .object(target),
            ]
            if let intensity { parameters["intensityPercentMT"] = .double(intensity) }
            if let time { parameters["sessionTime"] = .string(time) }
            if let override { parameters["override"] = .string(override) }
            let reply = try daemon.call("CreateCourse", parameters)
            if daemon.printedJSON(reply) { return }
            let course = reply["course"] ?? .null
            let sessions = reply["sessions"]?.array ?? []
            print("Prescribed course \(course.at("id")) for patient \(course.at("patientId")): \(course.at("protocolName")), "
                + "\(sessions.count) sessions from \(sessions.first?.at("date") ?? "?") to \(sessions.last?.at("date") ?? "?").")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a course: prescription, progress, authorizations and calendar.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetCourse", ["id": .int(id)])
            if daemon.printedJSON(reply) { return }
            let c = reply["course"] ?? .null
            let p = reply["progress"] ?? .null
            let t = c["target"] ?? .null
            var target = "\(t.at("label")) (\(t.at("method"))"
            if t["x"] != nil { target += "; \(t.at("coordinateSystem")) \(t.at("x")), \(t.at("y")), \(t.at("z"))" }
            target += ")"
            var status = c.at("status")
            if let reason = c["statusReason"] { status += ": " + reason.string }
            let next = p["nextDate"].map { "session \(p.at("nextSessionId")) on \($0.string) at \(p.at("nextTime"))" } ?? "none"
            let standing = try daemon.call("ListAuthorizations", ["courseId": .int(id)])
            let granted = standing["authorizations"]?.array ?? []
            let use = standing["use"] ?? .null
            let authorized = granted.isEmpty ? "none on file"
                : granted.map { "\($0.at("payer")) \($0.at("reference"))" }.joined(separator: ", ")
                    + ": \(use.at("used")) of \(use.at("authorized")) used, \(use.at("booked")) booked, to \(use.at("expires"))"
            print(Format.fields([
                ("Course", c.at("id")), ("Patient", c.at("patientId")), ("Protocol", "\(c.at("protocolName")) (\(c.at("protocolId")))"),
                ("Status", status), ("Prescriber", c.at("prescriber")), ("Target", target),
                ("Dose", "\(c.at("frequencyHz")) Hz, \(c.at("intensityPercentMT"))% MT, \(c.at("trains")) trains of "
                    + "\(c.at("pulsesPerTrain")) pulses (\(c.at("trainDurationSeconds")) s on, \(c.at("interTrainIntervalSeconds")) s off), "
                    + "\(c.at("pulsesPerSession")) pulses"),
                ("Time zone", c.at("timeZone")),
                ("Progress", "\(p.at("done")) of \(p.at("total")) done, \(p.at("missed")) missed, \(p.at("aborted")) aborted, "
                    + "\(p.at("remaining")) remaining"),
                ("Next", next),
                ("Authorized", authorized),
            ]), terminator: "")
            printWarnings(standing)
            print()
            print(calendarTable(reply["sessions"]?.array ?? []), terminator: "")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List courses.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this patient's courses.") var patient: Int?
        @Option(help: "Only courses in this status: active, paused, on_hold, completed, cancelled.") var status: String?

        func run() throws {
            let daemon = try Daemon(global)
            var parameters: [String: JSON] = [:]
            if let patient { parameters["patientId"] = .int(patient) }
            if let status { parameters["status"] = .string(status) }
            let reply = try daemon.call("ListCourses", parameters)
            if daemon.printedJSON(reply) { return }
            let courses = reply["courses"]?.array ?? []
            if courses.isEmpty {
                print("No courses.")
                return
            }
            print(Format.table(
                ["COURSE", "PATIENT", "PROTOCOL", "STATUS", "START", "SESSIONS", "PRESCRIBER"],
                courses.map { [$0.at("id"), $0.at("patientId"), $0.at("protocolId"), $0.at("status"), $0.at("startDate"),
                               $0.at("totalSessions"), $0.at("prescriber")] }), terminator: "")
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pause",
            abstract: "Pause a course from a date: its sessions from that day are released until it resumes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The first day without treatment.", valueName: "YYYY-MM-DD")) var from: String

        func validate() throws { try checkDate(from) }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("PauseCourse", ["id": .int(id), "from": .string(from)])
            if daemon.printedJSON(reply) { return }
            let p = reply["progress"] ?? .null
            print("Course \(id) paused from \(from): \(p.at("done")) of \(p.at("total")) done, \(p.at("remaining")) to book on resume.")
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Resume a paused course on a date; the rest of its calendar is booked from there.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The first day of treatment again.", valueName: "YYYY-MM-DD")) var on: String

        func validate() throws { try checkDate(on) }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ResumeCourse", ["id": .int(id), "on": .string(on)])
            if daemon.printedJSON(reply) { return }
            let open = (reply["sessions"]?.array ?? []).filter { $0.at("status") == "scheduled" }
            print("Course \(id) resumed: \(open.count) sessions booked from \(open.first?.at("date") ?? on) to \(open.last?.at("date") ?? on).")
            printWarnings(reply)
        }
    }

    struct Time: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "time", abstract: "Change a course's preferred time from a date on; its sessions move.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: ArgumentHelp("The new preferred time.", valueName: "HH:MM")) var time: String
        @Option(help: ArgumentHelp("The first day at the new time.", valueName: "YYYY-MM-DD")) var from: String

        func validate() throws {
            try checkDate(from)
            if LocalTime(time) == nil { throw ValidationError("--time '\(time)' is not a time (HH:MM).") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ChangePreferredTime", ["id": .int(id), "time": .string(time), "from": .string(from)])
            if daemon.printedJSON(reply) { return }
            print("Course \(id): preferred time \(time) from \(from); \((reply["moved"]?.array ?? []).count) sessions moved.")
            printWarnings(reply)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "End a course early.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: "Why the course ends.") var reason: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("CancelCourse", ["id": .int(id), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            print("Course \(id) cancelled.")
        }
    }
}
