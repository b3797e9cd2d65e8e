import ArgumentParser
import Varlink

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports: the clinic's day.", subcommands: [Daily.self])

    struct Daily: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The day's report: sessions per chair, pulses, tomorrow, re-checks, events, alerts, holds, medications, billing.",
            discussion: "Patients are named as [reports] identifiers says: initials by default, always with the internal id.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD")) var date: String?
        @Option(help: "text (80 columns), csv (one row per session) or json.") var format: String = "text"

        func validate() throws {
            try checkDate(date)
            guard ["text", "csv", "json"].contains(format) else { throw ValidationError("--format must be text, csv or json.") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetDailyReport", date.map { ["date": .string($0)] } ?? [:])
            switch global.json ? "json" : format {
            case "json": print(JSON.object(reply.values).text)
            case "csv": print(Self.csv(reply), terminator: "")
            default: print(Self.text(reply), terminator: "")
            }
        }

        static let columns = ["date", "time", "chair", "patient", "course", "session", "number", "protocol", "status",
                              "pulses_delivered", "pulses_prescribed", "reason", "cpt"]

        static func csv(_ r: Reply) -> String {
            func field(_ s: String) -> String {
                guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return s }
                return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
            }
            var out = columns.joined(separator: ",") + "\r\n"
            for s in r["sessions"]?.array ?? [] {
                let values = [r.values["date"]?.string ?? "", s.at("time"), s.at("chair"), s.at("patient"), s.at("course"),
                              s.at("session"), "\(s.at("number"))/\(s.at("total"))", s.at("protocol"), s.at("status"),
                              s.at("pulsesDelivered"), s.at("pulsesPrescribed"), s.at("reason"), s.at("cpt")]
                out += values.map(field).joined(separator: ",") + "\r\n"
            }
            return out
        }

        static func text(_ r: Reply) -> String {
            let date = r.values["date"]?.string ?? ""
            var out = "\(r.values["clinic"]?.string ?? "Clinic"): the day of \(date)\n"
            out += "Sessions: \(r.values["done"]?.string ?? "0") done, \(r.values["missed"]?.string ?? "0") missed, "
                + "\(r.values["aborted"]?.string ?? "0") aborted, \(r.values["open"]?.string ?? "0") still open\n"
            out += "Pulses: \(r.values["pulsesDelivered"]?.string ?? "0") delivered of \(r.values["pulsesPrescribed"]?.string ?? "0") prescribed\n"
            let sessions = r["sessions"]?.array ?? []
            let chairs = Array(Set(sessions.map { $0["chair"]?.string ?? "-" })).sorted()
            for chair in chairs {
                out += "\nChair \(chair)\n"
                out += Format.table(
                    ["TIME", "PATIENT", "COURSE", "#", "STATUS", "PULSES", "CPT"],
                    sessions.filter { ($0["chair"]?.string ?? "-") == chair }.map { s in
                        [s.at("time"), s.at("patient"), s.at("course"), "\(s.at("number"))/\(s.at("total"))",
                         s.at("status") + (s["reason"].map { ": \($0.string)" } ?? ""),
                         s["pulsesDelivered"].map { "\($0.string)/\(s.at("pulsesPrescribed"))" } ?? "", s.at("cpt")]
                    })
            }
            if sessions.isEmpty { out += "\nNo sessions were booked on \(date).\n" }
            let billed = sessions.compactMap { $0["cpt"]?.string }
            if !billed.isEmpty {
                out += "\nBilling: " + Dictionary(grouping: billed, by: { $0 }).sorted { $0.key < $1.key }
                    .map { "\($0.key) x \($0.value.count)" }.joined(separator: ", ") + "\n"
            }
            let tomorrow = r["tomorrowSessions"]?.array ?? []
            out += "\nTomorrow (\(r.values["tomorrow"]?.string ?? "")): \(tomorrow.count) session\(tomorrow.count == 1 ? "" : "s") booked\n"
            if !tomorrow.isEmpty {
                out += Format.table(["TIME", "CHAIR", "PATIENT", "COURSE", "#"], tomorrow.map {
                    [$0.at("time"), $0.at("chair"), $0.at("patient"), $0.at("course"), "\($0.at("number"))/\($0.at("total"))"]
                })
            }
            for (key, title) in [("recheckDue", "MT re-check due"), ("adverseEvents", "Adverse events"), ("openAlerts", "Open alerts"),
                                 ("onHold", "Courses on hold"), ("medicationChanges", "Medication changes")] {
                let notes = r[key]?.array ?? []
                out += "\n\(title): \(notes.isEmpty ? "none" : "")\n"
                for n in notes {
                    out += "  " + (n["course"].map { "course \($0.string), " } ?? "") + "\(n.at("patient")): \(n.at("detail"))\n"
                }
            }
            return out
        }
    }
}
