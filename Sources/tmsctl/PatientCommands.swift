import ArgumentParser
import TMSCore
import TMSInterface

struct PatientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patient", abstract: "Register, find, correct and reach patients.",
        subcommands: [Add.self, List.self, Find.self, Show.self, Correct.self, Inactivate.self, Reactivate.self, ContactDetails.self])

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
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the active patients, or those at one stage of the path.",
            discussion: """
                --stage: referred, consulted, evaluated, eligible, authorized, in-course, completed or discharged                 (as 'patient show' gives it; discharged includes the inactive).
                """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Also the patients marked inactive.") var all = false
        @Option(help: "Only the patients at this stage.") var stage: PatientStage?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListPatients.self, .init(inactive: all ? true : nil, stage: stage)) else { return }
            PatientCommand.printPatients(reply.patients, none: "No patients registered.")
        }
    }

    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find", abstract: "Find patients by name, MRN or birth date.",
            discussion: """
                Every word must begin a word of the patient's names (case and accents ignored: 'muller' finds \
                Müller), or begin the MRN, or be the birth date, its year or its month (1979-04-12, 1979, 1979-04): \
                'riv an', 'Rivera, 1979', '000123'. Inactive patients are found too, and marked. Without QUERY, \
                tmsctl reads it from standard input (asking at a terminal), which keeps a name off the command line \
                where other local users can read it.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "What to look for (visible to other users: prefer standard input).") var query: String?
        @Option(help: "At most this many patients (1-500).") var limit: Int = 50

        func run() throws {
            let text = try query ?? IdentityInput.askLine("Find", naming: "query")
            guard let reply = try Daemon(global).ask(Clinic.FindPatients.self, .init(query: text, limit: limit)) else { return }
            PatientCommand.printPatients(reply.patients, none: "No patient matches.")
            if reply.more { print("(More patients match: give more of the name, or a larger --limit.)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a patient: details, contact, corrections and courses.",
            discussion: """
                REF is the patient's MRN or id, as the front desk has it: read as an MRN when a patient has it, else \
                as an id (PatientAmbiguous when it is one patient's MRN and another's id: give --mrn or --id). \
                Without REF, tmsctl reads it from standard input (asking at a terminal).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's MRN or id (an MRN is visible to other users: prefer standard input).") var ref: String?
        @Flag(help: "Read REF as an MRN only.") var mrn = false
        @Option(help: "The patient's id.") var id: Int?

        func validate() throws {
            if id != nil, ref != nil || mrn { throw ValidationError("Give either --id or REF, not both.") }
        }

        func run() throws {
            let input: Clinic.GetPatient.Input
            if let id {
                input = .init(id: id)
            } else {
                let text = try ref ?? IdentityInput.askLine("Patient (MRN or id)", naming: "patient")
                input = mrn ? .init(mrn: text) : .init(ref: text)
            }
            guard let reply = try Daemon(global).ask(Clinic.GetPatient.self, input) else { return }
            let p = reply.patient
            let pairs: [(String, String)] = [
                ("Patient", "\(p.id)" + (p.active ? "" : " (inactive)")), ("Name", "\(p.familyName), \(p.givenName)"), ("MRN", p.mrn),
                ("Born", "\(p.birthDate)"), ("Registered", p.createdAt), ("Stage", PathwayFormat.stage(reply.stage)),
            ] + reply.referrals.map { ("Referred", "\($0.date) by \(Format.text($0.referredBy)): \(Format.text($0.reason))") }
            print(Format.fields(pairs + PatientCommand.contactFields(reply.contact, absent: nil)), terminator: "")
            if !reply.corrections.isEmpty {
                print()
                print(Format.table(
                    ["CORRECTED (UTC)", "BY", "FIELD", "WAS", "NOW", "REASON"],
                    reply.corrections.map { [$0.at, $0.user, $0.field.rawValue, $0.old, $0.new, $0.reason] }),
                    terminator: "")
            }
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

    struct Correct: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "correct", abstract: "Correct a patient's MRN, names or birth date, with a reason.",
            discussion: """
                Each field given that differs from the record replaces it; the value it replaced is kept with the \
                reason, who and when, and 'patient show' lists them. Give the new values in --identity FILE (- for \
                standard input; the fields of 'patient add', only those that change) rather than as options, which \
                every local user can read. Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: IdentityInput
        @Argument(help: "The patient's id.") var id: Int
        @Option(help: "The corrected MRN (visible to other users: prefer --identity).") var mrn: String?
        @Option(help: "The corrected family name (visible to other users: prefer --identity).") var familyName: String?
        @Option(help: "The corrected given name (visible to other users: prefer --identity).") var givenName: String?
        @Option(help: ArgumentHelp("The corrected date of birth (visible to other users: prefer --identity).", valueName: "YYYY-MM-DD"))
        var birthDate: String?
        @Option(help: "Why (a typo at registration, a changed name).") var reason: String

        func run() throws {
            let given: [IdentityInput.Field: String?] = [.mrn: mrn, .familyName: familyName, .givenName: givenName, .birthDate: birthDate]
            let values = try input.collect(given.compactMapValues { $0 })
            guard !values.isEmpty else { throw ValidationError("Nothing to correct: give the new values (--identity FILE, or options).") }
            let born = try values[.birthDate].map(Parse.date)
            guard let reply = try Daemon(global).ask(
                Clinic.CorrectPatient.self,
                .init(id: id, mrn: values[.mrn], familyName: values[.familyName], givenName: values[.givenName], birthDate: born,
                      reason: reason))
            else { return }
            let p = reply.patient
            print("Corrected patient \(p.id): \(p.familyName), \(p.givenName) (MRN \(p.mrn), born \(p.birthDate)); "
                + "\(reply.corrections.count) correction\(reply.corrections.count == 1 ? "" : "s") on record.")
        }
    }

    struct Inactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inactivate", abstract: "Mark a patient inactive (moved, discharged): no new course.",
            discussion: "Refused while a course of theirs is active, paused or on hold. Needs the operator role.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var id: Int
        @Option(help: "Why.") var reason: String

        func run() throws { try PatientCommand.setActive(false, id, reason, global) }
    }

    struct Reactivate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reactivate", abstract: "Make an inactive patient active again.",
            discussion: "Needs the operator role.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var id: Int
        @Option(help: "Why.") var reason: String

        func run() throws { try PatientCommand.setActive(true, id, reason, global) }
    }

    struct ContactDetails: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contact", abstract: "Change a patient's phone, e-mail, preferred contact and reminders.",
            discussion: """
                Each option given replaces what is recorded; an empty --phone '' or --email '' removes it, --prefer \
                none clears the preference. Reminders go by e-mail the day before a session (the time and the \
                clinic's name, nothing clinical), so --reminders needs an address. Contact details are patient data: \
                never logged, never in the nightly report. Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var id: Int
        @Option(help: "Phone number: digits with spaces, - . ( ) and a leading + (visible to other users).") var phone: String?
        @Option(help: "E-mail address (visible to other users).") var email: String?
        @Option(help: "How the patient prefers to be reached: phone, email or none.") var prefer: Clinic.ContactPreference?
        @Flag(inversion: .prefixedNo, help: "Send day-before reminders by e-mail, or stop them.") var reminders: Bool?

        func validate() throws {
            if phone == nil, email == nil, prefer == nil, reminders == nil {
                throw ValidationError("Nothing to change: give --phone, --email, --prefer or --reminders/--no-reminders.")
            }
        }

        func run() throws {
            guard let c = try Daemon(global).ask(
                Clinic.SetPatientContact.self, .init(id: id, phone: phone, email: email, preferred: prefer, reminders: reminders))?.contact
            else { return }
            print(Format.fields(PatientCommand.contactFields(c, absent: "-")), terminator: "")
        }
    }

    /// A patient's contact details as `key: value` lines; a detail not
    /// recorded shows as `absent`, or is left out when that is nil.
    static func contactFields(_ c: Contact, absent: String?) -> [(String, String)] {
        let shown: [(String, String?)] = [
            ("Phone", c.phone), ("E-mail", c.email), ("Prefers", c.preferred.map { $0 == .email ? "e-mail" : "phone" }),
        ]
        return shown.compactMap { key, value in (value ?? absent).map { (key, $0) } }
            + [("Reminders", c.reminders ? "by e-mail, the day before" : "none")]
    }

    static func setActive(_ active: Bool, _ id: Int, _ reason: String, _ global: GlobalOptions) throws {
        guard let p = try Daemon(global).ask(Clinic.SetPatientActive.self, .init(id: id, active: active, reason: reason))?.patient
        else { return }
        print("Patient \(p.id) is \(p.active ? "active" : "inactive").")
    }

    /// Patients as a table, the inactive marked.
    static func printPatients(_ patients: [Clinic.Patient], none: String) {
        guard !patients.isEmpty else {
            print(none)
            return
        }
        // A status column only when some are inactive.
        let marked = patients.contains { !$0.active }
        print(Format.table(
            ["ID", "MRN", "NAME", "BORN"] + (marked ? ["STATUS"] : []),
            patients.map { p in
                ["\(p.id)", p.mrn, "\(p.familyName), \(p.givenName)", "\(p.birthDate)"] + (marked ? [p.active ? "active" : "inactive"] : [])
            }),
            terminator: "")
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
