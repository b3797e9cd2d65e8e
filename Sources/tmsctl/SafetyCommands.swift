import ArgumentParser
import TMSCore
import TMSInterface

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
            guard let reply = try Daemon(global).ask(Clinic.ListThresholds.self, .init(courseId: course)) else { return }
            if reply.thresholds.isEmpty {
                print("No motor threshold measured for course \(course).")
            } else {
                print(Format.table(
                    ["DATE", "MT %", "METHOD", "MUSCLE", "BY"],
                    reply.thresholds.map { ["\($0.date)", Format.number($0.value), $0.method.rawValue, $0.muscle, $0.operator] }),
                    terminator: "")
            }
            print(reply.recheckDue.map { "Re-check due: \($0)." } ?? "No re-check due today.")
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record a motor threshold measurement.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: ArgumentHelp("% of machine output (1-100).", valueName: "percent")) var value: Double
        @Option(help: "How it was found.") var method: ThresholdMethod
        @Option(help: "The muscle observed.") var muscle: String = "APB"
        @Option(help: ArgumentHelp("The day measured (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The time measured (default: now, for today).", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime?

        func run() throws {
            guard let t = try Daemon(global).ask(Clinic.RecordThreshold.self, .init(
                courseId: course, date: date, time: time, method: method, muscle: muscle, value: value))?.threshold
            else { return }
            print("Motor threshold \(Format.number(t.value))% (\(t.method.rawValue), \(t.muscle)) recorded for course \(course) on \(t.date).")
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
            guard let reply = try Daemon(global).ask(Clinic.ListAdverseEvents.self, .init(courseId: course)) else { return }
            guard !reply.events.isEmpty else {
                print("No adverse events for course \(course).")
                return
            }
            print(Format.table(
                ["EVENT", "DATE", "KIND", "SEVERITY", "SESSION", "HOLD", "DETAILS"],
                reply.events.map { ["\($0.id)", "\($0.date)", $0.kind, $0.severity.rawValue, $0.sessionId.map(String.init) ?? "-",
                                    $0.held ? "yes" : "", $0.details] }), terminator: "")
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record an adverse event.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The kind: scalp-pain, headache, facial-pain, dizziness, hearing, syncope, mania, suicidality, seizure.")
        var kind: String
        @Option(help: "How severe.") var severity: Severity
        @Option(help: "What happened (for a seizure: train at onset, duration, type, action, outcome).") var details: String
        @Option(help: "The session it happened in.") var session: Int?
        @Option(help: ArgumentHelp("The day (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The time it happened (default: now, for today).", valueName: "HH:MM"), transform: Parse.time)
        var time: LocalTime?

        func run() throws {
            guard let e = try Daemon(global).ask(Clinic.RecordAdverseEvent.self, .init(
                courseId: course, sessionId: session, kind: kind, severity: severity, date: date, time: time, details: details))?.event
            else { return }
            print("Adverse event \(e.id) (\(e.kind), \(e.severity.rawValue)) recorded for course \(course).")
            if e.held {
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
            guard let c = try Daemon(global).ask(Clinic.ResumeHeldCourse.self, .init(id: id, reason: reason))?.course else { return }
            print("Course \(id) is \(c.status.rawValue) again.")
        }
    }
}

struct ScreenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen", abstract: "The pre-course safety screen: record it, sign off a relative contraindication.",
        subcommands: [Show.self, Record.self, SignOff.self, Clear.self, Questions.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "A course's screens, oldest first, and the findings that stand.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetScreen.self, .init(courseId: course)) else { return }
            ScreenCommand.show(reply, course: course)
        }
    }

    static func show(_ reply: Clinic.ScreenHistory, course: Int) {
        guard !reply.history.isEmpty else {
            print("No safety screen recorded for course \(course).")
            return
        }
        for s in reply.history {
            var result = s.result.rawValue
            if !s.findings.isEmpty { result += ": " + s.findings.joined(separator: ", ") }
            if let by = s.signedOffBy { result += " (signed off by \(by): \(s.signOffReason ?? ""))" }
            print("Course \(course), screen \(s.id), \(s.date) by \(s.recordedBy): \(result)")
        }
        if reply.standing.isEmpty {
            print("No finding stands.")
        } else {
            print("Standing until a clinician clears them (tmsctl screen clear):")
            for f in reply.standing {
                print("  \(f.question): \(f.contraindication.rawValue), found by screen \(f.screen) on \(f.date)"
                    + (f.signedOff ? ", signed off" : ""))
            }
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clear",
            abstract: "Clear one finding that stands (clinician): a later screen answering no does not; the reason is audited.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The question whose finding is cleared (tmsctl screen questions).") var question: String
        @Option(help: "Why it no longer stands (e.g. the implant was removed; imaging reviewed).") var reason: String

        func run() throws {
            guard let reply = try Daemon(global).ask(
                Clinic.ClearScreenFinding.self, .init(courseId: course, question: question, reason: reason)) else { return }
            ScreenCommand.show(reply, course: course)
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record the screen: the questions answered yes; every other question is recorded as no.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: ArgumentHelp("Questions answered yes (tmsctl screen questions).", valueName: "id,id,...")) var yes: String = ""
        @Option(help: ArgumentHelp("The day (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?

        func run() throws {
            let daemon = try Daemon(global)
            let questions = try daemon.fetch(Clinic.ListScreenQuestions.self).questions.map(\.id)
            let answeredYes = Set(yes.split(separator: ",").map { String($0) })
            if let unknown = answeredYes.subtracting(questions).sorted().first {
                throw fail("'\(unknown)' is not a screen question; tmsctl screen questions lists them.", status: Status.usage)
            }
            let answers = Dictionary(uniqueKeysWithValues: questions.map { ($0, answeredYes.contains($0)) })
            guard let s = try daemon.ask(Clinic.RecordScreen.self, .init(courseId: course, date: date, answers: answers))?.screen
            else { return }
            let findings = s.findings.joined(separator: ", ")
            switch s.result {
            case .clear: print("Screen recorded for course \(course): clear.")
            case .relative: print("Screen recorded for course \(course): relative contraindication (\(findings)); a clinician must sign it off (tmsctl screen sign-off).")
            case .absolute: print("Screen recorded for course \(course): ABSOLUTE contraindication (\(findings)); no treatment.")
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
            guard let s = try Daemon(global).ask(Clinic.SignOffScreen.self, .init(courseId: course, reason: reason))?.screen else { return }
            print("Screen of course \(course) signed off by \(s.signedOffBy ?? "").")
        }
    }

    struct Questions: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "questions", abstract: "The screen's questions.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListScreenQuestions.self) else { return }
            print(Format.table(["ID", "CONTRAINDICATION", "QUESTION"],
                               reply.questions.map { [$0.id, $0.contraindication.rawValue, $0.question] }), terminator: "")
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
            guard let reply = try Daemon(global).ask(Clinic.ListMedications.self, .init(patientId: patient)) else { return }
            guard !reply.medications.isEmpty else {
                print("No medications recorded for patient \(patient).")
                return
            }
            print(Format.table(
                ["ID", "DRUG", "DOSE", "FROM", "TO", "CLASS", "STRATEGY", "FLAGS"],
                reply.medications.map { m in
                    var flags: [String] = []
                    if let hazard = m.seizureHazard { flags.append("seizure:\(hazard)") }
                    if m.raisesMT { flags.append("raises-MT") }
                    if m.blunts { flags.append("may-blunt") }
                    if !m.classified { flags.append("UNCLASSIFIED") }
                    return ["\(m.id)", m.drug, "\(Format.number(m.dose)) \(m.unit)", "\(m.startDate)", m.stopDate.map { "\($0)" } ?? "",
                            m.drugClass ?? "-", m.strategyId.map { "\($0)" } ?? "-", flags.joined(separator: " ")]
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
        @Option(help: ArgumentHelp("The first day (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The time (default: now, for today).", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime?

        func run() throws {
            guard let reply = try Daemon(global).ask(
                Clinic.StartMedication.self, .init(patientId: patient, drug: drug, dose: dose, unit: unit, date: date, time: time))
            else { return }
            let m = reply.medication
            print("Medication \(m.id): \(m.drug) \(Format.number(m.dose)) \(m.unit) from \(m.startDate).")
            printWarnings(reply.warnings)
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change", abstract: "Change a medication's dose from a date.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The medication's id.") var id: Int
        @Option(help: "The new dose.") var dose: Double
        @Option(help: "The dose's unit.") var unit: String
        @Option(help: ArgumentHelp("The first day at the new dose (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The time (default: now, for today).", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime?

        func run() throws {
            guard let reply = try Daemon(global).ask(
                Clinic.ChangeMedicationDose.self, .init(id: id, dose: dose, unit: unit, date: date, time: time)) else { return }
            let m = reply.medication
            print("Medication \(m.id) replaces \(id): \(m.drug) \(Format.number(m.dose)) \(m.unit) from \(m.startDate).")
            printWarnings(reply.warnings)
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a medication.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The medication's id.") var id: Int
        @Option(help: ArgumentHelp("The day it stops (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The time (default: now, for today).", valueName: "HH:MM"), transform: Parse.time) var time: LocalTime?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.StopMedication.self, .init(id: id, date: date, time: time)) else { return }
            print("Medication \(id) stopped on \(reply.medication.stopDate.map { "\($0)" } ?? "?").")
            printWarnings(reply.warnings)
        }
    }

    struct Unclassified: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unclassified", abstract: "Drugs in use that the drug table does not know.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListUnclassifiedDrugs.self) else { return }
            print(reply.drugs.isEmpty ? "Every drug in use is classified."
                : "To classify ([drugs] in the clinical data): " + reply.drugs.joined(separator: ", "))
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
    @Option(help: "How well the patient took it.") var adherence: Trial.Adherence = .good
    @Option(help: "How it ended.") var outcome: Trial.Outcome
    @Option(help: "Side effects, in words.") var sideEffects: String?
    @Option(help: "Why it stopped.") var reasonStopped: String?

    func validate() throws {
        guard psychotherapy != (drug != nil) else { throw ValidationError("Give --drug for a medication trial, or --psychotherapy.") }
        if drug != nil, dose == nil { throw ValidationError("A medication trial needs --dose.") }
    }

    func run() throws {
        guard let t = try Daemon(global).ask(Clinic.RecordTrial.self, .init(
            patientId: patient, kind: psychotherapy ? .psychotherapy : .medication, drug: drug, drugClass: drugClass,
            highestDose: dose, unit: drug == nil ? nil : unit, weeksAtDose: weeks, adherence: adherence, outcome: outcome,
            sideEffects: sideEffects, reasonStopped: reasonStopped))?.trial else { return }
        print("Trial \(t.id) recorded for patient \(patient): \(t.drug ?? "psychotherapy").")
    }
}

struct EligibilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eligibility",
        abstract: "Whether a patient meets the TRD definition and each payer's rule, trial by trial.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The patient's id.") var patient: Int

    func run() throws {
        guard let reply = try Daemon(global).ask(Clinic.GetEligibility.self, .init(patientId: patient)) else { return }
        print("Patient \(patient): \(reply.trd ? "MEETS" : "does NOT meet") the TRD definition "
            + "(\(reply.adequate) adequate trial(s) without response; \(reply.required) required).")
        print("Evaluation: " + (reply.evaluationComplete ? "complete." : "INCOMPLETE; missing \(reply.evaluationMissing.joined(separator: ", ")).")
            + " Stage: \(PathwayFormat.stage(reply.stage)).")
        if !reply.trials.isEmpty {
            print()
            print(Format.table(
                ["TRIAL", "WHAT", "COUNTS", "WHY"],
                reply.trials.map { j in ["\(j.trial.id)", j.trial.drug ?? "psychotherapy", j.counts ? "yes" : "no", j.reason] }),
                terminator: "")
        }
        if !reply.strategies.isEmpty {
            print()
            print(Format.table(
                ["STRATEGY", "KIND", "ADEQUATE", "COUNTS", "WHY"],
                reply.strategies.map { j in ["\(j.strategy)", j.kind.rawValue, j.adequate ? "yes" : "no", j.counts ? "yes" : "no", j.reason] }),
                terminator: "")
        }
        for payer in reply.payers {
            print()
            print("\(payer.name): \(payer.meets ? "MET" : "not met")")
            for finding in payer.findings { print("  \(finding)") }
        }
    }
}
