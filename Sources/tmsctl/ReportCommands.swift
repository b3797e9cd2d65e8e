import ArgumentParser
import TMSCore
import TMSInterface

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
        @Option(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"), transform: Parse.date) var date: CivilDate?
        @Option(help: "text (80 columns), html, csv (one row per session), json, or email (a message for sendmail -t).")
        var format: String = "text"
        @Option(help: ArgumentHelp("With --format email: a recipient (repeat for more).", valueName: "address")) var to: [String] = []
        @Option(help: ArgumentHelp("With --format email: the sender.", valueName: "address")) var from: String = "tmsd@localhost"

        func validate() throws {
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
            var options = global
            options.json = options.json || format == "json"
            guard let reply = try Daemon(options).ask(Clinic.GetDailyReport.self, .init(date: date)) else { return }
            switch format {
            case "csv": print(Self.csv(reply), terminator: "")
            case "html": print(Self.html(reply), terminator: "")
            case "email":
                let day = "\(reply.date)"
                let message = MailMessage(
                    from: from, to: to, subject: "\(reply.clinic): daily report \(day)",
                    text: Self.text(reply), html: Self.html(reply),
                    attachments: [(name: "tmsd-\(day).csv", type: "text/csv", body: Self.csv(reply))])
                print(message.render(), terminator: "")
            default: print(Self.text(reply), terminator: "")
            }
        }

        typealias Report = Clinic.GetDailyReport.Output

        /// A session's pulses as "given/prescribed", when it gave any.
        static func pulses(_ s: Clinic.ReportSession) -> String { s.pulsesDelivered.map { "\($0)/\(s.pulsesPrescribed)" } ?? "" }

        /// The same report as a small, printable HTML page.
        static func html(_ r: Report) -> String {
            let escape = HTML.escape
            var out = HTML.start(title: "\(r.clinic) \(r.date)", heading: "\(r.clinic): \(r.date)")
            out += "<p>Sessions: \(r.done) done, \(r.missed) missed, \(r.aborted) aborted. "
                + "Pulses: \(r.pulsesDelivered) delivered of \(r.pulsesPrescribed) prescribed.</p>\n"
            out += HTML.table(["Time", "Chair", "Patient", "Course", "#", "Status", "Pulses", "CPT"], r.sessions.map { s in
                ["\(s.time)", s.chair ?? "", s.patient, "\(s.course)", "\(s.number)/\(s.total)",
                 s.status.rawValue + (s.reason.map { ": \($0)" } ?? ""), pulses(s), s.cpt ?? ""]
            })
            if r.sessions.isEmpty { out += "<p>No sessions were booked on \(escape("\(r.date)")).</p>\n" }
            if let billing = billingSummary(r) { out += "<p>\(escape(billing))</p>\n" }
            out += "<h2>\(escape(nextDayTitle(r)))</h2>\n" + (r.tomorrowSessions.isEmpty ? "<p>No session booked.</p>\n"
                : HTML.table(["Time", "Chair", "Patient", "Course", "#"], r.tomorrowSessions.map { s in
                    ["\(s.time)", s.chair ?? "", s.patient, "\(s.course)", "\(s.number)/\(s.total)"]
                }))
            for (title, notes) in noteSections(r) {
                out += "<h2>\(title)</h2>\n" + (notes.isEmpty ? "<p>None.</p>\n" : "<ul>\n" + notes.map {
                    "<li>" + escape(noteLine($0)) + "</li>\n"
                }.joined() + "</ul>\n")
            }
            out += "<h2>Authorizations</h2>\n" + (r.authorizations.isEmpty ? "<p>No unfinished course.</p>\n" : "<ul>\n" + r.authorizations.map { a in
                "<li>" + escape(authorizationLine(a)) + a.warnings.map { "<br><strong>WARNING: \(escape($0))</strong>" }.joined() + "</li>\n"
            }.joined() + "</ul>\n")
            if let head = r.auditHead {
                out += "<h2>\(escape(anchorTitle))</h2>\n<p><code>\(head.sequence):\(escape(head.hash))</code></p>\n"
            }
            return out + HTML.end
        }

        static let columns = ["date", "time", "chair", "patient", "course", "session", "number", "protocol", "status",
                              "pulses_delivered", "pulses_prescribed", "reason", "cpt"]

        /// One CSV cell: quoted as RFC 4180 says when it holds a comma, a quote,
        /// a line feed or a bare carriage return; and a cell a spreadsheet
        /// would take for a formula (starting with =, +, -, @, tab or carriage
        /// return) starts with an apostrophe, as OWASP's CSV-injection advice has it.
        static func csvField(_ text: String) -> String {
            var s = text
            if let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { s = "'" + s }
            guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
            return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }

        static func csv(_ r: Report) -> String {
            let field = csvField
            var out = columns.joined(separator: ",") + "\r\n"
            for s in r.sessions {
                let values = ["\(r.date)", "\(s.time)", s.chair ?? "", s.patient, "\(s.course)", "\(s.session)", "\(s.number)/\(s.total)",
                              s.protocol, s.status.rawValue, s.pulsesDelivered.map(String.init) ?? "", "\(s.pulsesPrescribed)",
                              s.reason ?? "", s.cpt ?? ""]
                out += values.map(field).joined(separator: ",") + "\r\n"
            }
            return out
        }

        /// The report's lists of notes, with their titles.
        static func noteSections(_ r: Report) -> [(String, [Clinic.ReportNote])] {
            [("MT re-check due", r.recheckDue), ("Rules overridden and warnings", r.findings), ("Adverse events", r.adverseEvents),
             ("Open alerts", r.openAlerts),
             ("Courses on hold", r.onHold), ("Medication changes", r.medicationChanges), ("Courses ending this week", r.endingThisWeek),
             ("No-shows to follow up", r.noShows)]
        }

        /// "course 3, A.R. (#1): detail" (a medication change names no course).
        static func noteLine(_ n: Clinic.ReportNote) -> String {
            (n.course.map { "course \($0), " } ?? "") + "\(n.patient): \(n.detail)"
        }

        /// "Billing: 90867 x 1, 90868 x 12": the day's codes and how many of each; nil when none was billed.
        static func billingSummary(_ r: Report) -> String? {
            let billed = r.sessions.compactMap(\.cpt)
            guard !billed.isEmpty else { return nil }
            return "Billing: " + Dictionary(grouping: billed, by: { $0 }).sorted { $0.key < $1.key }
                .map { "\($0.key) x \($0.value.count)" }.joined(separator: ", ")
        }

        /// "Tomorrow (D)", or "Next clinic day (D)" when the clinic is closed tomorrow.
        static func nextDayTitle(_ r: Report) -> String {
            "\(r.date.adding(days: 1) == r.tomorrow ? "Tomorrow" : "Next clinic day") (\(r.tomorrow))"
        }

        /// One course's authorization use: payer, sessions used, booked and authorized, the last day covered.
        static func authorizationLine(_ a: Clinic.ReportAuthorization) -> String {
            let head = "course \(a.course), \(a.patient): "
            guard a.authorized != 0 else { return head + "\(a.used) used, \(a.booked) booked" }
            return head + "\(a.payer), \(a.used) of \(a.authorized) used, \(a.booked) booked" + (a.expires.map { ", to \($0)" } ?? "")
        }

        static func text(_ r: Report) -> String {
            var out = "\(r.clinic): the day of \(r.date)\n"
            out += "Sessions: \(r.done) done, \(r.missed) missed, \(r.aborted) aborted, \(r.open) still open\n"
            out += "Pulses: \(r.pulsesDelivered) delivered of \(r.pulsesPrescribed) prescribed\n"
            let chairs = Array(Set(r.sessions.map { $0.chair ?? "-" })).sorted()
            // Every line fits 80 columns: long names are cut in the tables, reasons and notes are wrapped.
            for chair in chairs {
                let mine = r.sessions.filter { ($0.chair ?? "-") == chair }
                out += "\nChair \(Format.fit(chair, 72))\n"
                out += Format.table(
                    ["TIME", "PATIENT", "COURSE", "#", "STATUS", "PULSES", "CPT"],
                    mine.map { s in
                        ["\(s.time)", Format.fit(s.patient, 26), "\(s.course)", "\(s.number)/\(s.total)", s.status.rawValue, pulses(s),
                         s.cpt ?? ""]
                    })
                for s in mine {
                    if let reason = s.reason { out += Format.wrap(reason, first: "  \(s.time) \(s.status.rawValue): ") }
                }
            }
            if r.sessions.isEmpty { out += "\nNo sessions were booked on \(r.date).\n" }
            if let billing = billingSummary(r) { out += "\n\(billing)\n" }
            let tomorrow = r.tomorrowSessions
            out += "\n\(nextDayTitle(r)): \(tomorrow.count) session\(tomorrow.count == 1 ? "" : "s") booked\n"
            if !tomorrow.isEmpty {
                out += Format.table(["TIME", "CHAIR", "PATIENT", "COURSE", "#"], tomorrow.map {
                    ["\($0.time)", Format.fit($0.chair ?? "", 16), Format.fit($0.patient, 30), "\($0.course)", "\($0.number)/\($0.total)"]
                })
            }
            for (title, notes) in noteSections(r) {
                out += "\n\(title):\(notes.isEmpty ? " none" : "")\n"
                for n in notes { out += Format.wrap(noteLine(n), first: "  ") }
            }
            out += "\nAuthorizations:\(r.authorizations.isEmpty ? " no unfinished course" : "")\n"
            for a in r.authorizations {
                out += Format.wrap(authorizationLine(a), first: "  ")
                for warning in a.warnings { out += Format.wrap(warning, first: "    WARNING: ") }
            }
            if let head = r.auditHead {
                out += "\n\(anchorTitle):\n  \(head.sequence):\(head.hash)\n"
            }
            return out
        }

        /// The change log's head, kept in the mail: `tmsctl audit verify --anchor` checks history up to it.
        static let anchorTitle = "Audit chain head (keep this mail: tmsctl audit verify --anchor checks it)"
    }
}
