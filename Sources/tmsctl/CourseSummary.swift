import ArgumentParser
import Varlink

extension ReportCommand {
    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "course",
            abstract: "A course's summary for the referring physician and the payer.",
            discussion: """
                Protocol, target and dose; progress; the motor threshold history; every session with what it delivered \
                (MT, intensity, frequency, trains, pulses, coil) and its CPT code; the medications taken during the course; \
                outcome scores with their trajectory, response and remission; adverse events; authorizations. The patient \
                is named as [reports] course-identifiers says (initials by default; full adds the birth date and MRN).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var id: Int
        @Option(help: "text (80 columns), html (a printable page) or json.") var format: String = "text"

        func validate() throws {
            guard ["text", "html", "json"].contains(format) else { throw ValidationError("--format must be text, html or json.") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("GetCourseSummary", ["id": .int(id)])
            switch global.json ? "json" : format {
            case "json": print(JSON.object(reply.values).text)
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

        static func parts(_ r: Reply) -> (title: String, parts: [Part]) {
            let c = r["course"] ?? .null
            let p = r["progress"] ?? .null
            let target = c["target"] ?? .null
            let title = "\(r.at("clinic")): course \(c.at("id")), \(r.at("patient"))"
            var identity: [String] = []
            if let born = r["birthDate"], born != .null { identity.append("born \(born.string)") }
            if let mrn = r["mrn"], mrn != .null { identity.append("MRN \(mrn.string)") }
            var course = Part(title: "Course", lines: [
                "Protocol: \(c.at("protocolName")) (\(c.at("protocolId"))), prescribed by \(c.at("prescriber")), from \(c.at("startDate"))",
                "Target: \(target.at("label")) (\(target.at("method")))",
                "Dose: \(c.at("frequencyHz")) Hz at \(c.at("intensityPercentMT"))% of MT; \(c.at("trains")) trains of \(c.at("pulsesPerTrain")) pulses "
                    + "(\(c.at("trainDurationSeconds")) s on, \(c.at("interTrainIntervalSeconds")) s off); \(c.at("pulsesPerSession")) pulses a session",
                "Status: \(c.at("status"))" + (c["statusReason"].flatMap { $0 == .null ? nil : " (\($0.string))" } ?? "")
                    + "; \(p.at("done")) of \(p.at("total")) done, \(p.at("missed")) missed, \(p.at("aborted")) aborted, \(p.at("remaining")) remaining",
            ])
            if !identity.isEmpty { course.lines.insert("Patient: " + identity.joined(separator: ", "), at: 0) }

            let thresholds = Part(
                title: "Motor threshold", header: ["DATE", "METHOD", "MUSCLE", "MT %", "BY"],
                rows: (r["thresholds"]?.array ?? []).map { [$0.at("date"), $0.at("method"), $0.at("muscle"), $0.at("value"), $0.at("operator")] },
                empty: "No threshold recorded.")

            let sessions = r["sessions"]?.array ?? []
            var delivered = Part(
                title: "Sessions", header: ["#", "DATE", "STATUS", "MT", "%MT", "HZ", "TRAINS", "PULSES", "COIL", "CPT"])
            var cpt: [String: String] = [:]
            for b in r["billing"]?.array ?? [] { cpt[b.at("session")] = b.at("cpt") }
            for s in sessions where s.at("status") != "scheduled" {
                let d = s["delivery"] ?? .null
                let number = s.at("status") == "completed" || s.at("status") == "in_progress" ? s.at("number") : "-"
                delivered.rows.append(
                    d == .null ? [number, s.at("date"), s.at("status"), "", "", "", "", s.at("pulsesDelivered"), "", ""]
                        : [number, s.at("date"), s.at("status"), d.at("motorThreshold"), d.at("intensityPercentMT"), d.at("frequencyHz"),
                           "\(d.at("trains"))x\(d.at("pulsesPerTrain"))", d.at("pulsesDelivered"), d.at("coil"), cpt[s.at("id")] ?? ""])
                if let reason = s["reason"], reason != .null { delivered.lines.append("\(s.at("date")) \(s.at("status")): \(reason.string)") }
                if d != .null, d.at("target") != target.at("label") {
                    delivered.lines.append("\(s.at("date")): delivered to \(d.at("target"))")
                }
            }
            let billed = Dictionary(grouping: cpt.values, by: { $0 }).sorted { $0.key < $1.key }
            if !billed.isEmpty { delivered.lines.append("Billing: " + billed.map { "\($0.key) x \($0.value.count)" }.joined(separator: ", ")) }
            let booked = sessions.filter { $0.at("status") == "scheduled" }
            if let next = booked.first { delivered.lines.append("\(booked.count) still booked, from \(next.at("date")) to \(booked.last!.at("date")).") }
            delivered.empty = "No session given yet."

            let medications = Part(
                title: "Medications during the course", header: ["DRUG", "DOSE", "START", "STOP", "CLASS"],
                rows: (r["medications"]?.array ?? []).map {
                    [$0.at("drug"), "\($0.at("dose")) \($0.at("unit"))", $0.at("startDate"), $0.at("stopDate"),
                     $0["drugClass"].flatMap { $0 == .null ? nil : $0.string } ?? "unclassified"]
                })

            var outcomes = Part(title: "Outcomes", header: ["SCALE", "DATE", "TIMEPOINT", "TOTAL"], empty: "No scores recorded.")
            for t in r["trajectories"]?.array ?? [] {
                let name = t["scale"]?.at("name") ?? ""
                outcomes.rows += (t["points"]?.array ?? []).map { [name, $0.at("date"), $0.at("timepoint"), $0.at("total")] }
                outcomes.chart += Chart.render(t)
            }

            let eventList = r["events"]?.array ?? []
            let events = Part(
                title: "Adverse events",
                lines: eventList.map { "\($0.at("date")) \($0.at("kind")): \($0.at("details"))" },
                header: ["DATE", "KIND", "SEVERITY", "COURSE HELD"],
                rows: eventList.map { [$0.at("date"), $0.at("kind"), $0.at("severity"), $0["held"] == .bool(true) ? "yes" : "no"] })

            let use = r["use"] ?? .null
            var authorizations = Part(
                title: "Authorizations", header: ["PAYER", "REFERENCE", "SESSIONS", "FROM", "TO"],
                rows: (r["authorizations"]?.array ?? []).map { [$0.at("payer"), $0.at("reference"), $0.at("sessions"), $0.at("from"), $0.at("to")] },
                empty: "None on file.")
            if !authorizations.rows.isEmpty {
                authorizations.lines.append("Used \(use.at("used")) of \(use.at("authorized")) authorized; \(use.at("booked")) booked.")
            }
            return (title, [course, thresholds, delivered, medications, outcomes, events, authorizations])
        }

        static func text(_ r: Reply) -> String {
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

        static func html(_ r: Reply) -> String {
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
