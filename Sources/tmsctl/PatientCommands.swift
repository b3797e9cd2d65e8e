import ArgumentParser
import TMSCore
import Varlink

struct PatientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient", abstract: "Register and look up patients.",
        subcommands: [Add.self, List.self, Show.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register a patient.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Medical record number; unique in the clinic.") var mrn: String
        @Option(help: "Family name.") var familyName: String
        @Option(help: "Given name.") var givenName: String
        @Option(help: ArgumentHelp("Date of birth.", valueName: "YYYY-MM-DD")) var birthDate: String

        func validate() throws {
            guard CivilDate(birthDate) != nil else { throw ValidationError("--birth-date '\(birthDate)' is not a date (YYYY-MM-DD).") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("AddPatient", [
                "mrn": .string(mrn), "familyName": .string(familyName), "givenName": .string(givenName),
                "birthDate": .string(birthDate),
            ])
            if daemon.printedJSON(reply) { return }
            let p = reply["patient"] ?? .null
            print("Registered patient \(p.at("id")): \(p.at("familyName")), \(p.at("givenName")) (MRN \(p.at("mrn")), born \(p.at("birthDate"))).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every patient.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListPatients")
            if daemon.printedJSON(reply) { return }
            let patients = reply["patients"]?.array ?? []
            if patients.isEmpty {
                print("No patients registered.")
                return
            }
            print(Format.table(
                ["ID", "MRN", "NAME", "BORN"],
                patients.map { [$0.at("id"), $0.at("mrn"), "\($0.at("familyName")), \($0.at("givenName"))", $0.at("birthDate")] }),
                terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a patient and their courses.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var id: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetPatient", ["id": .int(id)])
            if daemon.printedJSON(reply) { return }
            let p = reply["patient"] ?? .null
            print(Format.fields([
                ("Patient", p.at("id")), ("Name", "\(p.at("familyName")), \(p.at("givenName"))"), ("MRN", p.at("mrn")),
                ("Born", p.at("birthDate")), ("Registered", p.at("createdAt")),
            ]), terminator: "")
            let courses = reply["courses"]?.array ?? []
            print()
            if courses.isEmpty {
                print("No courses.")
            } else {
                print(Format.table(
                    ["COURSE", "PROTOCOL", "STATUS", "START", "SESSIONS"],
                    courses.map { [$0.at("id"), $0.at("protocolId"), $0.at("status"), $0.at("startDate"), $0.at("totalSessions")] }),
                    terminator: "")
            }
        }
    }
}

struct ProtocolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol", abstract: "The protocol library.", subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the protocols with their dose and course.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListProtocols")
            if daemon.printedJSON(reply) { return }
            print(Format.table(
                ["ID", "NAME", "HZ", "%MT", "PULSES", "MIN", "SESSIONS"],
                (reply["protocols"]?.array ?? []).map { p in
                    [p.at("id"), p.at("name"), p.at("frequencyHz"), p.at("intensityPercentMT"), p.at("pulsesPerSession"),
                     Format.number(((p["sessionSeconds"]?.double ?? 0) / 60 * 10).rounded() / 10), p.at("totalSessions")]
                }), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show every parameter of a protocol.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The protocol's id, e.g. 10hz-ldlpfc.") var id: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetProtocol", ["id": .string(id)])
            if daemon.printedJSON(reply) { return }
            let p = reply["protocol"] ?? .null
            var pairs: [(String, String)] = [
                ("Protocol", p.at("id")), ("Name", p.at("name")), ("Indication", p.at("indication")), ("Coil", p.at("coil")),
                ("Target", p.at("target")), ("Source", p.at("source")), ("Frequency", p.at("frequencyHz") + " Hz"),
            ]
            if p["burstFrequencyHz"] != nil {
                pairs.append(("Bursts", "\(p.at("pulsesPerBurst")) pulses per burst, \(p.at("burstFrequencyHz")) bursts/s"))
            }
            pairs += [
                ("Intensity", p.at("intensityPercentMT") + "% of MT"),
                ("Train", "\(p.at("pulsesPerTrain")) pulses in \(p.at("trainDurationSeconds")) s"),
                ("Inter-train interval", p.at("interTrainIntervalSeconds") + " s"), ("Trains", p.at("trains")),
                ("Pulses per session", p.at("pulsesPerSession")),
                ("Session length", Format.number(((p["sessionSeconds"]?.double ?? 0) / 6).rounded() / 10) + " min"),
                ("Sessions per day", p.at("sessionsPerDay")
                    + ((p["sessionsPerDay"]?.int ?? 1) > 1 ? ", \(p.at("minimumIntervalMinutes")) min apart" : "")),
                ("Course", p.at("totalSessions") + " sessions"),
            ]
            for phase in p["phases"]?.array ?? [] {
                let shape = phase.at("rhythm") == "daily"
                    ? "\(phase.at("days")) clinic days in a row"
                    : "\(phase.at("perWeek")) a week for \(phase.at("weeks")) week(s)"
                pairs.append(("  " + phase.at("name"), shape))
            }
            print(Format.fields(pairs), terminator: "")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Who changed what, and when (newest first).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this course's changes.") var course: Int?
    @Option(help: "At most this many entries (1-10000).") var limit: Int = 100

    func run() throws {
        let daemon = try Daemon(global)
        var parameters: [String: JSON] = ["limit": .int(limit)]
        if let course { parameters["courseId"] = .int(course) }
        let reply = try daemon.call("ListAudit", parameters)
        if daemon.printedJSON(reply) { return }
        let entries = reply["entries"]?.array ?? []
        if entries.isEmpty {
            print("No changes recorded.")
            return
        }
        print(Format.table(
            ["ID", "AT (UTC)", "USER", "PID", "METHOD", "SUMMARY"],
            entries.map { e in
                [e.at("id"), e.at("at"), e.at("user"), e.at("pid"),
                 String(e.at("method").split(separator: ".").last ?? ""), e.at("summary")]
            }), terminator: "")
    }
}

struct WhoAmICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Who tmsd sees you as, your groups and roles, and what each role may do.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let daemon = try Daemon(global)
        let reply = try daemon.call("WhoAmI")
        if daemon.printedJSON(reply) { return }
        let roles = (reply["roles"]?.array ?? []).map(\.string)
        print(Format.fields([
            ("User", "\(reply["user"]?.string ?? "") (uid \(reply["uid"]?.string ?? ""))"),
            ("Groups", (reply["groups"]?.array ?? []).map(\.string).joined(separator: ", ")),
            ("Roles", roles.isEmpty ? "none (reading only)" : roles.joined(separator: ", ")),
        ]), terminator: "")
        if case .object(let required)? = reply["required"] {
            print()
            print(Format.table(
                ["METHOD", "NEEDS"], required.keys.sorted().map { [$0, required[$0]!.string] }), terminator: "")
        }
    }
}
