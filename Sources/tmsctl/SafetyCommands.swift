import ArgumentParser
import TMSCore
import Varlink

struct ThresholdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt", abstract: "Motor threshold: record a measurement; list a course's, with any re-check due.",
        subcommands: [List.self, Record.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A course's measurements and whether a re-check is due.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListThresholds", ["courseId": .int(course)])
            if daemon.printedJSON(reply) { return }
            let rows = reply["thresholds"]?.array ?? []
            if rows.isEmpty {
                print("No motor threshold measured for course \(course).")
            } else {
                print(Format.table(
                    ["DATE", "MT %", "METHOD", "MUSCLE", "BY"],
                    rows.map { [$0.at("date"), $0.at("value"), $0.at("method"), $0.at("muscle"), $0.at("operator")] }),
                    terminator: "")
            }
            print(reply["recheckDue"].map { "Re-check due: \($0.string)." } ?? "No re-check due today.")
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record a motor threshold measurement.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: ArgumentHelp("% of machine output (1-100).", valueName: "percent")) var value: Double
        @Option(help: "visual, emg or algorithm.") var method: String
        @Option(help: "The muscle observed.") var muscle: String = "APB"
        @Option(help: ArgumentHelp("The day measured (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws {
            try checkDate(date)
            guard ThresholdMethod(rawValue: method) != nil else { throw ValidationError("--method must be visual, emg or algorithm.") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            let reply = try daemon.call("RecordThreshold", [
                "courseId": .int(course), "date": .string(day), "method": .string(method), "muscle": .string(muscle),
                "value": .double(value),
            ])
            if daemon.printedJSON(reply) { return }
            let t = reply["threshold"] ?? .null
            print("Motor threshold \(t.at("value"))% (\(t.at("method")), \(t.at("muscle"))) recorded for course \(course) on \(t.at("date")).")
        }
    }
}

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Adverse events: record one; list a course's. A seizure puts the course on hold.",
        subcommands: [List.self, Record.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "A course's adverse events.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListAdverseEvents", ["courseId": .int(course)])
            if daemon.printedJSON(reply) { return }
            let rows = reply["events"]?.array ?? []
            guard !rows.isEmpty else {
                print("No adverse events for course \(course).")
                return
            }
            print(Format.table(
                ["EVENT", "DATE", "KIND", "SEVERITY", "SESSION", "HOLD", "DETAILS"],
                rows.map { [$0.at("id"), $0.at("date"), $0.at("kind"), $0.at("severity"), $0["sessionId"]?.string ?? "-",
                            $0["held"] == .bool(true) ? "yes" : "", $0.at("details")] }), terminator: "")
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record an adverse event.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The kind: scalp-pain, headache, facial-pain, dizziness, hearing, syncope, mania, suicidality, seizure.")
        var kind: String
        @Option(help: "mild, moderate or severe.") var severity: String
        @Option(help: "What happened (for a seizure: train at onset, duration, type, action, outcome).") var details: String
        @Option(help: "The session it happened in.") var session: Int?
        @Option(help: ArgumentHelp("The day (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws {
            try checkDate(date)
            guard Severity(rawValue: severity) != nil else { throw ValidationError("--severity must be mild, moderate or severe.") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            var parameters: [String: JSON] = [
                "courseId": .int(course), "kind": .string(kind), "severity": .string(severity), "date": .string(day),
                "details": .string(details),
            ]
            if let session { parameters["sessionId"] = .int(session) }
            let reply = try daemon.call("RecordAdverseEvent", parameters)
            if daemon.printedJSON(reply) { return }
            let e = reply["event"] ?? .null
            print("Adverse event \(e.at("id")) (\(e.at("kind")), \(e.at("severity"))) recorded for course \(course).")
            if e["held"] == .bool(true) {
                print("Course \(course) is ON HOLD: no session until a clinician resumes it (tmsctl course resume-hold) after a new motor threshold.")
            }
        }
    }
}

extension CourseCommand {
    struct ResumeHold: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume-hold", abstract: "Lift a hold (clinician), after a new motor threshold; the reason is audited.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: "Why treatment may go on (e.g. a lower intensity).") var reason: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ResumeHeldCourse", ["id": .int(id), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            print("Course \(id) is \(reply["course"]?.at("status") ?? "") again.")
        }
    }
}

struct ScreenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen", abstract: "The pre-course safety screen: record it, sign off a relative contraindication.",
        subcommands: [Show.self, Record.self, SignOff.self, Questions.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A course's latest screen.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetScreen", ["courseId": .int(course)])
            if daemon.printedJSON(reply) { return }
            guard let s = reply["screen"] else {
                print("No safety screen recorded for course \(course).")
                return
            }
            var result = s.at("result")
            if !(s["findings"]?.array ?? []).isEmpty { result += ": " + (s["findings"]?.array ?? []).map(\.string).joined(separator: ", ") }
            if let by = s["signedOffBy"] { result += " (signed off by \(by.string): \(s.at("signOffReason")))" }
            print("Course \(course), screened \(s.at("date")) by \(s.at("recordedBy")): \(result)")
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record the screen: the questions answered yes; every other question is recorded as no.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: ArgumentHelp("Questions answered yes (tmsctl screen questions).", valueName: "id,id,...")) var yes: String = ""
        @Option(help: ArgumentHelp("The day (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let questions = (try daemon.call("ListScreenQuestions")["questions"]?.array ?? []).map { $0.at("id") }
            let answeredYes = Set(yes.split(separator: ",").map { String($0) })
            if let unknown = answeredYes.subtracting(questions).sorted().first {
                throw fail("'\(unknown)' is not a screen question; tmsctl screen questions lists them.", status: 64)
            }
            let day = try date ?? daemon.today()
            let answers = Dictionary(uniqueKeysWithValues: questions.map { ($0, JSON.bool(answeredYes.contains($0))) })
            let reply = try daemon.call("RecordScreen", ["courseId": .int(course), "date": .string(day), "answers": .object(answers)])
            if daemon.printedJSON(reply) { return }
            let s = reply["screen"] ?? .null
            switch s.at("result") {
            case "clear": print("Screen recorded for course \(course): clear.")
            case "relative": print("Screen recorded for course \(course): relative contraindication (\((s["findings"]?.array ?? []).map(\.string).joined(separator: ", "))); a clinician must sign it off (tmsctl screen sign-off).")
            default: print("Screen recorded for course \(course): ABSOLUTE contraindication (\((s["findings"]?.array ?? []).map(\.string).joined(separator: ", "))); no treatment.")
            }
        }
    }

    struct SignOff: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sign-off", abstract: "Sign off a relative contraindication (clinician).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "Why treatment may go ahead.") var reason: String

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("SignOffScreen", ["courseId": .int(course), "reason": .string(reason)])
            if daemon.printedJSON(reply) { return }
            print("Screen of course \(course) signed off by \(reply["screen"]?.at("signedOffBy") ?? "").")
        }
    }

    struct Questions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "questions", abstract: "The screen's questions.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListScreenQuestions")
            if daemon.printedJSON(reply) { return }
            print(Format.table(["ID", "CONTRAINDICATION", "QUESTION"],
                               (reply["questions"]?.array ?? []).map { [$0.at("id"), $0.at("contraindication"), $0.at("question")] }),
                  terminator: "")
        }
    }
}

struct MedicationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "med", abstract: "Concomitant medications: start, change dose, stop, list; drugs to classify.",
        subcommands: [List.self, Start.self, Change.self, Stop.self, Unclassified.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A patient's medications, current and past.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListMedications", ["patientId": .int(patient)])
            if daemon.printedJSON(reply) { return }
            let rows = reply["medications"]?.array ?? []
            guard !rows.isEmpty else {
                print("No medications recorded for patient \(patient).")
                return
            }
            print(Format.table(
                ["ID", "DRUG", "DOSE", "FROM", "TO", "CLASS", "FLAGS"],
                rows.map { m in
                    var flags: [String] = []
                    if let hazard = m["seizureHazard"] { flags.append("seizure:\(hazard.string)") }
                    if m["raisesMT"] == .bool(true) { flags.append("raises-MT") }
                    if m["blunts"] == .bool(true) { flags.append("may-blunt") }
                    if m["classified"] == .bool(false) { flags.append("UNCLASSIFIED") }
                    return [m.at("id"), m.at("drug"), "\(m.at("dose")) \(m.at("unit"))", m.at("startDate"), m["stopDate"]?.string ?? "",
                            m["drugClass"]?.string ?? "-", flags.joined(separator: " ")]
                }), terminator: "")
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a drug.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int
        @Option(help: "The drug's generic name.") var drug: String
        @Option(help: "The dose.") var dose: Double
        @Option(help: "The dose's unit (mg, mcg, ...).") var unit: String
        @Option(help: ArgumentHelp("The first day (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            let reply = try daemon.call("StartMedication", [
                "patientId": .int(patient), "drug": .string(drug), "dose": .double(dose), "unit": .string(unit), "date": .string(day),
            ])
            if daemon.printedJSON(reply) { return }
            let m = reply["medication"] ?? .null
            print("Medication \(m.at("id")): \(m.at("drug")) \(m.at("dose")) \(m.at("unit")) from \(m.at("startDate")).")
            printWarnings(reply)
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change", abstract: "Change a medication's dose from a date.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The medication's id.") var id: Int
        @Option(help: "The new dose.") var dose: Double
        @Option(help: "The dose's unit.") var unit: String
        @Option(help: ArgumentHelp("The first day at the new dose (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            let reply = try daemon.call("ChangeMedicationDose", [
                "id": .int(id), "dose": .double(dose), "unit": .string(unit), "date": .string(day),
            ])
            if daemon.printedJSON(reply) { return }
            let m = reply["medication"] ?? .null
            print("Medication \(m.at("id")) replaces \(id): \(m.at("drug")) \(m.at("dose")) \(m.at("unit")) from \(m.at("startDate")).")
            printWarnings(reply)
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a medication.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The medication's id.") var id: Int
        @Option(help: ArgumentHelp("The day it stops (default: today).", valueName: "YYYY-MM-DD")) var date: String?

        func validate() throws { try checkDate(date) }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            let reply = try daemon.call("StopMedication", ["id": .int(id), "date": .string(day)])
            if daemon.printedJSON(reply) { return }
            print("Medication \(id) stopped on \(day).")
            printWarnings(reply)
        }
    }

    struct Unclassified: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unclassified", abstract: "Drugs in use that the drug table does not know.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListUnclassifiedDrugs")
            if daemon.printedJSON(reply) { return }
            let drugs = (reply["drugs"]?.array ?? []).map(\.string)
            print(drugs.isEmpty ? "Every drug in use is classified." : "To classify ([drugs] in the clinical data): " + drugs.joined(separator: ", "))
        }
    }
}

struct TrialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial", abstract: "Record a past treatment trial: an antidepressant, or psychotherapy.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The patient's id.") var patient: Int
    @Option(help: "The antidepressant's generic name (omit with --psychotherapy).") var drug: String?
    @Flag(help: "A psychotherapy trial.") var psychotherapy = false
    @Option(help: "The drug's class (default: from the drug table).") var drugClass: String?
    @Option(help: "The highest daily dose reached.") var dose: Double?
    @Option(help: "The dose's unit.") var unit: String = "mg"
    @Option(help: "Weeks at that dose (or in psychotherapy).") var weeks: Double
    @Option(help: "good, partial or poor.") var adherence: String = "good"
    @Option(help: "none, partial, response, remission or intolerance.") var outcome: String
    @Option(help: "Side effects, in words.") var sideEffects: String?
    @Option(help: "Why it stopped.") var reasonStopped: String?

    func validate() throws {
        guard psychotherapy != (drug != nil) else { throw ValidationError("Give --drug for a medication trial, or --psychotherapy.") }
        guard Trial.Adherence(rawValue: adherence) != nil else { throw ValidationError("--adherence must be good, partial or poor.") }
        guard Trial.Outcome(rawValue: outcome) != nil else {
            throw ValidationError("--outcome must be none, partial, response, remission or intolerance.")
        }
        if drug != nil, dose == nil { throw ValidationError("A medication trial needs --dose.") }
    }

    func run() throws {
        let daemon = try Daemon(global)
        var parameters: [String: JSON] = [
            "patientId": .int(patient), "kind": .string(psychotherapy ? "psychotherapy" : "medication"),
            "weeksAtDose": .double(weeks), "adherence": .string(adherence), "outcome": .string(outcome),
        ]
        if let drug {
            parameters["drug"] = .string(drug)
            parameters["unit"] = .string(unit)
        }
        if let dose { parameters["highestDose"] = .double(dose) }
        if let drugClass { parameters["drugClass"] = .string(drugClass) }
        if let sideEffects { parameters["sideEffects"] = .string(sideEffects) }
        if let reasonStopped { parameters["reasonStopped"] = .string(reasonStopped) }
        let reply = try daemon.call("RecordTrial", parameters)
        if daemon.printedJSON(reply) { return }
        let t = reply["trial"] ?? .null
        print("Trial \(t.at("id")) recorded for patient \(patient): \(t["drug"]?.string ?? "psychotherapy").")
    }
}

struct EligibilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eligibility",
        abstract: "Whether a patient meets the TRD definition and each payer's rule, trial by trial.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The patient's id.") var patient: Int

    func run() throws {
        let daemon = try Daemon(global)
        let reply = try daemon.call("GetEligibility", ["patientId": .int(patient)])
        if daemon.printedJSON(reply) { return }
        let trd = reply["trd"] == .bool(true)
        print("Patient \(patient): \(trd ? "MEETS" : "does NOT meet") the TRD definition "
            + "(\(reply["adequate"]?.string ?? "0") adequate trial(s) without response; \(reply["required"]?.string ?? "2") required).")
        let trials = reply["trials"]?.array ?? []
        if !trials.isEmpty {
            print()
            print(Format.table(
                ["TRIAL", "WHAT", "COUNTS", "WHY"],
                trials.map { j in
                    let t = j["trial"] ?? .null
                    return [t.at("id"), t["drug"]?.string ?? "psychotherapy", j["counts"] == .bool(true) ? "yes" : "no", j.at("reason")]
                }), terminator: "")
        }
        for payer in reply["payers"]?.array ?? [] {
            print()
            print("\(payer.at("name")): \(payer["meets"] == .bool(true) ? "MET" : "not met")")
            for finding in payer["findings"]?.array ?? [] { print("  \(finding.string)") }
        }
    }
}
