import TMSCore
import TMSInterface
import TMSStore

// Medications taken alongside a course, past trials and eligibility.
extension ClinicHandler {
    func registerMedications(_ table: inout MethodTable) {
        table.on(Clinic.StartMedication.self) { input, call in
            let date = input.date ?? call.today
            let record = try store.startMedication(
                patientId: input.patientId, drug: input.drug, dose: input.dose, unit: input.unit, on: date,
                at: call.instant(date, input.time), audit: call.audit)
            return try medicationChange(record, call)
        }
        table.on(Clinic.ChangeMedicationDose.self) { input, call in
            let date = input.date ?? call.today
            let record = try store.changeMedicationDose(
                id: input.id, dose: input.dose, unit: input.unit, on: date, at: call.instant(date, input.time), audit: call.audit)
            return try medicationChange(record, call)
        }
        table.on(Clinic.StopMedication.self) { input, call in
            let date = input.date ?? call.today
            let stopped = try store.stopMedication(id: input.id, on: date, at: call.instant(date, input.time), audit: call.audit)
            var change = try medicationChange(stopped, call)
            // The base of an augmentation or a combination under way (a switch stops its base by design).
            if let id = stopped.strategy, let strategy = try store.strategies(patientId: stopped.patientId).first(where: { $0.id == id }),
               strategy.kind != .switch, strategy.stopDate == nil, strategy.base == stopped.drug {
                change.warnings.append(
                    "\(stopped.drug) is the base strategy \(id) (\(strategy.kind.rawValue) with \(strategy.drug)) builds on: "
                        + "the \(strategy.kind.rawValue) goes on without it; if it ended, record how (StopStrategy)")
            }
            return change
        }
        table.on(Clinic.ListMedications.self) { input, call in
            .init(medications: try store.medications(patientId: input.patientId).map { Clinic.Medication($0, call.clinical.drugs) })
        }
        table.on(Clinic.ListUnclassifiedDrugs.self) { _, call in
            .init(drugs: try store.drugsInUse().map(\.drug).filter { call.clinical.drugs[$0] == nil })
        }
        table.on(Clinic.RecordTrial.self) { input, call in
            let drug = input.drug?.trimmingCharacters(in: .whitespaces).lowercased()
            let trial = Trial(
                id: 0, kind: input.kind, drug: drug, drugClass: input.drugClass ?? drug.flatMap { call.clinical.drugs[$0]?.drugClass },
                highestDose: input.highestDose, unit: input.unit, weeksAtDose: input.weeksAtDose, adherence: input.adherence,
                outcome: input.outcome)
            let recorded = try store.recordTrial(
                patientId: input.patientId, trial, sideEffects: input.sideEffects ?? "", reasonStopped: input.reasonStopped ?? "",
                audit: call.audit)
            log("trial recorded", call, ["tmsd_trial": "\(recorded.id)"])
            return .init(trial: recorded)
        }
        table.on(Clinic.GetEligibility.self) { input, call in
            let standing = try standing(input.patientId, call)
            let rules = call.clinical.eligibility
            // A psychotherapy trial, or the evaluation's item recorded as tried ([eligibility] psychotherapy-tried).
            let tried = rules.psychotherapyTried.flatMap { rule in standing.evaluation[rule.item].map { rule.results.contains($0.result) } }
            let psychotherapy = standing.trials.count { $0.trial.kind == .psychotherapy && $0.trial.adherence != .poor }
                + (tried == true ? 1 : 0)
            let phq9 = try store.pretreatmentPHQ9(patientId: input.patientId)
            return .init(
                trd: standing.trd, adequate: standing.adequate.count, required: rules.trdTrials,
                trials: standing.trials.map { Clinic.TrialJudgement(trial: $0.trial, counts: $0.counts, reason: $0.reason) },
                strategies: standing.strategies.map {
                    Clinic.StrategyJudgement(strategy: $0.strategy.id, kind: $0.strategy.kind, adequate: $0.adequate, counts: $0.counts, reason: $0.reason)
                },
                evaluationComplete: standing.evaluationComplete, evaluationMissing: standing.missing.map(\.id), stage: standing.stage,
                payers: rules.payers.sorted { $0.id < $1.id }.map { rule in
                    // The augmentations apart: the rule decides whether they count.
                    let (meets, findings) = rule.judge(
                        adequate: standing.adequateTrials, augmentations: standing.augmentations, augmentationsCount: rules.augmentationCounts,
                        psychotherapyTrials: psychotherapy, pretreatmentPHQ9: phq9, recorded: standing.evaluation)
                    return Clinic.PayerJudgement(id: rule.id, name: rule.name, meets: meets, findings: findings)
                })
        }
    }

    /// A medication as recorded, with what the drug table says of it and,
    /// for each active course, why its motor threshold must be measured again:
    /// the gate's own rule, as a session at the change's day would meet it.
    private func medicationChange(_ record: MedicationRecord, _ call: Call) throws -> Clinic.MedicationChange {
        let clinical = call.clinical
        var warnings = DrugClass.warnings(record.drug, in: clinical.drugs)
        if let known = clinical.drugs[record.drug], known.triggersRecheck(clinical.recheckOnChange) {
            let day = record.stopDate ?? record.startDate
            for course in try store.courses(patientId: record.patientId, status: .active) {
                let facts = try store.treatmentFacts(courseId: course.id, call.selection)
                let at = max(call.audit.at, call.calendar.instant(on: day, at: LocalTime(minutes: 0)!))
                if let reason = clinical.recheck.due(
                    at: at, on: max(day, call.today), lastMeasured: facts.lastMeasured, lastDelivered: facts.lastDelivered,
                    seizures: facts.seizures, changes: facts.changes, calendar: call.calendar) {
                    warnings.append("course \(course.id): the motor threshold must be measured again before its next session: \(reason)")
                }
            }
        }
        log("medication recorded", call, ["tmsd_patient": "\(record.patientId)", "tmsd_medication": "\(record.id)"])
        return .init(medication: Clinic.Medication(record, clinical.drugs), warnings: warnings)
    }
}
