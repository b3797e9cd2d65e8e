import Foundation
import TMSCore
import TMSStore
import Varlink

/// The clinic's day, as the nightly report gives it.
struct DailyReport {
    let store: ClinicStore
    let config: Configuration
    let calendar: ClinicCalendar

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

    func build(on date: CivilDate) throws -> [String: JSON] {
        var patients: [Int: PatientRecord] = [:]
        var courses: [Int: CourseRecord] = [:]
        func patient(_ id: Int) throws -> PatientRecord {
            if let known = patients[id] { return known }
            let found = try store.patient(id: id)
            patients[id] = found
            return found
        }
        func course(_ id: Int) throws -> CourseRecord {
            if let known = courses[id] { return known }
            let found = try store.course(id: id)
            courses[id] = found
            return found
        }
        func note(_ courseId: Int, _ detail: String) throws -> JSON {
            ["course": .int(courseId), "patient": .string(label(try patient(try course(courseId).patientId))), "detail": .string(detail)]
        }
        func row(_ s: SessionRecord, cpt: String?) throws -> JSON {
            let c = try course(s.courseId)
            return Encode.object([
                ("session", .int(s.id)), ("course", .int(s.courseId)), ("patient", .string(label(try patient(s.patientId)))),
                ("protocol", .string(c.protocolId)), ("number", .int(s.number)), ("total", .int(s.total)),
                ("time", .string(s.time.description)), ("chair", Encode.optional(s.chair, JSON.string)),
                ("status", .string(s.status.rawValue)), ("reason", Encode.optional(s.reason, JSON.string)),
                ("pulsesDelivered", Encode.optional(s.pulsesDelivered, JSON.int)),
                ("pulsesPrescribed", .int(c.dose.pulsesPerSession)), ("cpt", Encode.optional(cpt, JSON.string)),
            ])
        }
        // CPT: the course's first delivered session 90867; with an MT re-determination that day 90869; else 90868.
        // Each course's first delivered session and measurement days are read once, however many sessions it has today.
        var billing: [Int: (firstDone: Int?, measured: Set<CivilDate>)] = [:]
        func cpt(_ s: SessionRecord) throws -> String? {
            guard s.status == .completed else { return nil }
            if billing[s.courseId] == nil {
                billing[s.courseId] = (
                    try store.courseDetail(id: s.courseId).2.first { $0.status == .completed }?.id,
                    Set(try store.thresholds(courseId: s.courseId).map(\.date)))
            }
            let known = billing[s.courseId]!
            if known.firstDone == s.id { return "90867" }
            return known.measured.contains(s.date) ? "90869" : "90868"
        }

        let today = try store.sessions(on: date).map(\.session)
        let tomorrowDate = date.adding(days: 1)
        let tomorrow = try store.sessions(on: tomorrowDate).map(\.session).filter { $0.status == .scheduled }
        let done = today.filter { $0.status == .completed }
        let holdKinds = Set(config.clinical.eventKinds.values.filter(\.hold).map(\.id))
        let recheckDrugs = Set(config.clinical.drugs.values.filter { $0.triggersRecheck(config.clinical.recheckOnChange) }.map(\.name))
        var recheck: [JSON] = []
        for courseId in Set(tomorrow.map(\.courseId)).sorted() {
            if let reason = try store.recheckDue(
                courseId: courseId, on: tomorrowDate, config.clinical.recheck, holdKinds: holdKinds, recheckDrugs: recheckDrugs) {
                recheck.append(try note(courseId, reason))
            }
        }
        let events = try store.adverseEvents(on: date).map { e in
            try note(e.courseId, "\(e.kind), \(e.severity.rawValue): \(e.details)" + (e.held ? " (course put on hold)" : ""))
        }
        let alerts = try store.alerts().map { try note($0.courseId, "alert \($0.id): \($0.detail)") }
        let held = try store.courses(status: .onHold).map { try note($0.id, $0.statusReason ?? "on hold") }
        var changes: [JSON] = []
        for m in try store.medicationChanges(on: date) {
            let detail = m.stopDate == date ? "\(m.drug) stopped"
                : "\(m.drug) \(m.replaces != nil ? "dose changed to" : "started at") \(m.dose.clinical) \(m.unit)"
            changes.append(["patient": .string(label(try patient(m.patientId))), "detail": .string(detail)])
        }
        // Courses whose last booked session falls between today and Sunday, with their outcomes.
        let sunday = date.startOfWeek.adding(days: 6)
        var ending: [JSON] = []
        for c in try store.courses(status: .active) {
            let (_, _, sessions) = try store.courseDetail(id: c.id)
            guard let last = sessions.last(where: { $0.status.isOpen || $0.status == .completed })?.date,
                  last >= date, last <= sunday else { continue }
            var outcome: [String] = []
            for (scaleId, points) in Dictionary(grouping: try store.outcomes(courseId: c.id), by: \.scale).sorted(by: { $0.key < $1.key }) {
                guard let scale = config.clinical.scales[scaleId], let baseline = points.first(where: { $0.timepoint == .baseline })?.total,
                      let latest = points.last(where: { $0.timepoint != .baseline })?.total else { continue }
                let verdict = scale.isRemission(latest) ? "remission" : scale.isResponse(baseline: baseline, latest: latest) ? "response" : "no response"
                outcome.append("\(scale.name) \(baseline) -> \(latest): \(verdict)")
            }
            ending.append(try note(c.id, "last session \(last); " + (outcome.isEmpty ? "no outcome scores yet" : outcome.joined(separator: "; "))))
        }
        // Every unfinished course against its authorizations.
        let unfinished = try [CourseStatus.active, .paused, .onHold].flatMap { try store.courses(status: $0) }.sorted { $0.id < $1.id }
        let standing = try store.authorizationStanding(courseIds: unfinished.map(\.id))
        var authorizations: [JSON] = []
        for c in unfinished {
            let (granted, bookings) = standing[c.id] ?? ([], [])
            let use = AuthorizationUse.assess(granted, bookings: bookings, warnPercent: config.authorizationWarningPercent)
            var warnings = use.warnings
            if granted.isEmpty {
                warnings.append("no authorization on file")
            } else if use.nearlyUsed {
                warnings.insert(
                    "\(use.used) of \(use.authorized) sessions used, at or past the \(config.authorizationWarningPercent)% warning", at: 0)
            }
            authorizations.append(Encode.object([
                ("course", .int(c.id)), ("patient", .string(label(try patient(c.patientId)))),
                ("payer", .string(Set(granted.map(\.payer)).sorted().joined(separator: ", "))),
                ("reference", .string(granted.map(\.reference).joined(separator: ", "))),
                ("used", .int(use.used)), ("authorized", .int(use.authorized)), ("booked", .int(use.booked)),
                ("expires", Encode.optional(use.expires) { .string($0.description) }),
                ("warnings", .array(warnings.map(JSON.string))),
            ]))
        }
        return [
            "authorizations": .array(authorizations),
            "endingThisWeek": .array(ending),
            "clinic": .string(config.clinicName), "date": .string(date.description), "tomorrow": .string(tomorrowDate.description),
            "sessions": .array(try today.map { try row($0, cpt: try cpt($0)) }),
            "done": .int(done.count), "missed": .int(today.count { $0.status == .missed }),
            "aborted": .int(today.count { $0.status == .aborted }), "open": .int(today.count { $0.status.isOpen }),
            "pulsesDelivered": .int(today.compactMap(\.pulsesDelivered).reduce(0, +)),
            // Against what was prescribed for the sessions given, in full or in part.
            "pulsesPrescribed": .int(try today.filter { $0.status == .completed || $0.status == .aborted }
                .map { try course($0.courseId).dose.pulsesPerSession }.reduce(0, +)),
            "tomorrowSessions": .array(try tomorrow.map { try row($0, cpt: nil) }),
            "recheckDue": .array(recheck), "adverseEvents": .array(events), "openAlerts": .array(alerts),
            "onHold": .array(held), "medicationChanges": .array(changes),
        ]
    }
}
