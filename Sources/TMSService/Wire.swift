import Foundation
import TMSCore
import TMSInterface
import TMSStore
import Varlink

// The records as the interface's types.

extension Clinic.AuditHead {
    init(_ head: ChainHead) { self.init(sequence: head.sequence, hash: head.hash) }
}

extension Clinic.Patient {
    init(_ p: PatientRecord) {
        self.init(
            id: p.id, mrn: p.mrn, familyName: p.familyName, givenName: p.givenName, birthDate: p.birthDate,
            createdAt: Timestamp.format(p.createdAt), active: p.active)
    }
}

extension Clinic.PatientCorrection {
    init(_ c: PatientCorrectionRecord) {
        self.init(field: c.field, old: c.old, new: c.new, reason: c.reason, at: Timestamp.format(c.at), user: c.user)
    }
}

extension Clinic.Phase {
    init(_ phase: CoursePhase) {
        switch phase {
        case .daily(let name, let days):
            self.init(name: name, rhythm: .daily, days: days)
        case .weekly(let name, let perWeek, let weeks):
            self.init(name: name, rhythm: .weekly, days: perWeek * weeks, perWeek: perWeek, weeks: weeks)
        }
    }
}

extension Clinic.StimulationProtocol {
    init(_ p: TreatmentProtocol) {
        self.init(
            .init(
                id: p.id, name: p.name, indication: p.indication, coil: p.coil, target: p.target, source: p.source,
                burstFrequencyHz: p.burstFrequencyHz, pulsesPerBurst: p.pulsesPerBurst, sessionSeconds: p.sessionSeconds,
                sessionsPerDay: p.sessionsPerDay, minimumIntervalMinutes: p.minimumIntervalMinutes,
                totalSessions: p.totalSessions, phases: p.phases.map(Clinic.Phase.init)),
            dose: PrescribedDose(protocol: p))
    }
}

extension Clinic.Course {
    init(_ c: CourseRecord) {
        self.init(
            .init(
                id: c.id, patientId: c.patientId, protocolId: c.protocolId, protocolName: c.protocolName, status: c.status,
                statusReason: c.statusReason, startDate: c.startDate, sessionTime: c.sessionTime, timeZone: c.timeZone,
                prescriber: c.prescriber, target: c.target, sessionsPerDay: c.sessionsPerDay, totalSessions: c.totalSessions,
                phases: c.phases.map(Clinic.Phase.init), createdAt: Timestamp.format(c.createdAt)),
            dose: c.dose)
    }
}

extension Clinic.Progress {
    init(_ p: CourseProgress) {
        self.init(
            total: p.total, done: p.done, missed: p.missed, aborted: p.aborted, remaining: p.remaining,
            nextSessionId: p.next?.id, nextDate: p.next?.date, nextTime: p.next?.time)
    }
}

extension Clinic.Session {
    init(_ s: SessionRecord) {
        self.init(
            id: s.id, courseId: s.courseId, patientId: s.patientId, number: s.number, total: s.total, phase: s.phase,
            date: s.date, time: s.time, scheduledAt: Timestamp.format(s.scheduledAt), status: s.status,
            startedAt: s.startedAt.map(Timestamp.format), finishedAt: s.finishedAt.map(Timestamp.format),
            delivery: s.delivery.map { Clinic.Delivery($0) }, pulsesDelivered: s.pulsesDelivered, reason: s.reason,
            replaces: s.replaces, replacedBy: s.replacedBy, chair: s.chair, minutes: s.minutes, medications: s.medications)
    }
}

extension Clinic.DaySession {
    init(_ s: DaySessionRecord) {
        self.init(session: Clinic.Session(s.session), patientName: s.patientName, protocolId: s.protocolId)
    }
}

extension Clinic.Move {
    init(_ m: ClinicStore.Move) {
        self.init(
            session: m.session, courseId: m.course, fromDate: m.from.date, fromTime: m.from.time, toDate: m.to.date,
            toTime: m.to.time, chair: m.to.chair)
    }
}

extension Clinic.Medication {
    init(_ m: MedicationRecord, _ table: [String: DrugClass]) {
        let known = table[m.drug]
        self.init(
            id: m.id, patientId: m.patientId, drug: m.drug, dose: m.dose, unit: m.unit, startDate: m.startDate,
            stopDate: m.stopDate, replaces: m.replaces, classified: known != nil, drugClass: known?.drugClass,
            seizureHazard: known?.seizure?.rawValue, raisesMT: known?.raisesMT ?? false, blunts: known?.blunts ?? false,
            strategyId: m.strategy)
    }
}

extension Clinic.Authorization {
    init(_ a: Authorization) {
        self.init(
            id: a.id, courseId: a.courseId, payer: a.payer, reference: a.reference, sessions: a.sessions, from: a.from,
            to: a.to, recordedBy: a.recordedBy,
            extensions: a.extensions.map {
                Clinic.AuthorizationExtension(
                    sessions: $0.sessions, to: $0.to, reason: $0.reason, recordedBy: $0.recordedBy, at: Timestamp.format($0.at))
            })
    }
}

extension Clinic.AuthorizationUse {
    init(_ u: AuthorizationUse) {
        self.init(authorized: u.authorized, used: u.used, booked: u.booked, expires: u.expires, nearlyUsed: u.nearlyUsed)
    }
}

extension Clinic.Screen {
    init(_ s: ScreenRecord) {
        self.init(
            id: s.id, courseId: s.courseId, date: s.date, answers: s.answers, result: s.result, findings: s.findings,
            recordedBy: s.recordedBy, signedOffBy: s.signedOffBy, signOffReason: s.signOffReason)
    }
}

extension Clinic.Threshold {
    init(_ t: ThresholdRecord) {
        self.init(id: t.id, courseId: t.courseId, date: t.date, method: t.method, muscle: t.muscle, value: t.value, operator: t.operator)
    }
}

extension Clinic.AdverseEvent {
    init(_ e: AdverseEventRecord) {
        self.init(
            id: e.id, courseId: e.courseId, sessionId: e.sessionId, kind: e.kind, severity: e.severity, date: e.date,
            details: e.details, held: e.held, recordedBy: e.recordedBy)
    }
}

extension Clinic.Scale {
    init(_ s: OutcomeScale) {
        self.init(
            id: s.id, name: s.name, minimum: s.minimum, maximum: s.maximum, items: s.items, itemMaximum: s.itemMaximum,
            remissionAtMost: s.remissionAtMost, responseDrop: s.responseDrop, alertItem: s.alertItem)
    }
}

extension Clinic.Outcome {
    init(_ o: OutcomeRecord) {
        self.init(
            id: o.id, courseId: o.courseId, scale: o.scale, timepoint: o.timepoint, date: o.date, total: o.total, items: o.items,
            recordedBy: o.recordedBy)
    }
}

extension Clinic.Trajectory {
    /// A course's scores by scale, in time order, with baseline, latest and
    /// the scale's verdicts; scores of a scale no longer in the data are left out.
    static func all(_ outcomes: [OutcomeRecord], _ scales: [String: OutcomeScale]) -> [Clinic.Trajectory] {
        let byScale = Dictionary(grouping: outcomes, by: \.scale)
        return byScale.keys.sorted().compactMap { id -> Clinic.Trajectory? in
            guard let scale = scales[id] else { return nil }
            let points = byScale[id]!.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
            let baseline = points.first { $0.timepoint == .baseline }?.total
            let latest = points.last { $0.timepoint != .baseline }?.total
            let response = baseline.flatMap { b in latest.map { scale.isResponse(baseline: b, latest: $0) } }
            return Clinic.Trajectory(
                scale: Clinic.Scale(scale), points: points.map(Clinic.Outcome.init), baseline: baseline, latest: latest,
                response: response, remission: latest.map(scale.isRemission) ?? false)
        }
    }
}

extension Clinic.Alert {
    init(_ a: AlertRecord) {
        self.init(
            id: a.id, courseId: a.courseId, patientId: a.patientId, kind: a.kind, detail: a.detail,
            createdAt: Timestamp.format(a.createdAt), acknowledgedAt: a.acknowledgedAt.map(Timestamp.format),
            acknowledgedBy: a.acknowledgedBy, note: a.note)
    }
}

extension Clinic.AuditEntry {
    init(_ a: AuditRecord) {
        self.init(
            id: a.id, at: Timestamp.format(a.at), uid: a.uid, user: a.user, pid: a.pid, method: a.method, patientId: a.patientId,
            courseId: a.courseId, sessionId: a.sessionId, summary: a.summary, error: a.error)
    }
}

extension VarlinkError {
    /// A refusal as the interface names it: `io.tmsd.Clinic.Code`, its parameters and its message.
    init(_ e: ClinicError) {
        var parameters: [String: JSON] = ["message": .string(e.message)]
        for (key, value) in e.parameters {
            switch value {
            case .string(let s): parameters[key] = .string(s)
            case .int(let i): parameters[key] = .int(i)
            case .double(let d): parameters[key] = .double(d)
            }
        }
        self.init("\(Clinic.interfaceName).\(e.code.rawValue)", parameters)
    }
}

extension Clinic.Finding {
    /// A finding as kept.
    init(_ f: FindingRecord) {
        self.init(
            rule: f.rule, severity: f.severity, message: f.message, sessionId: f.sessionId, reason: f.reason, recordedBy: f.recordedBy,
            at: Timestamp.format(f.at))
    }

    /// A finding as the gate found it, not (yet) kept.
    init(_ f: Finding) {
        self.init(rule: f.rule.rawValue, severity: f.severity, message: f.message)
    }
}

extension Clinic.ScreenHistory {
    init(_ h: ScreenHistory) {
        self.init(
            screen: h.latest.map(Clinic.Screen.init), history: h.screens.map(Clinic.Screen.init),
            standing: h.standing.map {
                Clinic.ScreenFinding(question: $0.question, contraindication: $0.weight, screen: $0.screen, date: $0.date, signedOff: $0.signedOff)
            })
    }
}
