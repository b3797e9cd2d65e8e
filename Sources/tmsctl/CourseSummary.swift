import ArgumentParser
import TMSCore
import TMSInterface

extension ReportCommand {
    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "course",
            abstract: "A course's summary for the referring physician and the payer.",
            discussion: """
                Protocol, target and dose; progress; the motor threshold history; every session with what it delivered \
                (MT, intensity, frequency, trains, pulses, coil) and its CPT code; every rule a clinician overrode (with \
                the reason) and every warning; the medications taken during the course; \
                outcome scores with their trajectory, response and remission; adverse events; authorizations. The patient \
                is named as [reports] course-identifiers says (initials by default; full adds the birth date and MRN).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: "text (80 columns), html (a printable page) or json.") var format: String = "text"

        func validate() throws {
            guard ["text", "html", "json"].contains(format) else { throw ValidationError("--format must be text, html or json.") }
        }

        typealias Summary = Clinic.GetCourseSummary.Output

        func run() throws {
            var options = global
            options.json = options.json || format == "json"
            guard let reply = try Daemon(options).ask(Clinic.GetCourseSummary.self, .init(id: id)) else { return }
            switch format {
            case "html": print(Self.html(reply), terminator: "")
            default: print(Self.text(reply), terminator: "")
            }
        }

        /// One part of the summary: a title, lines of prose, and a table; text and HTML render the same parts.
        struct Part {
            var title: String
            var lines: [String] = []
            var header: [String] = []
            var rows: [[String]] = []
            var empty = "None."
            /// A fixed-width figure (the outcome charts): in text instead of the table, in HTML beside it.
            var chart = ""
        }

        static func parts(_ r: Summary) -> (title: String, parts: [Part]) {
            let c = r.course, p = r.progress, target = c.target
            let title = "\(r.clinic): course \(c.id), \(r.patient)"
            var identity: [String] = []
            if let born = r.birthDate { identity.append("born \(born)") }
            if let mrn = r.mrn { identity.append("MRN \(mrn)") }
            let n = Format.number
            var course = Part(title: "Course", lines: [
                "Protocol: \(c.protocolName) (\(c.protocolId)), prescribed by \(c.prescriber), from \(c.startDate)",
                "Target: \(target.label) (\(target.method.rawValue))",
                "Dose: " + Format.dose(c.dose) + " a session",
                "Status: \(c.status.rawValue)" + (c.statusReason.map { " (\($0))" } ?? "")
                    + "; \(p.done) of \(p.total) done, \(p.missed) missed, \(p.aborted) aborted, \(p.remaining) remaining",
            ])
            if !identity.isEmpty { course.lines.insert("Patient: " + identity.joined(separator: ", "), at: 0) }

            let thresholds = Part(
                title: "Motor threshold", header: ["DATE", "METHOD", "MUSCLE", "MT %", "BY"],
                rows: r.thresholds.map { ["\($0.date)", $0.method.rawValue, $0.muscle, n($0.value), $0.operator] },
                empty: "No threshold recorded.")

            var delivered = Part(
                title: "Sessions", header: ["#", "DATE", "STATUS", "MT", "%MT", "HZ", "TRAINS", "PULSES", "COIL", "CPT"])
            let cpt = Dictionary(r.billing.map { ($0.session, $0.cpt) }, uniquingKeysWith: { first, _ in first })
            for s in r.sessions where s.status != .scheduled {
                let number = s.status == .completed || s.status == .inProgress ? "\(s.number)" : "-"
                if let d = s.delivery {
                    delivered.rows.append([
                        number, "\(s.date)", s.status.rawValue, n(d.motorThreshold), n(d.intensityPercentMT), n(d.frequencyHz),
                        "\(d.trains)x\(d.pulsesPerTrain)", "\(d.pulsesDelivered)", d.coil, cpt[s.id] ?? "",
                    ])
                    if d.target != target.label { delivered.lines.append("\(s.date): delivered to \(d.target)") }
                } else {
                    delivered.rows.append([number, "\(s.date)", s.status.rawValue, "", "", "", "", s.pulsesDelivered.map(String.init) ?? "", "", ""])
                }
                if let reason = s.reason { delivered.lines.append("\(s.date) \(s.status.rawValue): \(reason)") }
            }
            let billed = Dictionary(grouping: cpt.values, by: { $0 }).sorted { $0.key < $1.key }
            if !billed.isEmpty { delivered.lines.append("Billing: " + billed.map { "\($0.key) x \($0.value.count)" }.joined(separator: ", ")) }
            let booked = r.sessions.filter { $0.status == .scheduled }
            if let next = booked.first, let last = booked.last {
                delivered.lines.append("\(booked.count) still booked, from \(next.date) to \(last.date).")
            }
            delivered.empty = "No session given yet."

            // What the treatment gate let through: each override with its clinician and reason, each warning.
            let findings = Part(
                title: "Rules overridden and warnings", lines: r.findings.map { "\($0.at.map { String($0.prefix(10)) + " " } ?? "")"
                    + Format.finding($0) })

            let medications = Part(
                title: "Medications during the course", header: ["DRUG", "DOSE", "START", "STOP", "CLASS"],
                rows: r.medications.map {
                    [$0.drug, "\(n($0.dose)) \($0.unit)", "\($0.startDate)", $0.stopDate.map { "\($0)" } ?? "", $0.drugClass ?? "unclassified"]
                })

            var outcomes = Part(title: "Outcomes", header: ["SCALE", "DATE", "TIMEPOINT", "TOTAL"], empty: "No scores recorded.")
            for t in r.trajectories {
                outcomes.rows += t.points.map { [t.scale.name, "\($0.date)", $0.timepoint.rawValue, "\($0.total)"] }
                outcomes.chart += Chart.render(t)
            }

            let events = Part(
                title: "Adverse events",
                lines: r.events.map { "\($0.date) \($0.kind): \($0.details)" },
                header: ["DATE", "KIND", "SEVERITY", "COURSE HELD"],
                rows: r.events.map { ["\($0.date)", $0.kind, $0.severity.rawValue, $0.held ? "yes" : "no"] })

            var authorizations = Part(
                title: "Authorizations", header: ["PAYER", "REFERENCE", "SESSIONS", "FROM", "TO"],
                rows: r.authorizations.map { [$0.payer, $0.reference, "\($0.sessions)", "\($0.from)", "\($0.to)"] },
                empty: "None on file.")
            if !authorizations.rows.isEmpty {
                authorizations.lines.append("Used \(r.use.used) of \(r.use.authorized) authorized; \(r.use.booked) booked.")
            }
            return (title, [course, thresholds, delivered, findings, medications, outcomes, events, authorizations])
        }

        static func text(_ r: Summary) -> String {
            let (title, parts) = parts(r)
            var out = title + "\n"
            for part in parts {
                out += "\n\(part.title)\n"
                if part.rows.isEmpty, part.lines.isEmpty { out += "  \(part.empty)\n" }
                // Cells are cut to keep the lines within 80 columns; the HTML and JSON have them whole.
                out += part.chart.isEmpty ? Format.table(part.header, part.rows.map { $0.map { Format.fit($0, 22) } }) : part.chart
                for line in part.lines { out += Format.wrap(line, first: "  ") }
            }
            return out
        }

        static func html(_ r: Summary) -> String {
            let (title, parts) = parts(r)
            let escape = HTML.escape
            var out = HTML.start(title: title, heading: title)
            for part in parts {
                out += "<h2>\(escape(part.title))</h2>\n"
                if part.rows.isEmpty, part.lines.isEmpty { out += "<p>\(escape(part.empty))</p>\n" }
                if !part.rows.isEmpty { out += HTML.table(part.header, part.rows) }
                for line in part.lines { out += "<p>\(escape(line))</p>\n" }
                if !part.chart.isEmpty { out += "<pre>\(escape(part.chart))</pre>\n" }
            }
            return out + HTML.end
        }
    }
}
