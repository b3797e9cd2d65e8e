import ArgumentParser
import TMSCore
import TMSInterface

struct OutcomesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outcomes", abstract: "Outcome scores: record them, and a course's trajectory as a chart.",
        subcommands: [Show.self, Record.self, Scales.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "A course's scores per scale, as bars, with response and remission against the baseline.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetOutcomes.self, .init(courseId: course)) else { return }
            guard !reply.trajectories.isEmpty else {
                print("No outcomes recorded for course \(course).")
                return
            }
            for t in reply.trajectories { print(Chart.render(t)) }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record a score: --items for item-by-item scales (PHQ-9: nine items 0-3), --total for the others.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The scale's id: phq9, hamd17, madrs, qids-sr16, bdi2 (tmsctl outcomes scales).") var scale: String
        @Option(help: "When in the course it was taken.") var timepoint: Timepoint = .weekly
        @Option(help: ArgumentHelp("The day the score was taken (default: today).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: ArgumentHelp("The items, comma-separated.", valueName: "n,n,...")) var items: String?
        @Option(parsing: .unconditional, help: "The total.") var total: Int?

        var itemValues: [Int]? { items.map { $0.split(separator: ",").compactMap { Int($0.filter { $0 != " " }) } } }

        func validate() throws {
            if let items, items.split(separator: ",").contains(where: { Int($0.filter { $0 != " " }) == nil }) {
                throw ValidationError("--items '\(items)' is not a comma-separated list of whole numbers.")
            }
        }

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.RecordOutcome.self, .init(
                courseId: course, scale: scale, timepoint: timepoint, date: date, total: total, items: itemValues)) else { return }
            let o = reply.outcome
            print("Recorded \(o.scale) \(o.timepoint.rawValue) on \(o.date) for course \(o.courseId): total \(o.total).")
            if let alert = reply.alert {
                print("ALERT \(alert.id): \(alert.detail). A clinician must acknowledge it (tmsctl alerts ack \(alert.id)).")
            }
        }
    }

    struct Scales: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "scales", abstract: "The outcome scales and their cut-offs.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListScales.self) else { return }
            print(Format.table(
                ["ID", "NAME", "RANGE", "ITEMS", "REMISSION", "RESPONSE"],
                reply.scales.map { s in
                    [s.id, s.name, "\(s.minimum)-\(s.maximum)", s.items.map { "\($0) x 0-\(s.itemMaximum ?? 0)" } ?? "total",
                     "<= \(s.remissionAtMost)", "-\(Format.number(s.responseDrop * 100))%"]
                }), terminator: "")
        }
    }
}

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alerts a clinician must see (a PHQ-9 item 9 above 0), open until acknowledged.",
        subcommands: [List.self, Acknowledge.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Open alerts, newest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Acknowledged ones too.") var all = false

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListAlerts.self, .init(all: all)) else { return }
            guard !reply.alerts.isEmpty else {
                print(all ? "No alerts." : "No open alerts.")
                return
            }
            print(Format.table(
                ["ALERT", "COURSE", "PATIENT", "RAISED (UTC)", "DETAIL", "ACKNOWLEDGED"],
                reply.alerts.map { a in
                    ["\(a.id)", "\(a.courseId)", "\(a.patientId)", a.createdAt, a.detail,
                     a.acknowledgedBy.map { "by \($0): \(a.note ?? "")" } ?? "OPEN"]
                }), terminator: "")
        }
    }

    struct Acknowledge: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an alert, saying what was done.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The alert's id.") var id: Int
        @Option(help: "What was done.") var note: String

        func run() throws {
            guard let alert = try Daemon(global).ask(Clinic.AcknowledgeAlert.self, .init(id: id, note: note))?.alert else { return }
            print("Alert \(id) acknowledged by \(alert.acknowledgedBy ?? "").")
        }
    }
}

/// A trajectory as horizontal bars scaled to the scale's range, 80 columns.
enum Chart {
    static let width = 40

    static func render(_ t: Clinic.Trajectory) -> String {
        let scale = t.scale
        let minimum = scale.minimum, maximum = max(scale.maximum, minimum + 1)
        var out = "\(scale.name) (\(minimum)-\(maximum); remission <= \(scale.remissionAtMost))\n"
        for p in t.points {
            let filled = min(max(0, (p.total - minimum) * width / (maximum - minimum)), width)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            out += "  \(p.date) \(p.timepoint.rawValue.padding(8)) |\(bar)| \(p.total)\n"
        }
        let baseline = t.baseline.map(String.init) ?? "-", latest = t.latest.map(String.init) ?? "-"
        let response = t.response.map { $0 ? "yes" : "no" } ?? "unknown"
        out += "  baseline \(baseline), latest \(latest): response \(response), remission \(t.remission ? "yes" : "no")\n"
        return out
    }
}

private extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
