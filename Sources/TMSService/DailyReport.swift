import Foundation
import TMSCore
import TMSInterface
import TMSStore

/// The clinic's day, as the nightly report gives it.
struct DailyReport {
    let store: ClinicStore
    let config: Configuration

    /// How the report names a patient: [reports] identifiers, with the internal id.
    func label(_ patient: PatientRecord) -> String { Self.label(patient, identifiers: config.reportIdentifiers) }

    /// A patient as `identifiers` (initials, mrn or full) says, always with the internal id.
    static func label(_ patient: PatientRecord, identifiers: String) -> String {
        switch identifiers {
        case "full": return "\(patient.familyName), \(patient.givenName) (#\(patient.id))"
        case "mrn": return "MRN \(patient.mrn) (#\(patient.id))"
        default:
            let initials = [patient.givenName, patient.familyName].compactMap { $0.first.map { "\($0)." } }.joined()
            return "\(initials) (#\(patient.id))"
        }
    }

    func build(on date: CivilDate) throws -> Clinic.GetDailyReport.Output {
        let clinical = config.clinical
        // The next clinic day: on a Friday, Monday's bookings (or Tuesday's after a Monday holiday).
        let tomorrowDate = config.calendar.clinicDay(onOrAfter: date.adding(days: 1)) ?? date.adding(days: 1)
        let facts = try store.dayFacts(on: date, tomorrow: tomorrowDate, clinical.selection)
        func patient(_ id: Int) throws -> PatientRecord {
            if let known = facts.patients[id] { return known }
            return try store.patient(id: id)  // only if a row came after the report's read began
        }
        func course(_ id: Int) throws -> CourseRecord {
            if let known = facts.courses[id] { return known }
            return try store.course(id: id)
        }
        func note(_ courseId: Int, _ detail: String) throws -> Clinic.ReportNote {
            Clinic.ReportNote(course: courseId, patient: label(try patient(try course(courseId).patientId)), detail: detail)
        }
        func row(_ s: SessionRecord, cpt: String?) throws -> Clinic.ReportSession {
            let c = try course(s.courseId)
            return Clinic.ReportSession(
                session: s.id, course: s.courseId, patient: label(try patient(s.patientId)), protocol: c.protocolId,
                number: s.number, total: s.total, time: s.time, chair: s.chair, status: s.status, reason: s.reason,
                pulsesDelivered: s.pulsesDelivered, pulsesPrescribed: c.dose.pulsesPerSession, cpt: cpt)
        }
        // CPT codes by the clinical data's [billing], by the order of delivery and the date of service:
        // the course's first delivered session, a re-determination, a delivery.
        let given = facts.sessions.filter { $0.status == .completed && $0.serviceDate == date }
        let firstOfDay = Dictionary(grouping: given, by: \.courseId)
            .mapValues { $0.min { ($0.startedAt ?? $0.scheduledAt, $0.id) < ($1.startedAt ?? $1.scheduledAt, $1.id) }!.id }
        func cpt(_ s: SessionRecord) -> String? {
            guard s.status == .completed, let served = s.serviceDate, served == date else { return nil }
            return clinical.billing.code(
                session: s.id, on: served, first: facts.firstDelivered[s.courseId], measured: facts.measured[s.courseId] ?? [],
                firstOfDay: firstOfDay[s.courseId] == s.id)
        }

        let today = facts.sessions
        // The gate's re-check rule, as each of the next day's courses will meet it at its first session there.
        let firstTomorrow = Dictionary(grouping: facts.tomorrow, by: \.courseId).mapValues { $0.map(\.scheduledAt).min()! }
        let recheck = try firstTomorrow.keys.sorted().compactMap { id -> Clinic.ReportNote? in
            guard let f = facts.tomorrowFacts[id], let reason = clinical.recheck.due(
                at: firstTomorrow[id]!, on: tomorrowDate, lastMeasured: f.lastMeasured, lastDelivered: f.lastDelivered,
                seizures: f.seizures, changes: f.changes, calendar: config.calendar) else { return nil }
            return try note(id, reason)
        }
        let events = try facts.events.map { e in
            try note(e.courseId, "\(e.kind), \(e.severity.rawValue): \(e.details)" + (e.held ? " (course put on hold)" : ""))
        }
        let alerts = try facts.openAlerts.map { try note($0.courseId, "alert \($0.id): \($0.detail)") }
        let held = try facts.unfinished.filter { $0.status == .onHold }.map { try note($0.id, $0.statusReason ?? "on hold") }
        let changes = try facts.medicationChanges.map { m -> Clinic.ReportNote in
            let detail = m.stopDate == date ? "\(m.drug) stopped"
                : "\(m.drug) \(m.replaces != nil ? "dose changed to" : "started at") \(m.dose.clinical) \(m.unit)"
            return Clinic.ReportNote(course: nil, patient: label(try patient(m.patientId)), detail: detail)
        }
        // Courses ending this week (completed since Monday, or last booked by Sunday), with their outcomes.
        var ending: [Clinic.ReportNote] = []
        for (id, last) in facts.ending {
            let points = facts.outcomes[id] ?? []
            let done = try course(id).status == .completed
            var outcome: [String] = []
            for (scaleId, points) in Dictionary(grouping: points, by: \.scale).sorted(by: { $0.key < $1.key }) {
                guard let scale = clinical.scales[scaleId], let baseline = points.first(where: { $0.timepoint == .baseline })?.total,
                      let latest = points.last(where: { $0.timepoint != .baseline })?.total else { continue }
                let verdict = scale.isRemission(latest) ? "remission" : scale.isResponse(baseline: baseline, latest: latest) ? "response" : "no response"
                outcome.append("\(scale.name) \(baseline) -> \(latest): \(verdict)")
            }
            ending.append(try note(id, (done ? "ended \(last); " : "last session \(last); ")
                + (outcome.isEmpty ? "no outcome scores yet" : outcome.joined(separator: "; "))))
        }
        // Every unfinished course against its authorizations.
        var authorizations: [Clinic.ReportAuthorization] = []
        for c in facts.unfinished {
            let granted = facts.authorizations[c.id] ?? []
            let use = AuthorizationUse.assess(granted, bookings: facts.bookings[c.id] ?? [], warnPercent: config.authorizationWarningPercent)
            var warnings = use.warnings
            if granted.isEmpty {
                warnings.append("no authorization on file")
            } else if use.nearlyUsed {
                warnings.insert(
                    "\(use.used) of \(use.authorized) sessions used, at or past the \(config.authorizationWarningPercent)% warning", at: 0)
            }
            authorizations.append(Clinic.ReportAuthorization(
                course: c.id, patient: label(try patient(c.patientId)), payer: Set(granted.map(\.payer)).sorted().joined(separator: ", "),
                reference: granted.map(\.reference).joined(separator: ", "), used: use.used, authorized: use.authorized,
                booked: use.booked, expires: use.expires, warnings: warnings))
        }
        let noShows = try facts.noShows.map { n -> Clinic.ReportNote in
            let again = n.courseNoShows >= config.noShowFlag ? "; no-show \(n.courseNoShows) of the course: follow up" : ""
            let rebooked = n.replacementDate.map { "re-booked \($0)" } ?? "not re-booked"
            return try note(n.course, "session \(n.session) at \(n.time)\(n.chair.map { " on \($0)" } ?? ""), \(rebooked)\(again)")
        }
        return .init(
            clinic: config.clinicName, date: date, tomorrow: tomorrowDate, sessions: try today.map { try row($0, cpt: cpt($0)) },
            done: today.count { $0.status == .completed }, missed: today.count { $0.status == .missed },
            aborted: today.count { $0.status == .aborted }, open: today.count { $0.status.isOpen },
            pulsesDelivered: today.compactMap(\.pulsesDelivered).reduce(0, +),
            // Against what was prescribed for the sessions given, in full or in part.
            pulsesPrescribed: try today.filter { $0.status == .completed || $0.status == .aborted }
                .map { try course($0.courseId).dose.pulsesPerSession }.reduce(0, +),
            tomorrowSessions: try facts.tomorrow.map { try row($0, cpt: nil) }, recheckDue: recheck, adverseEvents: events,
            openAlerts: alerts, onHold: held, medicationChanges: changes, endingThisWeek: ending, authorizations: authorizations,
            findings: try facts.findings.map { f in
                try note(f.courseId, "session \(f.sessionId.map(String.init) ?? "-"): \(f.rule) \(f.severity == .override ? "overridden" : "noted"): "
                    + f.message + (f.reason.map { " (\(f.recordedBy): \($0))" } ?? ""))
            },
            noShows: noShows)
    }
}
