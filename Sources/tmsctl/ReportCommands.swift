import ArgumentParser
import TMSCore
import Varlink

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports: the clinic's day, and a course's summary.",
        subcommands: [Daily.self, Course.self])

    struct Daily: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "daily",
            abstract: "The day's report: sessions per chair, pulses, billing, tomorrow, re-checks, events, alerts, holds, medications, "
                + "courses ending, authorizations.",
            discussion: "Patients are named as [reports] identifiers says: initials by default, always with the internal id.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD")) var date: String?
        @Option(help: "text (80 columns), html, csv (one row per session), json, or email (a message for sendmail -t).")
        var format: String = "text"
        @Option(help: ArgumentHelp("With --format email: a recipient (repeat for more).", valueName: "address")) var to: [String] = []
        @Option(help: ArgumentHelp("With --format email: the sender.", valueName: "address")) var from: String = "tmsd@localhost"

        func validate() throws {
            try checkDate(date)
            guard ["text", "html", "csv", "json", "email"].contains(format) else {
                throw ValidationError("--format must be text, html, csv, json or email.")
            }
            if format == "email" {
                guard !to.isEmpty else { throw ValidationError("--format email needs --to ADDRESS.") }
                for address in to + [from] where !MailMessage.isAddress(address) {
                    throw ValidationError("\(String(reflecting: address)) is not an e-mail address.")
                }
            }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetDailyReport", date.map { ["date": .string($0)] } ?? [:])
            switch global.json ? "json" : format {
            case "json": print(JSON.object(reply.values).text)
            case "csv": print(Self.csv(reply), terminator: "")
            case "html": print(Self.html(reply), terminator: "")
            case "email":
                let day = reply.values["date"]?.string ?? ""
                let message = MailMessage(
                    from: from, to: to, subject: "\(reply.values["clinic"]?.string ?? "TMS clinic"): daily report \(day)",
                    text: Self.text(reply), html: Self.html(reply),
                    attachments: [(name: "tmsd-\(day).csv", type: "text/csv", body: Self.csv(reply))])
                print(message.render(), terminator: "")
            default: print(Self.text(reply), terminator: "")
            }
        }

        /// The same report as a small, printable HTML page.
        static func html(_ r: Reply) -> String {
            let escape = HTML.escape
            let clinic = r.at("clinic"), date = r.at("date")
            var out = HTML.start(title: "\(clinic) \(date)", heading: "\(clinic): \(date)")
            out += "<p>Sessions: \(r.values["done"]?.string ?? "0") done, \(r.values["missed"]?.string ?? "0") missed, "
                + "\(r.values["aborted"]?.string ?? "0") aborted. Pulses: \(r.values["pulsesDelivered"]?.string ?? "0") delivered of "
                + "\(r.values["pulsesPrescribed"]?.string ?? "0") prescribed.</p>\n"
            out += HTML.table(["Time", "Chair", "Patient", "Course", "#", "Status", "Pulses", "CPT"], (r["sessions"]?.array ?? []).map { s in
                [s.at("time"), s.at("chair"), s.at("patient"), s.at("course"), "\(s.at("number"))/\(s.at("total"))",
                 s.at("status") + (s["reason"].map { ": \($0.string)" } ?? ""),
                 s["pulsesDelivered"].map { "\($0.string)/\(s.at("pulsesPrescribed"))" } ?? "", s.at("cpt")]
            })
            if (r["sessions"]?.array ?? []).isEmpty { out += "<p>No sessions were booked on \(escape(date)).</p>\n" }
            if let billing = billingSummary(r) { out += "<p>\(escape(billing))</p>\n" }
            let tomorrow = r["tomorrowSessions"]?.array ?? []
            out += "<h2>\(escape(nextDayTitle(r)))</h2>\n" + (tomorrow.isEmpty ? "<p>No session booked.</p>\n"
                : HTML.table(["Time", "Chair", "Patient", "Course", "#"], tomorrow.map { s in
                    [s.at("time"), s.at("chair"), s.at("patient"), s.at("course"), "\(s.at("number"))/\(s.at("total"))"]
                }))
            for (key, title) in noteSections {
                let notes = r[key]?.array ?? []
                out += "<h2>\(title)</h2>\n" + (notes.isEmpty ? "<p>None.</p>\n" : "<ul>\n" + notes.map {
                    "<li>" + escape(noteLine($0)) + "</li>\n"
                }.joined() + "</ul>\n")
            }
            let authorizations = r["authorizations"]?.array ?? []
            out += "<h2>Authorizations</h2>\n" + (authorizations.isEmpty ? "<p>No unfinished course.</p>\n" : "<ul>\n" + authorizations.map { a in
                "<li>" + escape(authorizationLine(a)) + (a["warnings"]?.array ?? []).map { "<br><strong>WARNING: \(escape($0.string))</strong>" }.joined()
                    + "</li>\n"
            }.joined() + "</ul>\n")
            return out + HTML.end
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

        /// The report's lists of notes, by reply key, with their titles.
        static let noteSections = [
            ("recheckDue", "MT re-check due"), ("adverseEvents", "Adverse events"), ("openAlerts", "Open alerts"),
            ("onHold", "Courses on hold"), ("medicationChanges", "Medication changes"), ("endingThisWeek", "Courses ending this week"),
        ]

        /// "course 3, A.R. (#1): detail" (a medication change names no course).
        static func noteLine(_ n: JSON) -> String {
            (n["course"].map { "course \($0.string), " } ?? "") + "\(n.at("patient")): \(n.at("detail"))"
        }

        /// "Billing: 90867 x 1, 90868 x 12": the day's codes and how many of each; nil when none was billed.
        static func billingSummary(_ r: Reply) -> String? {
            let billed = (r["sessions"]?.array ?? []).compactMap { $0["cpt"].flatMap { $0 == .null ? nil : $0.string } }
            guard !billed.isEmpty else { return nil }
            return "Billing: " + Dictionary(grouping: billed, by: { $0 }).sorted { $0.key < $1.key }
                .map { "\($0.key) x \($0.value.count)" }.joined(separator: ", ")
        }

        /// "Tomorrow (D)", or "Next clinic day (D)" when the clinic is closed tomorrow.
        static func nextDayTitle(_ r: Reply) -> String {
            let day = r.at("tomorrow")
            let isTomorrow = CivilDate(r.at("date")).map { $0.adding(days: 1).description == day } ?? true
            return "\(isTomorrow ? "Tomorrow" : "Next clinic day") (\(day))"
        }

        /// One course's authorization use: payer, sessions used, booked and authorized, the last day covered.
        static func authorizationLine(_ a: JSON) -> String {
            let head = "course \(a.at("course")), \(a.at("patient")): "
            guard a.at("authorized") != "0" else { return head + "\(a.at("used")) used, \(a.at("booked")) booked" }
            return head + "\(a.at("payer")), \(a.at("used")) of \(a.at("authorized")) used, \(a.at("booked")) booked"
                + (a["expires"].map { ", to \($0.string)" } ?? "")
        }

        static func text(_ r: Reply) -> String {
            let date = r.values["date"]?.string ?? ""
            var out = "\(r.values["clinic"]?.string ?? "Clinic"): the day of \(date)\n"
            out += "Sessions: \(r.values["done"]?.string ?? "0") done, \(r.values["missed"]?.string ?? "0") missed, "
                + "\(r.values["aborted"]?.string ?? "0") aborted, \(r.values["open"]?.string ?? "0") still open\n"
            out += "Pulses: \(r.values["pulsesDelivered"]?.string ?? "0") delivered of \(r.values["pulsesPrescribed"]?.string ?? "0") prescribed\n"
            let sessions = r["sessions"]?.array ?? []
            let chairs = Array(Set(sessions.map { $0["chair"]?.string ?? "-" })).sorted()
            // Every line fits 80 columns: long names are cut in the tables, reasons and notes are wrapped.
            for chair in chairs {
                let mine = sessions.filter { ($0["chair"]?.string ?? "-") == chair }
                out += "\nChair \(Format.fit(chair, 72))\n"
                out += Format.table(
                    ["TIME", "PATIENT", "COURSE", "#", "STATUS", "PULSES", "CPT"],
                    mine.map { s in
                        [s.at("time"), Format.fit(s.at("patient"), 26), s.at("course"), "\(s.at("number"))/\(s.at("total"))",
                         s.at("status"), s["pulsesDelivered"].map { "\($0.string)/\(s.at("pulsesPrescribed"))" } ?? "", s.at("cpt")]
                    })
                for s in mine {
                    if let reason = s["reason"], reason != .null {
                        out += Format.wrap(reason.string, first: "  \(s.at("time")) \(s.at("status")): ")
                    }
                }
            }
            if sessions.isEmpty { out += "\nNo sessions were booked on \(date).\n" }
            if let billing = billingSummary(r) { out += "\n\(billing)\n" }
            let tomorrow = r["tomorrowSessions"]?.array ?? []
            out += "\n\(nextDayTitle(r)): \(tomorrow.count) session\(tomorrow.count == 1 ? "" : "s") booked\n"
            if !tomorrow.isEmpty {
                out += Format.table(["TIME", "CHAIR", "PATIENT", "COURSE", "#"], tomorrow.map {
                    [$0.at("time"), Format.fit($0.at("chair"), 16), Format.fit($0.at("patient"), 30), $0.at("course"),
                     "\($0.at("number"))/\($0.at("total"))"]
                })
            }
            for (key, title) in noteSections {
                let notes = r[key]?.array ?? []
                out += "\n\(title):\(notes.isEmpty ? " none" : "")\n"
                for n in notes {
                    out += Format.wrap(noteLine(n), first: "  ")
                }
            }
            let authorizations = r["authorizations"]?.array ?? []
            out += "\nAuthorizations:\(authorizations.isEmpty ? " no unfinished course" : "")\n"
            for a in authorizations {
                out += Format.wrap(authorizationLine(a), first: "  ")
                for warning in a["warnings"]?.array ?? [] { out += Format.wrap(warning.string, first: "    WARNING: ") }
            }
            return out
        }
    }
}
