import ArgumentParser
import TMSCore
import TMSInterface

struct PatientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient", abstract: "Register and look up patients.",
        subcommands: [Add.self, List.self, Show.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Register a patient.",
            discussion: """
                The identifiers are best kept off the command line, where every local user can read them \
                (ps, /proc) and the shell keeps them in its history: give them in a file or on standard \
                input with --identity, or run at a terminal and tmsctl asks for each one not given. \
                --identity FILE holds one 'field: value' per line (mrn, family-name, given-name, birth-date); \
                blank lines and lines starting with # are skipped.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: IdentityInput
        @Option(help: "Medical record number; unique in the clinic (visible to other users: prefer --identity).") var mrn: String?
        @Option(help: "Family name (visible to other users: prefer --identity).") var familyName: String?
        @Option(help: "Given name (visible to other users: prefer --identity).") var givenName: String?
        @Option(help: ArgumentHelp("Date of birth (visible to other users: prefer --identity).", valueName: "YYYY-MM-DD"))
        var birthDate: String?

        func run() throws {
            let given: [IdentityInput.Field: String?] = [.mrn: mrn, .familyName: familyName, .givenName: givenName, .birthDate: birthDate]
            let values = try input.resolve(given.compactMapValues { $0 })
            let born = try Parse.date(values[.birthDate]!)
            let daemon = try Daemon(global)
            guard let reply = try daemon.ask(
                Clinic.AddPatient.self,
                .init(mrn: values[.mrn]!, familyName: values[.familyName]!, givenName: values[.givenName]!, birthDate: born))
            else { return }
            let p = reply.patient
            print("Registered patient \(p.id): \(p.familyName), \(p.givenName) (MRN \(p.mrn), born \(p.birthDate)).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every patient.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListPatients.self) else { return }
            if reply.patients.isEmpty {
                print("No patients registered.")
                return
            }
            print(Format.table(
                ["ID", "MRN", "NAME", "BORN"],
                reply.patients.map { ["\($0.id)", $0.mrn, "\($0.familyName), \($0.givenName)", "\($0.birthDate)"] }),
                terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a patient and their courses.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var id: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetPatient.self, .init(id: id)) else { return }
            let p = reply.patient
            print(Format.fields([
                ("Patient", "\(p.id)"), ("Name", "\(p.familyName), \(p.givenName)"), ("MRN", p.mrn),
                ("Born", "\(p.birthDate)"), ("Registered", p.createdAt),
            ]), terminator: "")
            print()
            if reply.courses.isEmpty {
                print("No courses.")
            } else {
                print(Format.table(
                    ["COURSE", "PROTOCOL", "STATUS", "START", "SESSIONS"],
                    reply.courses.map { ["\($0.id)", $0.protocolId, $0.status.rawValue, "\($0.startDate)", "\($0.totalSessions)"] }),
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
            guard let reply = try Daemon(global).ask(Clinic.ListProtocols.self) else { return }
            print(Format.table(
                ["ID", "NAME", "HZ", "%MT", "PULSES", "MIN", "SESSIONS"],
                reply.protocols.map { p in
                    [p.id, p.name, Format.number(p.frequencyHz), Format.number(p.intensityPercentMT), "\(p.pulsesPerSession)",
                     Format.number((p.sessionSeconds / 60 * 10).rounded() / 10), "\(p.totalSessions)"]
                }), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show every parameter of a protocol.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The protocol's id, e.g. 10hz-ldlpfc.") var id: String

        func run() throws {
            guard let p = try Daemon(global).ask(Clinic.GetProtocol.self, .init(id: id))?.protocol else { return }
            var pairs: [(String, String)] = [
                ("Protocol", p.id), ("Name", p.name), ("Indication", p.indication), ("Coil", p.coil),
                ("Target", p.target), ("Source", p.source), ("Frequency", Format.number(p.frequencyHz) + " Hz"),
            ]
            if let bursts = p.burstFrequencyHz {
                pairs.append(("Bursts", "\(p.pulsesPerBurst.map(String.init) ?? "?") pulses per burst, \(Format.number(bursts)) bursts/s"))
            }
            pairs += [
                ("Intensity", Format.number(p.intensityPercentMT) + "% of MT"),
                ("Train", "\(p.pulsesPerTrain) pulses in \(Format.number(p.trainDurationSeconds)) s"),
                ("Inter-train interval", Format.number(p.interTrainIntervalSeconds) + " s"), ("Trains", "\(p.trains)"),
                ("Pulses per session", "\(p.pulsesPerSession)"),
                ("Session length", Format.number((p.sessionSeconds / 6).rounded() / 10) + " min"),
                ("Sessions per day", "\(p.sessionsPerDay)" + (p.sessionsPerDay > 1 ? ", \(p.minimumIntervalMinutes) min apart" : "")),
                ("Course", "\(p.totalSessions) sessions"),
            ]
            for phase in p.phases {
                let shape = phase.rhythm == .daily
                    ? "\(phase.days) clinic days in a row"
                    : "\(phase.perWeek.map(String.init) ?? "?") a week for \(phase.weeks.map(String.init) ?? "?") week(s)"
                pairs.append(("  " + phase.name, shape))
            }
            print(Format.fields(pairs), terminator: "")
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit trail: who changed what and when, and its hash chain.",
        subcommands: [List.self, Verify.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Who changed what, and when (newest first); the default.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this course's changes.") var course: Int?
        @Option(help: "At most this many entries (1-10000).") var limit: Int = 100

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListAudit.self, .init(courseId: course, limit: limit)) else { return }
            if reply.entries.isEmpty {
                print("No changes recorded.")
                return
            }
            print(Format.table(
                ["ID", "AT (UTC)", "USER", "PID", "METHOD", "SUMMARY"],
                reply.entries.map { e in
                    // A refusal names its error: "refused: ... (RecheckDue)".
                    let summary = e.error.map { "\(e.summary) (\($0.split(separator: ".").last ?? ""))" } ?? e.summary
                    return ["\(e.id)", e.at, e.user, "\(e.pid)", String(e.method.split(separator: ".").last ?? ""), summary]
                }), terminator: "")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Walk the audit trail's hash chain; name the first entry that does not match.",
            discussion: """
                Every change and every refusal is an entry chained to the one before by its SHA-256 hash. An entry \
                edited, deleted, inserted or reordered in the database breaks the chain there. The nightly report \
                prints the chain's head; give it as --anchor to show that history up to it was not rewritten and that \
                no newer entry was cut off. --records also finds a record's row edited in the file without an entry. \
                Exits 1 when the chain is broken or a record differs.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("A head an earlier nightly report printed.", valueName: "SEQ:HASH")) var anchor: String?
        @Flag(help: "Also compare every record an entry names with its row now (slower: reads them all).") var records = false

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.VerifyAudit.self, .init(anchor: anchor, records: records ? true : nil))
            else { return }
            var broken = false
            if let differs = reply.recordDiffers {
                print("RECORD CHANGED: \(differs.table) \(differs.id) is not as entry \(differs.sequence) recorded it.")
                broken = true
            } else if let checked = reply.recordsChecked {
                print("\(checked) records are as the change log recorded them.")
            }
            if let chain = reply.broken {
                print("BROKEN at entry \(chain.sequence): \(chain.reason).")
                if let head = reply.head { print("Intact through entry \(head.sequence) (\(head.sequence):\(head.hash)).") }
                throw ExitCode(1)
            }
            if broken { throw ExitCode(1) }
            guard let head = reply.head else {
                print("The audit trail is empty.")
                return
            }
            print("Intact through entry \(head.sequence) (\(reply.entries) entries); head \(head.sequence):\(head.hash)"
                + (anchor.map { ", and the anchor \($0) matches" } ?? "") + ".")
        }
    }
}

struct WhoAmICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whoami", abstract: "Who tmsd sees you as, your groups and roles, and what each role may do.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        guard let reply = try Daemon(global).ask(Clinic.WhoAmI.self) else { return }
        print(Format.fields([
            ("User", "\(reply.user) (uid \(reply.uid))"),
            ("Groups", reply.groups.joined(separator: ", ")),
            ("Roles", reply.roles.isEmpty ? "none (reading only)" : reply.roles.map(\.rawValue).joined(separator: ", ")),
        ]), terminator: "")
        print()
        print(Format.table(["METHOD", "NEEDS"], reply.required.keys.sorted().map { [$0, reply.required[$0]!.rawValue] }), terminator: "")
    }
}
