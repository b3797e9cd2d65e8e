import ArgumentParser
import TMSCore
import TMSInterface

// The path before a course: referral, consultation, evaluation, strategies and the patient's history.

struct ReferralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral", abstract: "Record who referred a patient, when and why ('patient show' lists them).",
        discussion: "Needs the operator role.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The patient's id.") var patient: Int
    @Option(help: "Who referred the patient (a physician, a service).") var by: String
    @Option(help: "Why.") var reason: String
    @Option(help: ArgumentHelp("The day of the referral (default today).", valueName: "YYYY-MM-DD")) var date: String?

    func run() throws {
        guard let r = try Daemon(global).ask(Clinic.RecordReferral.self, .init(
            patientId: patient, referredBy: by, date: try date.map(Parse.date), reason: reason))?.referral else { return }
        print("Referral \(r.id) recorded for patient \(patient): from \(r.referredBy) on \(r.date).")
    }
}

struct ConsultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consult", abstract: "Book consultations, record what they decided, and list them.",
        subcommands: [Book.self, Outcome.self, List.self])

    struct Book: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "book", abstract: "Book a consultation with a clinician, in a room ([clinic] rooms).",
            discussion: """
                A consultation takes a clinician and a room, not a treatment chair, inside the day's opening hours; \
                refused when the room, the clinician or the patient is in another consultation then. Without \
                --room, the first room free then. Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int
        @Option(help: "The clinician who sees the patient.") var clinician: String
        @Option(help: ArgumentHelp("The day.", valueName: "YYYY-MM-DD")) var date: String
        @Option(help: ArgumentHelp("The time it starts.", valueName: "HH:MM")) var time: String
        @Option(help: "How long, in minutes (10-240).") var minutes: Int = 60
        @Option(help: "The room (default: the first free).") var room: String?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.BookConsultation.self, .init(
                patientId: patient, clinician: clinician, room: room, date: try Parse.date(date), time: try Parse.time(time),
                minutes: minutes)) else { return }
            let c = reply.consultation
            print("Consultation \(c.id) booked: patient \(c.patientId) with \(c.clinician) in \(c.room), "
                + "\(Format.day(c.date)) \(c.date) \(c.range).")
        }
    }

    struct Outcome: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outcome", abstract: "Record what a held consultation decided.",
            discussion: """
                OUTCOME is proceed (to the evaluation), not-candidate (--note says why) or referred-elsewhere (--note \
                says where). Once per consultation, on its day or later. Needs the clinician role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The consultation's id.") var id: Int
        @Argument(help: "proceed, not-candidate or referred-elsewhere.") var outcome: ConsultationOutcome
        @Option(help: "Why not a candidate, or where to.") var note: String?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.RecordConsultationOutcome.self, .init(id: id, outcome: outcome, note: note))
            else { return }
            print("Consultation \(id): \(ConsultCommand.outcomeText(outcome)). Patient \(reply.consultation.patientId) is now "
                + "\(PathwayFormat.stage(reply.stage)).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A day's consultations by time, or a patient's.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The day (default today; with --patient, any day unless given).", valueName: "YYYY-MM-DD"))
        var date: String?
        @Option(help: "Only this patient's.") var patient: Int?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListConsultations.self, .init(date: try date.map(Parse.date), patientId: patient))
            else { return }
            guard !reply.consultations.isEmpty else { return print("No consultations.") }
            print(Format.table(
                ["ID", "DATE", "TIME", "ROOM", "CLINICIAN", "PATIENT", "OUTCOME"],
                reply.consultations.map { c in
                    ["\(c.id)", "\(c.date)", "\(c.range)", c.room, c.clinician, "\(c.patientId)",
                     c.outcome.map(ConsultCommand.outcomeText) ?? "-"]
                }),
                terminator: "")
        }
    }

    static func outcomeText(_ outcome: ConsultationOutcome) -> String {
        switch outcome {
        case .proceed: "proceed to evaluation"
        case .notCandidate: "not a candidate"
        case .referredElsewhere: "referred elsewhere"
        }
    }
}

struct EvaluationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluation", abstract: "The pre-TMS evaluation: show a patient's, or record an item of it.",
        subcommands: [Show.self, Record.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "A patient's evaluation, item by item, and what is missing.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetEvaluation.self, .init(patientId: patient)) else { return }
            print("Patient \(patient): evaluation " + (reply.complete ? "complete." : "INCOMPLETE: \(reply.missing.count) item(s) missing."))
            for section in EvaluationItem.Section.allCases {
                let lines = reply.items.filter { $0.item.section == section }
                guard !lines.isEmpty else { continue }
                print()
                print(PathwayFormat.section(section))
                print(Format.table(
                    ["ITEM", "RESULT", "FOUND", "DATE", "BY"],
                    lines.map { line in
                        guard let e = line.entry else {
                            return [line.item.id, line.item.required ? "MISSING" : "-",
                                    "\(line.item.name): " + line.item.results.joined(separator: ", "), "", ""]
                        }
                        let found = [e.instrument.map { $0 + (e.score.map { " " + Format.number($0) } ?? "") }
                                         ?? e.score.map(Format.number), e.detail].compactMap { $0 }
                        return [line.item.id, e.result, found.joined(separator: "; "), "\(e.date)", e.recordedBy]
                    }),
                    terminator: "")
            }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record", abstract: "Record one item of a patient's evaluation.",
            discussion: """
                ITEM is an item of the clinical data's [evaluation] (mdd, bipolar-screen, anxiety, trauma, \
                psychotic-features, thyroid, hormonal, chronic-pain, sleep-disorder, sleep, substance-use, stress, \
                nutrition, psychotherapy, ketamine, ect, prior-tms as shipped), RESULT one of its results ('tmsctl \
                evaluation PATIENT' lists them). A later entry of an item replaces the earlier in the evaluation. \
                Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int
        @Argument(help: "The item.") var item: String
        @Argument(help: "Its result.") var result: String
        @Option(help: "The instrument used (MDQ, AUDIT-C, TSH).") var instrument: String?
        @Option(help: "The instrument's score or value.") var score: Double?
        @Option(help: "What else was found (severity, length, reference range, kind, sessions).") var detail: String?
        @Option(help: ArgumentHelp("The day it was assessed (default today).", valueName: "YYYY-MM-DD")) var date: String?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.RecordEvaluationItem.self, .init(
                patientId: patient, item: item, result: result, instrument: instrument, score: score, detail: detail,
                date: try date.map(Parse.date))) else { return }
            print("Evaluation of patient \(patient): \(reply.entry.item) recorded as \(reply.entry.result).")
            print(reply.complete ? "The evaluation is complete."
                : Format.wrap(reply.missing.joined(separator: ", ") + ".", first: "Still missing (\(reply.missing.count)): "), terminator: "")
        }
    }
}

struct StrategyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategy", abstract: "Medication strategies: switches, augmentations and combinations.",
        subcommands: [Add.self, Stop.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Record a medication strategy, past or under way.",
            discussion: """
                --kind switch (from --base to --drug, another antidepressant), augmentation (--drug added to \
                --base: an antipsychotic, lithium, liothyronine, another adjunct) or combination (a second \
                antidepressant, --drug, with --base). --base, and --drug for a switch or a combination, must be \
                antidepressants in the drug table. --dose DATE=DOSE (repeat it for each step; the first on \
                --start; unit from --unit), --side-effect EFFECT=SEVERITY (mild, moderate, severe). A strategy under \
                way (no --stop) is taken into the patient's medication list, and 'strategy stop' ends it there \
                too. Needs the operator role.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int
        @Option(help: "switch, augmentation or combination.") var kind: Strategy.Kind
        @Option(help: "The antidepressant it builds on (or, a switch, leaves).") var base: String
        @Option(help: "The drug switched to, added or combined.") var drug: String
        @Option(help: ArgumentHelp("The day it started.", valueName: "YYYY-MM-DD")) var start: String
        @Option(help: ArgumentHelp("The day it stopped (none: under way).", valueName: "YYYY-MM-DD")) var stop: String?
        @Option(name: .customLong("dose"), help: ArgumentHelp("A dose step of the drug.", valueName: "YYYY-MM-DD=DOSE"))
        var doses: [String] = []
        @Option(help: "The doses' unit.") var unit: String = "mg"
        @Option(name: .customLong("side-effect"), help: ArgumentHelp("A side effect.", valueName: "EFFECT=SEVERITY"))
        var sideEffects: [String] = []
        @Option(help: "How well the patient took it.") var adherence: Trial.Adherence = .good
        @Option(help: "How it ended (with --stop).") var outcome: Trial.Outcome?
        @Option(help: "Why it stopped (with --stop).") var reasonStopped: String?

        func run() throws {
            let steps = try doses.map { text in
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let dose = Double(parts[1]) else {
                    throw ValidationError("--dose '\(text)' is not YYYY-MM-DD=DOSE (2026-03-02=75).")
                }
                return Strategy.DoseStep(date: try Parse.date(parts[0]), dose: dose, unit: unit)
            }
            let effects = try sideEffects.map { text in
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let severity = Severity(rawValue: parts[1]) else {
                    throw ValidationError("--side-effect '\(text)' is not EFFECT=SEVERITY (nausea=mild; mild, moderate or severe).")
                }
                return Strategy.SideEffect(effect: parts[0], severity: severity)
            }
            guard let reply = try Daemon(global).ask(Clinic.RecordStrategy.self, .init(
                patientId: patient, kind: kind, base: base, drug: drug, startDate: try Parse.date(start), stopDate: try stop.map(Parse.date),
                doseSteps: steps, sideEffects: effects, adherence: adherence, outcome: outcome, reasonStopped: reasonStopped))
            else { return }
            let s = reply.strategy
            print("Strategy \(s.id) recorded for patient \(patient): \(PathwayFormat.strategy(s)), "
                + "\(s.startDate) to \(s.stopDate.map(String.init(describing:)) ?? "now (under way)").")
            for warning in reply.warnings { print("  warning: \(warning)") }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop", abstract: "Stop a strategy under way, with its outcome and why; its drug stops too.",
            discussion: "Needs the operator role.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The strategy's id.") var id: Int
        @Option(help: "How it ended.") var outcome: Trial.Outcome
        @Option(help: "Why it stopped.") var reason: String
        @Option(help: ArgumentHelp("The day it stopped (default today).", valueName: "YYYY-MM-DD")) var date: String?

        func run() throws {
            guard let s = try Daemon(global).ask(Clinic.StopStrategy.self, .init(
                id: id, date: try date.map(Parse.date), outcome: outcome, reason: reason))?.strategy else { return }
            print("Strategy \(id) stopped on \(s.stopDate!): \(s.outcome!.rawValue).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "A patient's medication strategies.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListStrategies.self, .init(patientId: patient)) else { return }
            guard !reply.strategies.isEmpty else { return print("No strategies recorded.") }
            print(Format.table(
                ["ID", "STRATEGY", "FROM", "TO", "DOSES", "SIDE EFFECTS", "OUTCOME"],
                reply.strategies.map { s in
                    ["\(s.id)", PathwayFormat.strategy(s), "\(s.startDate)", s.stopDate.map(String.init(describing:)) ?? "-",
                     s.doseSteps.map { "\(Format.number($0.dose))\($0.unit)" }.joined(separator: ">"),
                     s.sideEffects.map { "\($0.effect) (\($0.severity.rawValue))" }.joined(separator: ", "),
                     s.outcome.map { $0.rawValue + (s.reasonStopped.map { ": " + $0 } ?? "") } ?? "under way"]
                }),
                terminator: "")
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "A patient's treatment path on a timeline: strategies, evaluation, courses, outcomes.",
        discussion: """
            One line per referral, consultation, strategy, the evaluation, course and outcome scale, drawn on one \
            time axis at 80 columns ('=' a stretch, '>' still going, '*' a day), then the same in date order.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The patient's id.") var patient: Int

    func run() throws {
        guard let reply = try Daemon(global).ask(Clinic.GetHistory.self, .init(patientId: patient)) else { return }
        print(Timeline.draw(reply), terminator: "")
    }
}

/// A patient's history at 80 columns: a label, then the time axis.
enum Timeline {
    struct Row {
        var label: String
        var from: CivilDate
        var to: CivilDate?
        var going = false
        var marks: [CivilDate] = []
    }

    static let labelWidth = 24
    static let axisWidth = 80 - labelWidth - 1

    static func draw(_ h: Clinic.GetHistory.Output) -> String {
        let today = h.today
        var rows: [Row] = []
        var events: [(CivilDate, String)] = []
        for r in h.referrals {
            rows.append(Row(label: "referral", from: r.date, marks: [r.date]))
            events.append((r.date, "referred by \(r.referredBy): \(r.reason)"))
        }
        for c in h.consultations {
            let outcome = c.outcome.map(ConsultCommand.outcomeText) ?? "booked"
            rows.append(Row(label: "consultation: \(c.outcome?.rawValue ?? "booked")", from: c.date, marks: [c.date]))
            events.append((c.date, "consultation \(c.id) with \(c.clinician): \(outcome)"
                + (c.outcomeNote.map { " (\($0))" } ?? "")))
        }
        for s in h.strategies {
            rows.append(Row(label: PathwayFormat.strategy(s), from: s.startDate, to: s.stopDate ?? today, going: s.stopDate == nil))
            events.append((s.startDate, "strategy \(s.id) started: \(PathwayFormat.strategy(s)), "
                + s.doseSteps.map { "\(Format.number($0.dose)) \($0.unit) from \($0.date)" }.joined(separator: ", ")))
            if let stop = s.stopDate {
                events.append((stop, "strategy \(s.id) stopped: \(s.outcome?.rawValue ?? "-")"
                    + (s.reasonStopped.map { " (\($0))" } ?? "")
                    + (s.sideEffects.isEmpty ? "" : "; side effects: " + s.sideEffects.map { "\($0.effect) (\($0.severity.rawValue))" }.joined(separator: ", "))))
            }
        }
        if let first = h.evaluation.map(\.date).min(), let last = h.evaluation.map(\.date).max() {
            rows.append(Row(label: "evaluation (\(h.evaluation.count))", from: first, to: last, marks: h.evaluation.map(\.date)))
            events.append((first, "evaluation begun (\(h.evaluation.count) entr\(h.evaluation.count == 1 ? "y" : "ies") up to \(last))"))
        }
        for c in h.courses {
            let under = [.active, .paused, .onHold].contains(c.course.status)
            rows.append(Row(label: "course \(c.course.id) \(c.course.status.rawValue)", from: c.course.startDate,
                            to: c.lastDate ?? c.course.startDate, going: under))
            events.append((c.course.startDate, "course \(c.course.id) (\(c.course.protocolId)) from \(c.course.startDate), "
                + "\(c.course.status.rawValue)" + (c.lastDate.map { ", last session \($0)" } ?? "")))
        }
        for scale in Set(h.scores.map(\.scale)).sorted() {
            let points = h.scores.filter { $0.scale == scale }
            rows.append(Row(label: "\(scale) \(points.first!.total)>\(points.last!.total)", from: points.first!.date, marks: points.map(\.date)))
            for p in points { events.append((p.date, "\(scale) \(p.total) (course \(p.courseId))")) }
        }
        var out = "Patient \(h.patientId): \(PathwayFormat.stage(h.stage)).\n"
        guard let start = rows.map(\.from).min() else { return out + "Nothing on the path yet.\n" }
        let end = max(today, rows.compactMap(\.to).max() ?? start, rows.flatMap(\.marks).max() ?? start)
        let span = max(1, end.dayNumber - start.dayNumber)
        func column(_ date: CivilDate) -> Int { min(axisWidth - 1, (date.dayNumber - start.dayNumber) * (axisWidth - 1) / span) }
        out += "\n" + String(repeating: " ", count: labelWidth + 1) + axisLabels(start: start, end: end, column: column) + "\n"
        for row in rows {
            var axis = Array(repeating: Character(" "), count: axisWidth)
            if let to = row.to {
                for i in column(row.from)...max(column(row.from), column(to)) { axis[i] = "=" }
                if row.going { axis[column(to)] = ">" }
            }
            for mark in row.marks { axis[column(mark)] = "*" }
            let label = Format.fit(row.label, labelWidth)
            out += label + String(repeating: " ", count: labelWidth - label.count + 1) + trimmed(axis) + "\n"
        }
        out += "\n"
        for (date, text) in events.sorted(by: { $0.0 < $1.0 }) { out += Format.wrap(text, first: "\(date)  ") }
        return out
    }

    static func trimmed(_ axis: [Character]) -> String { String(axis[..<(axis.lastIndex { $0 != " " }.map { $0 + 1 } ?? 0)]) }

    /// The first day, the last, and (room allowing) the middle, each where it falls on the axis.
    static func axisLabels(start: CivilDate, end: CivilDate, column: (CivilDate) -> Int) -> String {
        var axis = Array(repeating: Character(" "), count: axisWidth)
        let middle = CivilDate(dayNumber: (start.dayNumber + end.dayNumber) / 2)
        for date in [start, middle, end] {
            let text = Array(date.description)
            let at = min(max(0, column(date) - (date == start ? 0 : date == end ? text.count - 1 : text.count / 2)), axisWidth - text.count)
            guard axis[at..<at + text.count].allSatisfy({ $0 == " " }), at == 0 || axis[at - 1] == " " else { continue }
            axis.replaceSubrange(at..<at + text.count, with: text)
        }
        return trimmed(axis)
    }
}

enum PathwayFormat {
    static func stage(_ stage: PatientStage) -> String {
        switch stage {
        case .inCourse: "in course"
        default: stage.rawValue
        }
    }

    static func section(_ section: EvaluationItem.Section) -> String {
        switch section {
        case .diagnosis: "Diagnosis re-checked"
        case .medical: "Medical contributors"
        case .lifestyle: "Lifestyle factors"
        case .treatments: "Other treatments tried"
        }
    }

    static func strategy(_ s: Strategy) -> String {
        switch s.kind {
        case .switch: "switch \(s.base)>\(s.drug)"
        case .augmentation: "\(s.base) + \(s.drug) (aug.)"
        case .combination: "\(s.base) + \(s.drug) (comb.)"
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a patient's records for another system.", subcommands: [FHIR.self])

    struct FHIR: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fhir", abstract: "A patient's records as a FHIR R4 Bundle (JSON).",
            discussion: """
                The bundle (type collection) holds the Patient, the depression as a Condition (ICD-10-CM), a \
                MedicationStatement for each trial, strategy and medication, a Procedure for each delivered session \
                (CPT, stimulation parameters), an Observation for each outcome score (LOINC) and motor threshold, and \
                each AdverseEvent; --course limits it to one course's sessions, scores, thresholds and events. It \
                holds patient data whole: --output writes a new file of mode 0600 (never over an existing one); \
                without it, the bundle goes to standard output.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The patient's id.") var patient: Int
        @Option(help: "Only this course of the patient's.") var course: Int?
        @Option(help: ArgumentHelp("A new file to write it to (mode 0600).", valueName: "FILE")) var output: String?

        func run() throws {
            let bundle = try Daemon(global).document(Clinic.ExportFHIR.self, .init(patientId: patient, courseId: course), member: "bundle")
            let text = bundle.text + "\n"
            guard let output else { return print(text, terminator: "") }
            try LocalFile.createPrivate(text, at: output)
            let entries = bundle["entry"].map { if case .array(let a) = $0 { a.count } else { 0 } } ?? 0
            print("Wrote \(output): a FHIR R4 Bundle of \(entries) resources.")
        }
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import patients or trial histories from a CSV file, all or nothing.",
        discussion: """
            FILE is CSV (RFC 4180: a header line of column names, then one record a line; a field in double quotes \
            may hold commas, line breaks and doubled quotes), at most 900000 bytes; - reads standard input. \
            --dry-run lists every record's problems (line and column) and imports nothing; a real run imports \
            every record in one transaction, recorded in the audit trail as one import with the file's SHA-256, or, \
            with any problem, none. Needs the operator role.
            """,
        subcommands: [Patients.self, Trials.self])

    struct Patients: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "patients", abstract: "Register patients from a CSV file.",
            discussion: """
                Columns: mrn, family_name, given_name, birth_date (YYYY-MM-DD) required; phone, email optional. Each \
                is held to 'patient add' and 'patient contact' rules; an MRN must be new to the clinic and to the file.
                """)
        @OptionGroup var options: ImportOptions
        func run() throws { try options.run(Clinic.ImportPatients.self, "patient") }
    }

    struct Trials: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trials", abstract: "Record past trials from a CSV file.",
            discussion: """
                Columns: mrn (a registered patient's), kind (medication or psychotherapy), weeks_at_dose, adherence \
                (good, partial, poor), outcome (none, partial, response, remission, intolerance) required; drug, \
                drug_class, highest_dose, unit (a medication trial needs its drug, dose and unit), side_effects, \
                reason_stopped optional.
                """)
        @OptionGroup var options: ImportOptions
        func run() throws { try options.run(Clinic.ImportTrials.self, "trial") }
    }
}

struct ImportOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file (- for standard input).") var file: String
    @Flag(help: "Check every record and import nothing.") var dryRun = false

    func run<M: ClinicMethod>(_ method: M.Type, _ noun: String) throws where M.Input == Clinic.ImportInput, M.Output == Clinic.ImportReply {
        let csv = try LocalFile.read(file, limit: 900_000, option: "")
        guard let reply = try Daemon(global).ask(method, .init(csv: csv, dryRun: dryRun ? true : nil)) else { return }
        let file = file == "-" ? "standard input" : file
        guard reply.problems.isEmpty else {
            print("\(file): \(reply.rows) record\(reply.rows == 1 ? "" : "s"), \(reply.problems.count) problem\(reply.problems.count == 1 ? "" : "s"); nothing imported.")
            print(Format.table(["LINE", "COLUMN", "PROBLEM"], reply.problems.map { ["\($0.line)", $0.column ?? "-", $0.message] }), terminator: "")
            throw ExitCode(Status.refused)
        }
        let span = reply.ids.first.map { first in first == reply.ids.last! ? " (id \(first))" : " (ids \(first) to \(reply.ids.last!))" } ?? ""
        if dryRun {
            print("\(file): \(reply.rows) record\(reply.rows == 1 ? "" : "s"), no problems; nothing imported (dry run). SHA-256 \(reply.sha256).")
        } else {
            print("Imported \(reply.imported) \(noun)\(reply.imported == 1 ? "" : "s")\(span) from \(file), SHA-256 \(reply.sha256).")
        }
    }
}

struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network", abstract: "This site in a network of clinics.", subcommands: [Status.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "How far this site's change log has reached the network's central server.",
            discussion: """
                The site's id, the local change log's newest entry, the newest the central PostgreSQL holds of this \
                site's, the lag between them, when a batch last arrived, and the last error. Exits 1 when the central \
                server refused this site's history.
                """)
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let s = try Daemon(global).ask(Clinic.GetNetworkStatus.self) else { return }
            guard let site = s.site else { return print("This site is in no network ([network] in tmsd.conf sets no site).") }
            let head = s.head.map { "\($0.sequence):\($0.hash)" } ?? "none"
            let shipped = s.shipped.map { "\($0.sequence):\($0.hash)" } ?? "none yet"
            print(Format.fields([
                ("Site", site), ("Local head", head), ("Shipped", shipped), ("Lag", "\(s.lag) entr\(s.lag == 1 ? "y" : "ies")"),
                ("Last shipped", s.lastShippedAt ?? "-"), ("Last error", s.lastError.map { "\($0) (\(s.lastErrorAt ?? "-"))" } ?? "-"),
            ]), terminator: "")
            if s.refused {
                print("REFUSED: the central server refused this site's history; nothing more is shipped.")
                throw ExitCode(1)
            }
        }
    }
}
