import Foundation
import TMSCore
import TMSInterface
import TMSStore
import TMSNetwork

/// What a patient's records say of their path, judged by the clinical data
/// as it stands: the one reading the stage, the eligibility and the history share.
struct Standing {
    var trials: [(trial: Trial, counts: Bool, reason: String)]
    var strategies: [(strategy: Strategy, adequate: Bool, counts: Bool, reason: String)]
    /// The latest entry of each evaluation item.
    var evaluation: [String: EvaluationEntry]
    var missing: [EvaluationItem]
    var stage: PatientStage

    /// The adequate trials without response, and the switches and
    /// combinations among them as the trials they amount to.
    var adequateTrials: [Trial]
    /// The adequate augmentations, as trials of their agents: counted or not by a rule.
    var augmentations: [Trial]
    /// What counts toward TRD: the adequate trials, and the augmentations where the eligibility rules count them.
    var adequate: [Trial]
    var trd: Bool
    var evaluationComplete: Bool { missing.isEmpty }

    init(_ facts: PathFacts, _ clinical: ClinicalData, today: CivilDate) {
        let rules = clinical.eligibility
        trials = facts.trials.map { trial in
            let (counts, reason) = rules.judge(trial)
            return (trial, counts, reason)
        }
        strategies = facts.strategies.map { strategy in
            let judged = rules.judge(strategy, today: today, augmentationCounts: rules.augmentationCounts)
            return (strategy, judged.adequate, judged.counts, judged.reason)
        }
        adequateTrials = trials.filter(\.counts).map(\.trial)
            + strategies.filter { $0.adequate && $0.strategy.kind != .augmentation }.map { $0.strategy.asTrial(today: today) }
        augmentations = strategies.filter { $0.adequate && $0.strategy.kind == .augmentation }.map { $0.strategy.asTrial(today: today) }
        adequate = adequateTrials + (rules.augmentationCounts ? augmentations : [])
        trd = adequate.count >= rules.trdTrials
        evaluation = EvaluationRules.latest(facts.evaluation)
        missing = clinical.evaluation.missing(evaluation)
        stage = PatientStage.of(.init(
            active: facts.active, decided: facts.decided, evaluationComplete: missing.isEmpty, trd: trd, courses: facts.courses))
    }
}

// The path before a course: referral, consultation, evaluation, strategies, history.
extension ClinicHandler {
    func registerPathway(_ table: inout MethodTable) {
        table.on(Clinic.RecordReferral.self) { input, call in
            let referral = try store.recordReferral(
                patientId: input.patientId, referredBy: input.referredBy, date: input.date ?? call.today, reason: input.reason,
                audit: call.audit)
            log("referral recorded", call, ["tmsd_patient": "\(input.patientId)"])
            return .init(referral: referral)
        }
        table.on(Clinic.BookConsultation.self) { input, call in
            let range = TimeRange(start: input.time.minutes, end: input.time.minutes + (input.minutes ?? 60))
            let resources = call.configuration.resources
            // Without a room named: the first of the clinic's free then.
            let rooms = input.room.map { [$0] } ?? resources.rooms
            for room in rooms {
                try resources.checkConsultation(room: room, date: input.date, range: range, calendar: call.calendar, today: call.today)
            }
            let consultation = try store.bookConsultation(
                patientId: input.patientId, clinician: input.clinician, rooms: rooms, date: input.date, range: range, audit: call.audit)
            log("consultation booked", call, ["tmsd_patient": "\(input.patientId)", "tmsd_consultation": "\(consultation.id)"])
            return .init(consultation: consultation, stage: try standing(consultation.patientId, call).stage)
        }
        table.on(Clinic.RecordConsultationOutcome.self) { input, call in
            let note = input.note.map(UntrustedText.trimmed).flatMap { $0.isEmpty ? nil : $0 }
            if input.outcome.ends, note == nil {
                throw ClinicError.invalidValue(
                    "note", input.outcome == .notCandidate ? "says why the patient is not a candidate" : "says where the patient was referred")
            }
            let consultation = try store.recordConsultationOutcome(id: input.id, input.outcome, note: note, today: call.today, audit: call.audit)
            log("consultation outcome recorded", call, ["tmsd_patient": "\(consultation.patientId)", "tmsd_consultation": "\(input.id)"])
            return .init(consultation: consultation, stage: try standing(consultation.patientId, call).stage)
        }
        table.on(Clinic.ListConsultations.self) { input, call in
            guard let patientId = input.patientId else { return .init(consultations: try store.consultations(on: input.date ?? call.today)) }
            return .init(consultations: try store.consultations(patientId: patientId, on: input.date))
        }
        table.on(Clinic.RecordEvaluationItem.self) { input, call in
            _ = try call.clinical.evaluation.check(item: input.item, result: input.result)
            let entry = try store.recordEvaluation(
                EvaluationEntry(
                    id: 0, patientId: input.patientId, item: input.item, result: input.result, instrument: input.instrument,
                    score: input.score, detail: input.detail.flatMap { $0.isEmpty ? nil : $0 }, date: input.date ?? call.today,
                    recordedBy: call.audit.user),
                audit: call.audit)
            log("evaluation item recorded", call, ["tmsd_patient": "\(input.patientId)", "tmsd_evaluation": "\(entry.id)"])
            let missing = call.clinical.evaluation.missing(EvaluationRules.latest(try store.evaluation(patientId: input.patientId)))
            return .init(entry: entry, complete: missing.isEmpty, missing: missing.map(\.id))
        }
        table.on(Clinic.GetEvaluation.self) { input, call in
            let history = try store.evaluation(patientId: input.patientId)
            let latest = EvaluationRules.latest(history)
            let missing = call.clinical.evaluation.missing(latest)
            return .init(
                complete: missing.isEmpty, missing: missing.map(\.id),
                items: call.clinical.evaluation.items.map { Clinic.EvaluationLine(item: $0, entry: latest[$0.id]) }, history: history)
        }
        table.on(Clinic.RecordStrategy.self) { input, call in
            let drugs = call.clinical.drugs
            let base = input.base.lowercased(), drug = input.drug.lowercased()
            guard drugs[base]?.antidepressant == true else { throw ClinicError.notAnAntidepressant(base, parameter: "base") }
            if input.kind != .augmentation, drugs[drug]?.antidepressant != true {
                throw ClinicError.notAnAntidepressant(drug, parameter: "drug")
            }
            let strategy = Strategy(
                id: 0, patientId: input.patientId, kind: input.kind, base: base, drug: drug, drugClass: drugs[drug]?.drugClass,
                startDate: input.startDate, stopDate: input.stopDate, doseSteps: input.doseSteps, sideEffects: input.sideEffects ?? [],
                adherence: input.adherence ?? .good, outcome: input.outcome, reasonStopped: input.reasonStopped, recordedBy: call.audit.user)
            try strategy.validate()
            let last = strategy.doseSteps.last!.date
            let recorded = try store.recordStrategy(strategy, startedAt: call.instant(last, nil), audit: call.audit)
            var warnings = DrugClass.warnings(drug, in: drugs)
            if input.kind == .switch, let from = drugs[base]?.drugClass, from == drugs[drug]?.drugClass {
                warnings.append("a switch within one class (\(from)): it does not add a drug class for a payer's rule")
            }
            log("strategy recorded", call, ["tmsd_patient": "\(input.patientId)", "tmsd_strategy": "\(recorded.id)"])
            return .init(strategy: recorded, warnings: warnings)
        }
        table.on(Clinic.StopStrategy.self) { input, call in
            let date = input.date ?? call.today
            let stopped = try store.stopStrategy(
                id: input.id, on: date, at: call.instant(date, nil), outcome: input.outcome, reason: input.reason, audit: call.audit)
            log("strategy stopped", call, ["tmsd_patient": "\(stopped.patientId)", "tmsd_strategy": "\(input.id)"])
            return .init(strategy: stopped)
        }
        table.on(Clinic.ListStrategies.self) { input, _ in
            .init(strategies: try store.strategies(patientId: input.patientId))
        }
        table.on(Clinic.GetHistory.self) { input, call in
            let facts = try store.pathFacts(patientId: input.patientId)[input.patientId]!
            let courses = try store.courses(patientId: input.patientId)
            let lastDays = try store.lastSessionDays(patientId: input.patientId)
            var scores: [Clinic.HistoryScore] = []
            for course in courses {
                scores += try store.outcomes(courseId: course.id).map {
                    Clinic.HistoryScore(courseId: course.id, scale: $0.scale, date: $0.date, total: $0.total)
                }
            }
            return .init(
                patientId: input.patientId, today: call.today, stage: Standing(facts, call.clinical, today: call.today).stage,
                referrals: try store.referrals(patientId: input.patientId),
                consultations: try store.consultations(patientId: input.patientId), strategies: facts.strategies,
                evaluation: facts.evaluation,
                courses: courses.map { Clinic.HistoryCourse(course: Clinic.Course($0), lastDate: lastDays[$0.id]) },
                scores: scores.sorted { ($0.date, $0.courseId, $0.scale) < ($1.date, $1.courseId, $1.scale) })
        }
    }

    func registerExport(_ table: inout MethodTable) {
        table.on(Clinic.ExportFHIR.self) { input, call in
            let facts = try store.patientFacts(patientId: input.patientId, courseId: input.courseId)
            var bundle = FHIRBundle(
                facts: facts, course: input.courseId, clinical: call.clinical, clinicName: call.configuration.clinicName, mrnSystem: call.configuration.mrnSystem,
                now: call.audit.at)
            log("FHIR bundle exported", call, ["tmsd_patient": "\(input.patientId)"])
            return .init(bundle: bundle.make())
        }
    }

    /// One patient's standing, as the clinical data judges it today.
    func standing(_ patientId: Int, _ call: Call) throws -> Standing {
        Standing(try store.pathFacts(patientId: patientId)[patientId]!, call.clinical, today: call.today)
    }
}

// The site in a network of clinics.
extension ClinicHandler {
    func registerNetwork(_ table: inout MethodTable) {
        table.on(Clinic.GetNetworkStatus.self) { _, call in
            let head = try store.chainHead()
            let state = network.snapshot
            return .init(
                site: call.configuration.network?.site, head: head.map { Clinic.AuditHead(sequence: $0.sequence, hash: $0.hash) },
                shipped: state.shipped.map { Clinic.AuditHead(sequence: $0.sequence, hash: $0.hash) },
                lag: call.configuration.network == nil ? 0 : (head?.sequence ?? 0) - (state.shipped?.sequence ?? 0),
                lastShippedAt: state.lastShippedAt.map(Timestamp.format), lastError: state.lastError,
                lastErrorAt: state.lastErrorAt.map(Timestamp.format), refused: state.refused)
        }
    }
}
