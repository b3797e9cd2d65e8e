import ArgumentParser
import TMSCore
import Varlink

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "The day's sessions: list, start, complete, abort, miss.",
        subcommands: [List.self, Show.self, Start.self, Complete.self, Abort.self, Miss.self, Cancel.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the sessions booked on a day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"))
        var date: String?

        func validate() throws {
            if let date, CivilDate(date) == nil { throw ValidationError("'\(date)' is not a date (YYYY-MM-DD).") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListSessions", date.map { ["date": .string($0)] } ?? [:])
            if daemon.printedJSON(reply) { return }
            let rows = reply["sessions"]?.array ?? []
            guard !rows.isEmpty else {
                print("No sessions booked on \(reply.values["date"]?.string ?? "that day").")
                return
            }
            print("Sessions on \(reply.values["date"]?.string ?? "")")
            print(Format.table(
                ["TIME", "SESSION", "COURSE", "#", "PATIENT", "PROTOCOL", "STATUS"],
                rows.map { row in
                    let s = row["session"] ?? .null
                    return [s.at("time"), s.at("id"), s.at("courseId"), "\(s.at("number"))/\(s.at("total"))",
                            row.at("patientName"), row.at("protocolId"), s.at("status")]
                }), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one session and what it delivered.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetSession", ["id": .int(id)])
            if daemon.printedJSON(reply) { return }
            let s = reply["session"] ?? .null
            var pairs: [(String, String)] = [
                ("Session", s.at("id")), ("Course", s.at("courseId")), ("Number", "\(s.at("number")) of \(s.at("total"))"),
                ("Phase", s.at("phase")), ("Booked", "\(s.at("date")) \(s.at("time")) (\(s.at("scheduledAt")))"),
                ("Status", s.at("status")),
            ]
            if let d = s["delivery"] {
                pairs += [
                    ("Motor threshold", d.at("motorThreshold") + "% of output"),
                    ("Intensity", "\(d.at("intensityPercentMT"))% MT = \(d.at("outputPercent"))% of output"),
                    ("Stimulation", "\(d.at("frequencyHz")) Hz, \(d.at("trains")) trains of \(d.at("pulsesPerTrain")) pulses, "
                        + "\(d.at("trainDurationSeconds")) s on, \(d.at("interTrainIntervalSeconds")) s off"),
                    ("Pulses delivered", d.at("pulsesDelivered")), ("Coil", d.at("coil")), ("Target", d.at("target")),
                ]
                if !d.at("notes").isEmpty { pairs.append(("Notes", d.at("notes"))) }
            }
            if let pulses = s["pulsesDelivered"], s["delivery"] == nil { pairs.append(("Pulses delivered", pulses.string)) }
            if let reason = s["reason"] { pairs.append(("Reason", reason.string)) }
            if let by = s["replacedBy"] { pairs.append(("Re-booked as", "session " + by.string)) }
            if let of = s["replaces"] { pairs.append(("Replaces", "session " + of.string)) }
            print(Format.fields(pairs), terminator: "")
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Mark a session as started.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("StartSession", ["id": .int(id)])
            if daemon.printedJSON(reply) { return }
            let s = reply["session"] ?? .null
            print("Session \(id) started (course \(s.at("courseId")), session \(s.at("number")) of \(s.at("total"))).")
        }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "complete",
            abstract: "Record what a session delivered.",
            discussion: """
                Parameters not given default to the course's prescription (and the protocol's coil); \
                the motor threshold is required. tmsd refuses an intensity above 100% of machine output \
                and more pulses than prescribed.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: ArgumentHelp("Resting motor threshold, % of machine output.", valueName: "percent")) var mt: Double
        @Option(help: ArgumentHelp("Intensity, % of motor threshold.", valueName: "percent")) var intensity: Double?
        @Option(help: ArgumentHelp("Frequency.", valueName: "Hz")) var frequency: Double?
        @Option(help: "Pulses per train.") var pulsesPerTrain: Int?
        @Option(help: ArgumentHelp("Train duration.", valueName: "seconds")) var trainDuration: Double?
        @Option(help: ArgumentHelp("Inter-train interval.", valueName: "seconds")) var interTrainInterval: Double?
        @Option(help: "Trains given.") var trains: Int?
        @Option(help: "Pulses delivered.") var pulses: Int?
        @Option(help: "Coil used.") var coil: String?
        @Option(help: "Target stimulated.") var target: String?
        @Option(help: "Free-text notes.") var notes: String?
        @Option(help: "A clinician's reason to complete although a motor threshold re-check is due (clinician role).")
        var override: String?

        func run() throws {
            let daemon = try Daemon(global)
            let session = try daemon.call("GetSession", ["id": .int(id)])["session"] ?? .null
            let course = try daemon.call("GetCourse", ["id": .int(session["courseId"]?.int ?? 0)])["course"] ?? .null
            var defaultCoil = coil
            if defaultCoil == nil {
                defaultCoil = try daemon.call("GetProtocol", ["id": .string(course.at("protocolId"))])["protocol"]?.at("coil")
            }
            var delivery: [String: JSON] = [
                "motorThreshold": .double(mt),
                "intensityPercentMT": .double(intensity ?? course["intensityPercentMT"]?.double ?? 0),
                "frequencyHz": .double(frequency ?? course["frequencyHz"]?.double ?? 0),
                "pulsesPerTrain": .int(pulsesPerTrain ?? course["pulsesPerTrain"]?.int ?? 0),
                "trainDurationSeconds": .double(trainDuration ?? course["trainDurationSeconds"]?.double ?? 0),
                "interTrainIntervalSeconds": .double(interTrainInterval ?? course["interTrainIntervalSeconds"]?.double ?? 0),
                "trains": .int(trains ?? course["trains"]?.int ?? 0),
                "pulsesDelivered": .int(pulses ?? course["pulsesPerSession"]?.int ?? 0),
                "coil": .string(defaultCoil ?? ""),
                "target": .string(target ?? course["target"]?.at("label") ?? ""),
            ]
            if let notes { delivery["notes"] = .string(notes) }
            var parameters: [String: JSON] = ["id": .int(id), "delivery": .object(delivery)]
            if let override { parameters["override"] = .string(override) }
            let reply = try daemon.call("CompleteSession", parameters)
            if daemon.printedJSON(reply) { return }
            let s = reply["session"] ?? .null
            let d = s["delivery"] ?? .null
            let p = reply["progress"] ?? .null
            print("Session \(id) completed: \(d.at("pulsesDelivered")) pulses at \(d.at("intensityPercentMT"))% MT "
                + "(\(d.at("outputPercent"))% of output). Course \(s.at("courseId")): \(p.at("done")) of \(p.at("total")) done.")
        }
    }

    struct Abort: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abort",
            abstract: "Record a session stopped early; a replacement is booked on the next free clinic day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Pulses given before it stopped.") var pulses: Int
        @Option(help: "Why it stopped.") var reason: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("AbortSession", ["id": .int(id), "pulsesDelivered": .int(pulses), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            printRebooked("aborted", reply)
        }
    }

    struct Miss: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "miss",
            abstract: "Record a session the patient missed; a replacement is booked on the next free clinic day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Why it was missed.") var reason: String?

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("MissSession", ["id": .int(id), "reason": reason.map(JSON.string) ?? .null])
            if daemon.printedJSON(reply) { return }
            printRebooked("missed", reply)
        }
    }
}

extension SessionCommand {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel an appointment ahead of time; it moves to the next clinic day with a free slot.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Why (the patient called, the clinic closes early, ...).") var reason: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("PostponeSession", ["id": .int(id), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            let s = reply["session"] ?? .null
            let moved = reply["moved"]?.array ?? []
            print("Session \(id) now on \(s.at("date")) at \(s.at("time")) on \(s.at("chair")); \(moved.count) sessions moved.")
            if !moved.isEmpty { print(movesTable(moved), terminator: "") }
            printWarnings(reply)
        }
    }
}

private func printRebooked(_ verb: String, _ reply: Reply) {
    let s = reply["session"] ?? .null
    let r = reply["replacement"] ?? .null
    let p = reply["progress"] ?? .null
    print("Session \(s.at("id")) \(verb). Replacement: session \(r.at("id")) on \(r.at("date")) at \(r.at("time")). "
        + "Course \(s.at("courseId")): \(p.at("done")) of \(p.at("total")) done, \(p.at("remaining")) remaining.")
    printWarnings(reply)
}
