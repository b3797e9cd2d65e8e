import Foundation
import TMSCore
import TMSStore
import Varlink

/// Records as the IDL's types. Optional fields are left out when empty.
enum Encode {
    static func optional<T>(_ value: T?, _ f: (T) -> JSON) -> JSON { value.map(f) ?? .null }

    static func object(_ pairs: [(String, JSON)]) -> JSON {
        var members = [String: JSON](minimumCapacity: pairs.count)
        for (key, value) in pairs where value != .null { members[key] = value }
        return .object(members)
    }

    static func patient(_ p: PatientRecord) -> JSON {
        object([
            ("id", .int(p.id)), ("mrn", .string(p.mrn)), ("familyName", .string(p.familyName)),
            ("givenName", .string(p.givenName)), ("birthDate", .string(p.birthDate.description)),
            ("createdAt", .string(Timestamp.format(p.createdAt))),
        ])
    }

    static func phase(_ phase: CoursePhase) -> JSON {
        switch phase {
        case .daily(let name, let days):
            object([("name", .string(name)), ("rhythm", "daily"), ("days", .int(days))])
        case .weekly(let name, let perWeek, let weeks):
            object([
                ("name", .string(name)), ("rhythm", "weekly"), ("days", .int(perWeek * weeks)),
                ("perWeek", .int(perWeek)), ("weeks", .int(weeks)),
            ])
        }
    }

    static func treatmentProtocol(_ p: TreatmentProtocol) -> JSON {
        object([
            ("id", .string(p.id)), ("name", .string(p.name)), ("indication", .string(p.indication)),
            ("coil", .string(p.coil)), ("target", .string(p.target)), ("source", .string(p.source)),
            ("frequencyHz", .double(p.frequencyHz)), ("burstFrequencyHz", optional(p.burstFrequencyHz, JSON.double)),
            ("pulsesPerBurst", optional(p.pulsesPerBurst, JSON.int)), ("intensityPercentMT", .double(p.intensityPercentMT)),
            ("pulsesPerTrain", .int(p.pulsesPerTrain)), ("trainDurationSeconds", .double(p.trainDurationSeconds)),
            ("interTrainIntervalSeconds", .double(p.interTrainIntervalSeconds)), ("trains", .int(p.trains)),
            ("pulsesPerSession", .int(p.pulsesPerSession)), ("sessionSeconds", .double(p.sessionSeconds)),
            ("sessionsPerDay", .int(p.sessionsPerDay)), ("minimumIntervalMinutes", .int(p.minimumIntervalMinutes)),
            ("totalSessions", .int(p.totalSessions)), ("phases", .array(p.phases.map(phase))),
        ])
    }

    static func target(_ t: TargetSite) -> JSON {
        object([
            ("method", .string(t.method.rawValue)), ("label", .string(t.label)), ("x", optional(t.x, JSON.double)),
            ("y", optional(t.y, JSON.double)), ("z", optional(t.z, JSON.double)),
            ("coordinateSystem", optional(t.coordinateSystem, JSON.string)),
        ])
    }

    static func course(_ c: CourseRecord) -> JSON {
        object([
            ("id", .int(c.id)), ("patientId", .int(c.patientId)), ("protocolId", .string(c.protocolId)),
            ("protocolName", .string(c.protocolName)), ("status", .string(c.status.rawValue)),
            ("statusReason", optional(c.statusReason, JSON.string)), ("startDate", .string(c.startDate.description)),
            ("sessionTime", .string(c.sessionTime.description)), ("timeZone", .string(c.timeZone)),
            ("prescriber", .string(c.prescriber)), ("target", target(c.target)),
            ("intensityPercentMT", .double(c.dose.intensityPercentMT)), ("frequencyHz", .double(c.dose.frequencyHz)),
            ("pulsesPerTrain", .int(c.dose.pulsesPerTrain)), ("trainDurationSeconds", .double(c.dose.trainDurationSeconds)),
            ("interTrainIntervalSeconds", .double(c.dose.interTrainIntervalSeconds)), ("trains", .int(c.dose.trains)),
            ("pulsesPerSession", .int(c.dose.pulsesPerSession)), ("sessionsPerDay", .int(c.sessionsPerDay)),
            ("totalSessions", .int(c.totalSessions)), ("phases", .array(c.phases.map(phase))),
            ("createdAt", .string(Timestamp.format(c.createdAt))),
        ])
    }

    static func progress(_ p: CourseProgress) -> JSON {
        object([
            ("total", .int(p.total)), ("done", .int(p.done)), ("missed", .int(p.missed)), ("aborted", .int(p.aborted)),
            ("remaining", .int(p.remaining)), ("nextSessionId", optional(p.next?.id, JSON.int)),
            ("nextDate", optional(p.next?.date.description, JSON.string)),
            ("nextTime", optional(p.next?.time.description, JSON.string)),
        ])
    }

    static func delivery(_ d: Delivery) -> JSON {
        object([
            ("motorThreshold", .double(d.motorThreshold)), ("intensityPercentMT", .double(d.intensityPercentMT)),
            ("outputPercent", .double((d.outputPercent * 100).rounded() / 100)), ("frequencyHz", .double(d.frequencyHz)),
            ("pulsesPerTrain", .int(d.pulsesPerTrain)), ("trainDurationSeconds", .double(d.trainDurationSeconds)),
            ("interTrainIntervalSeconds", .double(d.interTrainIntervalSeconds)), ("trains", .int(d.trains)),
            ("pulsesDelivered", .int(d.pulsesDelivered)), ("coil", .string(d.coil)), ("target", .string(d.target)),
            ("notes", .string(d.notes)),
        ])
    }

    static func session(_ s: SessionRecord) -> JSON {
        object([
            ("id", .int(s.id)), ("courseId", .int(s.courseId)), ("patientId", .int(s.patientId)), ("number", .int(s.number)),
            ("total", .int(s.total)), ("phase", .string(s.phase)), ("date", .string(s.date.description)),
            ("time", .string(s.time.description)), ("scheduledAt", .string(Timestamp.format(s.scheduledAt))),
            ("status", .string(s.status.rawValue)), ("startedAt", optional(s.startedAt) { .string(Timestamp.format($0)) }),
            ("finishedAt", optional(s.finishedAt) { .string(Timestamp.format($0)) }),
            ("delivery", optional(s.delivery, delivery)), ("pulsesDelivered", optional(s.pulsesDelivered, JSON.int)),
            ("reason", optional(s.reason, JSON.string)), ("replaces", optional(s.replaces, JSON.int)),
            ("replacedBy", optional(s.replacedBy, JSON.int)), ("chair", optional(s.chair, JSON.string)),
            ("minutes", optional(s.minutes, JSON.int)), ("medications", optional(s.medications, JSON.string)),
        ])
    }

    static func move(_ m: ClinicStore.Move) -> JSON {
        object([
            ("session", .int(m.session)), ("courseId", .int(m.course)), ("fromDate", .string(m.from.date.description)),
            ("fromTime", .string(m.from.time.description)), ("toDate", .string(m.to.date.description)),
            ("toTime", .string(m.to.time.description)), ("chair", optional(m.to.chair, JSON.string)),
        ])
    }

    static func medication(_ m: MedicationRecord, _ table: [String: DrugClass]) -> JSON {
        let known = table[m.drug]
        return object([
            ("id", .int(m.id)), ("patientId", .int(m.patientId)), ("drug", .string(m.drug)), ("dose", .double(m.dose)),
            ("unit", .string(m.unit)), ("startDate", .string(m.startDate.description)),
            ("stopDate", optional(m.stopDate) { .string($0.description) }), ("replaces", optional(m.replaces, JSON.int)),
            ("classified", .bool(known != nil)), ("drugClass", optional(known?.drugClass, JSON.string)),
            ("seizureHazard", optional(known?.seizure?.rawValue, JSON.string)), ("raisesMT", .bool(known?.raisesMT ?? false)),
            ("blunts", .bool(known?.blunts ?? false)),
        ])
    }

    static func authorization(_ a: Authorization) -> JSON {
        Encode.object([
            ("id", .int(a.id)), ("courseId", .int(a.courseId)), ("payer", .string(a.payer)), ("reference", .string(a.reference)),
            ("sessions", .int(a.sessions)), ("from", .string(a.from.description)), ("to", .string(a.to.description)),
            ("recordedBy", .string(a.recordedBy)),
            ("extensions", .array(a.extensions.map { e in
                Encode.object([
                    ("sessions", .int(e.sessions)), ("to", optional(e.to) { .string($0.description) }), ("reason", .string(e.reason)),
                    ("recordedBy", .string(e.recordedBy)), ("at", .string(Timestamp.format(e.at))),
                ])
            })),
        ])
    }

    static func authorizationUse(_ u: AuthorizationUse) -> JSON {
        Encode.object([
            ("authorized", .int(u.authorized)), ("used", .int(u.used)), ("booked", .int(u.booked)),
            ("expires", optional(u.expires) { .string($0.description) }), ("nearlyUsed", .bool(u.nearlyUsed)),
        ])
    }

    static func trial(_ t: Trial) -> JSON {
        object([
            ("id", .int(t.id)), ("kind", .string(t.kind.rawValue)), ("drug", optional(t.drug, JSON.string)),
            ("drugClass", optional(t.drugClass, JSON.string)), ("highestDose", optional(t.highestDose, JSON.double)),
            ("unit", optional(t.unit, JSON.string)), ("weeksAtDose", .double(t.weeksAtDose)),
            ("adherence", .string(t.adherence.rawValue)), ("outcome", .string(t.outcome.rawValue)),
        ])
    }

    static func screen(_ s: ScreenRecord) -> JSON {
        object([
            ("id", .int(s.id)), ("courseId", .int(s.courseId)), ("date", .string(s.date.description)),
            ("answers", .object(s.answers.mapValues(JSON.bool))), ("result", .string(s.result.rawValue)),
            ("findings", .array(s.findings.map(JSON.string))), ("recordedBy", .string(s.recordedBy)),
            ("signedOffBy", optional(s.signedOffBy, JSON.string)), ("signOffReason", optional(s.signOffReason, JSON.string)),
        ])
    }

    static func threshold(_ t: ThresholdRecord) -> JSON {
        object([
            ("id", .int(t.id)), ("courseId", .int(t.courseId)), ("date", .string(t.date.description)),
            ("method", .string(t.method.rawValue)), ("muscle", .string(t.muscle)), ("value", .double(t.value)),
            ("operator", .string(t.operator)),
        ])
    }

    static func adverseEvent(_ e: AdverseEventRecord) -> JSON {
        object([
            ("id", .int(e.id)), ("courseId", .int(e.courseId)), ("sessionId", optional(e.sessionId, JSON.int)),
            ("kind", .string(e.kind)), ("severity", .string(e.severity.rawValue)), ("date", .string(e.date.description)),
            ("details", .string(e.details)), ("held", .bool(e.held)), ("recordedBy", .string(e.recordedBy)),
        ])
    }

    static func scale(_ s: OutcomeScale) -> JSON {
        object([
            ("id", .string(s.id)), ("name", .string(s.name)), ("minimum", .int(s.minimum)), ("maximum", .int(s.maximum)),
            ("items", optional(s.items, JSON.int)), ("itemMaximum", optional(s.itemMaximum, JSON.int)),
            ("remissionAtMost", .int(s.remissionAtMost)), ("responseDrop", .double(s.responseDrop)),
            ("alertItem", optional(s.alertItem, JSON.int)),
        ])
    }

    static func outcome(_ o: OutcomeRecord) -> JSON {
        object([
            ("id", .int(o.id)), ("courseId", .int(o.courseId)), ("scale", .string(o.scale)),
            ("timepoint", .string(o.timepoint.rawValue)), ("date", .string(o.date.description)), ("total", .int(o.total)),
            ("items", optional(o.items) { .array($0.map(JSON.int)) }), ("recordedBy", .string(o.recordedBy)),
        ])
    }

    /// A course's scores by scale, in time order, with baseline, latest and
    /// the scale's verdicts; scores of a scale no longer in the data are left out.
    static func trajectories(_ outcomes: [OutcomeRecord], _ scales: [String: OutcomeScale]) -> JSON {
        let byScale = Dictionary(grouping: outcomes, by: \.scale)
        return .array(byScale.keys.sorted().compactMap { id -> JSON? in
            guard let scale = scales[id] else { return nil }
            let points = byScale[id]!.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
            let baseline = points.first { $0.timepoint == .baseline }?.total
            let latest = points.last { $0.timepoint != .baseline }?.total
            let response = baseline.flatMap { b in latest.map { scale.isResponse(baseline: b, latest: $0) } } ?? false
            return object([
                ("scale", Encode.scale(scale)), ("points", .array(points.map(Encode.outcome))),
                ("baseline", optional(baseline, JSON.int)), ("latest", optional(latest, JSON.int)),
                ("response", .bool(response)), ("remission", .bool(latest.map(scale.isRemission) ?? false)),
            ])
        })
    }

    static func alert(_ a: AlertRecord) -> JSON {
        object([
            ("id", .int(a.id)), ("courseId", .int(a.courseId)), ("patientId", .int(a.patientId)), ("kind", .string(a.kind)),
            ("detail", .string(a.detail)), ("createdAt", .string(Timestamp.format(a.createdAt))),
            ("acknowledgedAt", optional(a.acknowledgedAt) { .string(Timestamp.format($0)) }),
            ("acknowledgedBy", optional(a.acknowledgedBy, JSON.string)), ("note", optional(a.note, JSON.string)),
        ])
    }

    static func audit(_ a: AuditRecord) -> JSON {
        object([
            ("id", .int(a.id)), ("at", .string(Timestamp.format(a.at))), ("uid", .int(a.uid)), ("user", .string(a.user)),
            ("pid", .int(a.pid)), ("method", .string(a.method)), ("patientId", optional(a.patientId, JSON.int)),
            ("courseId", optional(a.courseId, JSON.int)), ("sessionId", optional(a.sessionId, JSON.int)),
            ("summary", .string(a.summary)),
        ])
    }

    static func error(_ e: ClinicError) -> VarlinkError {
        var parameters: [String: JSON] = ["message": .string(e.message)]
        for (key, value) in e.parameters {
            switch value {
            case .string(let s): parameters[key] = .string(s)
            case .int(let i): parameters[key] = .int(i)
            case .double(let d): parameters[key] = .double(d)
            }
        }
        return VarlinkError("\(ClinicService.interfaceName).\(e.code.rawValue)", parameters)
    }
}

/// Reads a call's parameters. The dispatcher has already checked them against
/// the IDL, so types are right; ranges and formats are checked here.
struct Parameters {
    let values: [String: JSON]

    init(_ values: [String: JSON]) { self.values = values }

    func string(_ key: String) throws(VarlinkError) -> String {
        guard case .string(let s)? = values[key] else { throw .invalidParameter(key) }
        return s
    }
    func optionalString(_ key: String) throws(VarlinkError) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw .invalidParameter(key)
        }
    }
    func int(_ key: String) throws(VarlinkError) -> Int {
        guard case .int(let i)? = values[key] else { throw .invalidParameter(key) }
        return i
    }
    func optionalInt(_ key: String) throws(VarlinkError) -> Int? {
        switch values[key] {
        case nil, .null?: return nil
        case .int(let i)?: return i
        default: throw .invalidParameter(key)
        }
    }
    func double(_ key: String) throws(VarlinkError) -> Double {
        switch values[key] {
        case .int(let i)?: return Double(i)
        case .double(let d)?: return d
        default: throw .invalidParameter(key)
        }
    }
    func optionalDouble(_ key: String) throws(VarlinkError) -> Double? {
        switch values[key] {
        case nil, .null?: return nil
        default: return try double(key)
        }
    }
    func object(_ key: String) throws(VarlinkError) -> Parameters {
        guard case .object(let o)? = values[key] else { throw .invalidParameter(key) }
        return Parameters(o)
    }

    /// A required, non-blank text field.
    func text(_ key: String, max: Int = 200) throws(ClinicError) -> String {
        let value = ((try? string(key)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if value.isEmpty { throw .invalidValue(key, "must not be empty") }
        if value.count > max { throw .invalidValue(key, "must be at most \(max) characters") }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidValue(key, "must not contain control characters")
        }
        return value
    }

    func date(_ key: String) throws(ClinicError) -> CivilDate {
        let raw = (try? string(key)) ?? ""
        guard let date = CivilDate(raw) else { throw .invalidDate(key, raw) }
        return date
    }
}
