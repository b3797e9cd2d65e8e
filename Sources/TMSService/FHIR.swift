import Crypto
import Foundation
import TMSCore
import TMSStore
import Varlink

/// A patient's records as a FHIR R4 Bundle (type `collection`): Patient;
/// Condition (the depression, ICD-10-CM by the evaluation's mdd result);
/// MedicationStatement for each past trial, strategy and medication;
/// Procedure for each delivered session (its CPT code, the stimulation
/// parameters as extensions); Observation for each outcome score (LOINC from
/// the clinical data: a panel with its total and items as components) and
/// each motor threshold; AdverseEvent. Every resource has an id of its own
/// (`procedure-12`) and a `urn:uuid:` full URL made from the clinic's name,
/// its kind and its id, so a second export of the same records names them
/// alike, and every reference inside the bundle is to one of those.
struct FHIRBundle {
    let facts: PatientFacts
    /// The one course exported, when only one was asked for.
    let course: Int?
    let clinical: ClinicalData
    let clinicName: String
    let mrnSystem: String
    let now: Date

    /// tmsd's own code systems and extensions, where no standard one says it.
    static let own = "urn:tmsd:fhir:"
    static let cpt = "http://www.ama-assn.org/go/cpt"
    static let loinc = "http://loinc.org"
    static let icd10cm = "http://hl7.org/fhir/sid/icd-10-cm"
    static let snomed = "http://snomed.info/sct"
    static let ucum = "http://unitsofmeasure.org"

    private var entries: [JSON] = []

    init(facts: PatientFacts, course: Int?, clinical: ClinicalData, clinicName: String, mrnSystem: String, now: Date) {
        self.facts = facts
        self.course = course
        self.clinical = clinical
        self.clinicName = clinicName
        self.mrnSystem = mrnSystem
        self.now = now
    }

    /// The bundle, as FHIR JSON.
    mutating func make() -> JSON {
        entries = []
        let patient = reference("Patient", "patient-\(facts.patient.id)")
        addPatient()
        addCondition(patient)
        for trial in facts.trials { addTrial(trial, patient) }
        for strategy in facts.strategies { addStrategy(strategy, patient) }
        for medication in facts.medications { addMedication(medication, patient) }
        for course in facts.courses {
            for (session, cpt) in clinical.billing.billed(course.sessions, thresholds: course.thresholds) {
                addProcedure(session, course.course, cpt: cpt, patient)
            }
            for outcome in course.outcomes { addOutcome(outcome, patient) }
            for threshold in course.thresholds { addThreshold(threshold, patient) }
            for event in course.events { addEvent(event, patient) }
        }
        return Self.object([
            ("resourceType", "Bundle"),
            ("id", .string("tmsd-patient-\(facts.patient.id)" + (course.map { "-course-\($0)" } ?? ""))),
            ("type", "collection"),
            ("timestamp", .string(Timestamp.format(now))),
            ("entry", .array(entries)),
        ])
    }

    // MARK: Resources

    private mutating func addPatient() {
        let p = facts.patient
        var telecom: [JSON] = []
        if let phone = facts.contact.phone {
            telecom.append(Self.object([("system", "phone"), ("value", .string(phone)), ("rank", facts.contact.preferred == .phone ? 1 : nil)]))
        }
        if let email = facts.contact.email {
            telecom.append(Self.object([("system", "email"), ("value", .string(email)), ("rank", facts.contact.preferred == .email ? 1 : nil)]))
        }
        add("Patient", "patient-\(p.id)", [
            ("identifier", [["use": "usual", "system": .string(mrnSystem), "value": .string(p.mrn)]]),
            ("active", .bool(p.active)),
            ("name", [["family": .string(p.familyName), "given": [.string(p.givenName)]]]),
            ("telecom", .array(telecom)),
            ("birthDate", .string(p.birthDate.description)),
        ])
    }

    /// The depression: confirmed, not confirmed (refuted) or not yet re-checked (provisional), as the evaluation's mdd entry says.
    private mutating func addCondition(_ patient: JSON) {
        let mdd = EvaluationRules.latest(facts.evaluation)["mdd"]
        let coding = mdd.flatMap { clinical.codes.diagnosis[$0.result] }
        let verification = mdd == nil ? "provisional" : mdd!.result == "not-confirmed" ? "refuted" : "confirmed"
        add("Condition", "condition-\(facts.patient.id)", [
            ("clinicalStatus", Self.concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active")),
            ("verificationStatus", Self.concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", verification)),
            ("category", [Self.concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")]),
            ("code", Self.object([
                ("coding", coding.map { [Self.coding(Self.icd10cm, $0.code, $0.display)] } ?? nil),
                ("text", .string(coding?.display ?? "Major depressive disorder" + (mdd.map { " (\($0.result))" } ?? ""))),
            ])),
            ("subject", patient),
            ("recordedDate", mdd.map { .string($0.date.description) } ?? nil),
            ("note", mdd?.detail.map { [["text": .string($0)]] } ?? nil),
        ])
    }

    private mutating func addTrial(_ t: Trial, _ patient: JSON) {
        let what = t.kind == .psychotherapy ? "Psychotherapy" : t.drug ?? "an antidepressant"
        var note = "Past trial: \(t.weeksAtDose.clinical) weeks"
        if let dose = t.highestDose, let unit = t.unit { note += " at \(dose.clinical) \(unit) (highest dose)" }
        note += "; adherence \(t.adherence.rawValue); outcome \(t.outcome.rawValue)"
        add("MedicationStatement", "trial-\(t.id)", [
            ("status", "completed"),
            ("category", Self.concept("http://terminology.hl7.org/CodeSystem/medication-statement-category", "community")),
            ("medicationCodeableConcept", ["text": .string(what)]),
            ("subject", patient),
            ("dosage", t.highestDose.map { [Self.dose($0, t.unit ?? "")] } ?? nil),
            ("note", [["text": .string(note)]]),
        ])
    }

    private mutating func addStrategy(_ s: Strategy, _ patient: JSON) {
        var note = "Strategy: \(s.kind.rawValue) of \(s.base) with \(s.drug); adherence \(s.adherence.rawValue)"
        if let outcome = s.outcome { note += "; outcome \(outcome.rawValue)" }
        if let reason = s.reasonStopped { note += "; stopped: \(reason)" }
        if !s.sideEffects.isEmpty { note += "; side effects: " + s.sideEffects.map { "\($0.effect) (\($0.severity.rawValue))" }.joined(separator: ", ") }
        add("MedicationStatement", "strategy-\(s.id)", [
            ("status", s.stopDate == nil ? "active" : "completed"),
            ("medicationCodeableConcept", ["text": .string(s.drug)]),
            ("subject", patient),
            ("effectivePeriod", Self.object([("start", .string(s.startDate.description)), ("end", s.stopDate.map { .string($0.description) } ?? nil)])),
            ("dosage", .array(s.doseSteps.enumerated().map { i, step in
                Self.dose(step.dose, step.unit, text: "from \(step.date)", sequence: i + 1)
            })),
            ("note", [["text": .string(note)]]),
        ])
    }

    private mutating func addMedication(_ m: MedicationRecord, _ patient: JSON) {
        add("MedicationStatement", "medication-\(m.id)", [
            ("status", m.stopDate == nil ? "active" : "completed"),
            ("medicationCodeableConcept", ["text": .string(m.drug)]),
            ("subject", patient),
            ("effectivePeriod", Self.object([("start", .string(m.startDate.description)), ("end", m.stopDate.map { .string($0.description) } ?? nil)])),
            ("dosage", [Self.dose(m.dose, m.unit)]),
            ("derivedFrom", m.strategy.map { [reference("MedicationStatement", "strategy-\($0)")] } ?? nil),
        ])
    }

    private mutating func addProcedure(_ s: SessionRecord, _ course: CourseRecord, cpt: String, _ patient: JSON) {
        var codings: [JSON] = []
        if !cpt.isEmpty { codings.append(Self.coding(Self.cpt, cpt, nil)) }
        if let snomed = clinical.codes.procedureSNOMED { codings.append(Self.coding(Self.snomed, snomed.code, snomed.display)) }
        var extensions: [JSON] = []
        if let d = s.delivery {
            extensions = [
                Self.quantity("motor-threshold", d.motorThreshold, "%", "%"),
                Self.quantity("intensity-percent-mt", d.intensityPercentMT, "%", "%"),
                Self.quantity("frequency", d.frequencyHz, "Hz", "Hz"),
                Self.integer("pulses-per-train", d.pulsesPerTrain),
                Self.quantity("train-duration", d.trainDurationSeconds, "s", "s"),
                Self.quantity("inter-train-interval", d.interTrainIntervalSeconds, "s", "s"),
                Self.integer("trains", d.trains),
                Self.integer("pulses-delivered", d.pulsesDelivered),
                ["url": .string(Self.own + "coil"), "valueString": .string(d.coil)],
            ]
        }
        add("Procedure", "procedure-\(s.id)", [
            ("extension", .array(extensions)),
            ("identifier", [["system": .string(Self.own + "session"), "value": .string("\(s.id)")]]),
            ("status", "completed"),
            ("code", Self.object([("coding", .array(codings)), ("text", .string("Transcranial magnetic stimulation: \(course.protocolName)"))])),
            ("subject", patient),
            ("performedPeriod", Self.object([
                ("start", .string(Timestamp.format(s.startedAt ?? s.scheduledAt))),
                ("end", s.finishedAt.map { .string(Timestamp.format($0)) } ?? nil),
            ])),
            ("bodySite", [["text": .string(s.delivery?.target ?? course.target.label)]]),
            ("note", s.delivery.flatMap { $0.notes.isEmpty ? nil : [["text": .string($0.notes)]] } ?? nil),
        ])
    }

    private mutating func addOutcome(_ o: OutcomeRecord, _ patient: JSON) {
        let scale = clinical.scales[o.scale]
        let codes = clinical.codes.scales[o.scale]
        let name = scale?.name ?? o.scale
        func code(_ loinc: String?, _ own: String, _ text: String) -> JSON {
            ["coding": [loinc.map { Self.coding(Self.loinc, $0, nil) } ?? Self.coding(Self.own + "scale", own, nil)], "text": .string(text)]
        }
        var components: [JSON] = []
        var value: JSON?
        if codes?.panel != nil {
            // The panel: its total and its items as components.
            components.append(["code": code(codes?.total, "\(o.scale)-total", "\(name) total score"), "valueInteger": .int(o.total)])
            for (i, item) in (o.items ?? []).enumerated() {
                let itemCode = i < (codes?.items.count ?? 0) ? codes!.items[i] : nil
                components.append(["code": code(itemCode, "\(o.scale)-item-\(i + 1)", "\(name) item \(i + 1)"), "valueInteger": .int(item)])
            }
        } else {
            value = .int(o.total)
        }
        add("Observation", "outcome-\(o.id)", [
            ("status", "final"),
            ("category", [Self.concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey")]),
            ("code", code(codes?.panel ?? codes?.total, o.scale, name)),
            ("subject", patient),
            ("effectiveDateTime", .string(o.date.description)),
            ("valueInteger", value),
            ("component", .array(components)),
            ("note", [["text": .string("\(o.timepoint.rawValue) score, course \(o.courseId)")]]),
        ])
    }

    private mutating func addThreshold(_ t: ThresholdRecord, _ patient: JSON) {
        add("Observation", "threshold-\(t.id)", [
            ("status", "final"),
            ("category", [Self.concept("http://terminology.hl7.org/CodeSystem/observation-category", "procedure")]),
            ("code", ["coding": [Self.coding(Self.own + "observation", "resting-motor-threshold", "Resting motor threshold")],
                      "text": "Resting motor threshold (% of machine output)"]),
            ("subject", patient),
            ("effectiveDateTime", .string(t.date.description)),
            ("valueQuantity", ["value": .double(t.value), "unit": "%", "system": .string(Self.ucum), "code": "%"]),
            ("method", ["text": .string(t.method.rawValue)]),
            ("bodySite", ["text": .string(t.muscle)]),
        ])
    }

    private mutating func addEvent(_ e: AdverseEventRecord, _ patient: JSON) {
        let kind = clinical.eventKinds[e.kind]?.name ?? e.kind
        add("AdverseEvent", "adverse-event-\(e.id)", [
            ("extension", e.details.isEmpty ? nil : [["url": .string(Self.own + "details"), "valueString": .string(e.details)]]),
            ("actuality", "actual"),
            ("event", ["coding": [Self.coding(Self.own + "adverse-event", e.kind, kind)], "text": .string(kind)]),
            ("subject", patient),
            ("date", .string(e.date.description)),
            ("severity", Self.concept("http://terminology.hl7.org/CodeSystem/adverse-event-severity", e.severity.rawValue)),
            ("suspectEntity", e.sessionId.map { [["instance": reference("Procedure", "procedure-\($0)")]] } ?? nil),
        ])
    }

    // MARK: Pieces

    private mutating func add(_ type: String, _ id: String, _ members: [(String, JSON?)]) {
        entries.append([
            "fullUrl": .string(fullURL(type, id)),
            "resource": Self.object([("resourceType", .string(type)), ("id", .string(id))] + members),
        ])
    }

    /// `urn:uuid:` and a name-based UUID (RFC 9562 version 8, from SHA-256) of the clinic, the type and the id.
    func fullURL(_ type: String, _ id: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("tmsd\u{0}\(clinicName)\u{0}\(type)\u{0}\(id)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.string(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    func reference(_ type: String, _ id: String) -> JSON { ["reference": .string(fullURL(type, id))] }

    /// An object without its absent members, empty lists or empty objects (FHIR has no nulls, no empty arrays).
    static func object(_ members: [(String, JSON?)]) -> JSON {
        var out: [String: JSON] = [:]
        for (key, value) in members {
            switch value {
            case nil, .null?: continue
            case .array(let a)? where a.isEmpty: continue
            case .object(let o)? where o.isEmpty: continue
            case let value?: out[key] = value
            }
        }
        return .object(out)
    }

    static func coding(_ system: String, _ code: String, _ display: String?) -> JSON {
        object([("system", .string(system)), ("code", .string(code)), ("display", display.map { .string($0) })])
    }

    static func concept(_ system: String, _ code: String) -> JSON { ["coding": [coding(system, code, nil)]] }

    static func dose(_ value: Double, _ unit: String, text: String? = nil, sequence: Int? = nil) -> JSON {
        object([
            ("sequence", sequence.map { .int($0) }), ("text", text.map { .string($0) }),
            ("doseAndRate", [["doseQuantity": ["value": .double(value), "unit": .string(unit)]]]),
        ])
    }

    static func quantity(_ name: String, _ value: Double, _ unit: String, _ ucum: String) -> JSON {
        ["url": .string(own + name), "valueQuantity": ["value": .double(value), "unit": .string(unit), "system": .string(Self.ucum), "code": .string(ucum)]]
    }

    static func integer(_ name: String, _ value: Int) -> JSON { ["url": .string(own + name), "valueInteger": .int(value)] }
}
