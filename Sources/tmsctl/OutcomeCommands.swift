import ArgumentParser
import TMSCore
import Varlink

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
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetOutcomes", ["courseId": .int(course)])
            if daemon.printedJSON(reply) { return }
            let trajectories = reply["trajectories"]?.array ?? []
            guard !trajectories.isEmpty else {
                print("No outcomes recorded for course \(course).")
                return
            }
            for t in trajectories { print(Chart.render(t)) }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "record",
            abstract: "Record a score: --items for item-by-item scales (PHQ-9: nine items 0-3), --total for the others.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The scale's id: phq9, hamd17, madrs, qids-sr16, bdi2 (tmsctl outcomes scales).") var scale: String
        @Option(help: "baseline, weekly or end.") var timepoint: String = "weekly"
        @Option(help: ArgumentHelp("The day the score was taken (default: today).", valueName: "YYYY-MM-DD")) var date: String?
        @Option(help: ArgumentHelp("The items, comma-separated.", valueName: "n,n,...")) var items: String?
        @Option(parsing: .unconditional, help: "The total.") var total: Int?

        func validate() throws {
            try checkDate(date)
            guard Timepoint(rawValue: timepoint) != nil else { throw ValidationError("--timepoint must be baseline, weekly or end.") }
            if let items, items.split(separator: ",").contains(where: { Int($0.filter { $0 != " " }) == nil }) {
                throw ValidationError("--items '\(items)' is not a comma-separated list of whole numbers.")
            }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let day = try date ?? daemon.today()
            var parameters: [String: JSON] = [
                "courseId": .int(course), "scale": .string(scale), "timepoint": .string(timepoint), "date": .string(day),
            ]
            if let items { parameters["items"] = .array(items.split(separator: ",").map { .int(Int($0.filter { $0 != " " })!) }) }
            if let total { parameters["total"] = .int(total) }
            let reply = try daemon.call("RecordOutcome", parameters)
            if daemon.printedJSON(reply) { return }
            let o = reply["outcome"] ?? .null
            print("Recorded \(o.at("scale")) \(o.at("timepoint")) on \(o.at("date")) for course \(o.at("courseId")): total \(o.at("total")).")
            if let alert = reply["alert"] {
                print("ALERT \(alert.at("id")): \(alert.at("detail")). A clinician must acknowledge it (tmsctl alerts ack \(alert.at("id"))).")
            }
        }
    }

    struct Scales: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "scales", abstract: "The outcome scales and their cut-offs.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListScales")
            if daemon.printedJSON(reply) { return }
            print(Format.table(
                ["ID", "NAME", "RANGE", "ITEMS", "REMISSION", "RESPONSE"],
                (reply["scales"]?.array ?? []).map { s in
                    [s.at("id"), s.at("name"), "\(s.at("minimum"))-\(s.at("maximum"))",
                     s["items"].map { "\($0.string) x 0-\(s.at("itemMaximum"))" } ?? "total",
                     "<= \(s.at("remissionAtMost"))", "-\(Format.number((s["responseDrop"]?.double ?? 0) * 100))%"]
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
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListAlerts", ["all": .bool(all)])
            if daemon.printedJSON(reply) { return }
            let alerts = reply["alerts"]?.array ?? []
            guard !alerts.isEmpty else {
                print(all ? "No alerts." : "No open alerts.")
                return
            }
            print(Format.table(
                ["ALERT", "COURSE", "PATIENT", "RAISED (UTC)", "DETAIL", "ACKNOWLEDGED"],
                alerts.map { a in
                    [a.at("id"), a.at("courseId"), a.at("patientId"), a.at("createdAt"), a.at("detail"),
                     a["acknowledgedBy"].map { "by \($0.string): \(a.at("note"))" } ?? "OPEN"]
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
            let daemon = try Daemon(global)
            let reply = try daemon.call("AcknowledgeAlert", ["id": .int(id), "note": .string(note)])
            if daemon.printedJSON(reply) { return }
            print("Alert \(id) acknowledged by \(reply["alert"]?.at("acknowledgedBy") ?? "").")
        }
    }
}

/// A trajectory as horizontal bars scaled to the scale's range, 80 columns.
enum Chart {
    static let width = 40

    static func render(_ t: JSON) -> String {
        let scale = t["scale"] ?? .null
        let minimum = scale["minimum"]?.int ?? 0, maximum = max(scale["maximum"]?.int ?? 1, minimum + 1)
        var out = "\(scale.at("name")) (\(minimum)-\(maximum); remission <= \(scale.at("remissionAtMost")))\n"
        for p in t["points"]?.array ?? [] {
            let total = p["total"]?.int ?? 0
            let filled = (total - minimum) * width / (maximum - minimum)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let label = p.at("timepoint").padding(8)
            out += "  \(p.at("date")) \(label) |\(bar)| \(total)\n"
        }
        let baseline = t["baseline"]?.string ?? "-", latest = t["latest"]?.string ?? "-"
        let response = t["response"] == .bool(true) ? "yes" : "no", remission = t["remission"] == .bool(true) ? "yes" : "no"
        out += "  baseline \(baseline), latest \(latest): response \(response), remission \(remission)\n"
        return out
    }
}

private extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
