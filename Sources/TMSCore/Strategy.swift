/// A medication strategy: one step of the work through treatment-resistant
/// depression (CLINICAL.md, "The path before a course"), over weeks, with its
/// dose steps, side effects and why it stopped.
public struct Strategy: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// From the base antidepressant to `drug`, another one.
        case `switch`
        /// `drug` (an antipsychotic, lithium, thyroid hormone, another adjunct) added to the base antidepressant.
        case augmentation
        /// A second antidepressant, `drug`, with the base.
        case combination
    }

    /// A dose of `drug` from a date.
    public struct DoseStep: Sendable, Hashable, Codable {
        public var date: CivilDate
        public var dose: Double
        public var unit: String
        public init(date: CivilDate, dose: Double, unit: String) {
            self.date = date
            self.dose = dose
            self.unit = unit
        }
    }

    public struct SideEffect: Sendable, Hashable, Codable {
        public var effect: String
        public var severity: Severity
        public init(effect: String, severity: Severity) {
            self.effect = effect
            self.severity = severity
        }
    }

    public var id: Int
    public var patientId: Int
    public var kind: Kind
    /// The antidepressant the strategy builds on, or (a switch) leaves.
    public var base: String
    /// The drug switched to, added, or combined.
    public var drug: String
    /// `drug`'s class in the drug table, when it has one.
    public var drugClass: String?
    public var startDate: CivilDate
    public var stopDate: CivilDate?
    /// By date.
    public var doseSteps: [DoseStep]
    public var sideEffects: [SideEffect]
    public var adherence: Trial.Adherence
    /// Set when it stopped.
    public var outcome: Trial.Outcome?
    public var reasonStopped: String?
    public var recordedBy: String

    public init(
        id: Int, patientId: Int, kind: Kind, base: String, drug: String, drugClass: String?, startDate: CivilDate, stopDate: CivilDate?,
        doseSteps: [DoseStep], sideEffects: [SideEffect], adherence: Trial.Adherence, outcome: Trial.Outcome?, reasonStopped: String?,
        recordedBy: String
    ) {
        self.id = id
        self.patientId = patientId
        self.kind = kind
        self.base = base
        self.drug = drug
        self.drugClass = drugClass
        self.startDate = startDate
        self.stopDate = stopDate
        self.doseSteps = doseSteps
        self.sideEffects = sideEffects
        self.adherence = adherence
        self.outcome = outcome
        self.reasonStopped = reasonStopped
        self.recordedBy = recordedBy
    }

    /// The highest dose `drug` reached, and the weeks from the day it was
    /// first reached to the stop (or `today`, while it goes on).
    public func highest(today: CivilDate) -> (step: DoseStep, weeks: Double)? {
        guard let top = doseSteps.max(by: { $0.dose < $1.dose }) else { return nil }
        let reached = doseSteps.first { $0.dose == top.dose }!.date
        let end = stopDate ?? today
        return (top, Double(max(0, end.dayNumber - reached.dayNumber)) / 7)
    }

    /// The strategy as the trial of `drug` it amounts to, for the adequacy rules.
    public func asTrial(today: CivilDate) -> Trial {
        let top = highest(today: today)
        return Trial(
            id: id, kind: .medication, drug: drug, drugClass: drugClass, highestDose: top?.step.dose, unit: top?.step.unit,
            weeksAtDose: top?.weeks ?? 0, adherence: adherence, outcome: outcome ?? .none)
    }

    /// Checks what a strategy's own records must hold, before the drug
    /// table is asked: the dates in order, a dose step on the first day
    /// and none outside the strategy's days, doses above 0 with a unit.
    public func validate() throws(ClinicError) {
        if base == drug { throw ClinicError.invalidValue("drug", "is the base drug itself; a strategy changes or adds to it") }
        if let stopDate, stopDate < startDate { throw ClinicError.invalidValue("stopDate", "is before startDate") }
        guard let first = doseSteps.first else { throw ClinicError.invalidValue("doseSteps", "a strategy has at least one dose step") }
        if first.date != startDate { throw ClinicError.invalidValue("doseSteps", "the first dose step is on startDate") }
        for (a, b) in zip(doseSteps, doseSteps.dropFirst()) where b.date <= a.date {
            throw ClinicError.invalidValue("doseSteps", "the dose steps are in date order, one a day at most")
        }
        for step in doseSteps {
            if let stopDate, step.date > stopDate { throw ClinicError.invalidValue("doseSteps", "a dose step is after stopDate") }
            if step.dose <= 0 { throw ClinicError.invalidValue("doseSteps", "a dose is above 0") }
            if step.unit.isEmpty { throw ClinicError.invalidValue("doseSteps", "a dose needs its unit (mg, ...)") }
        }
        if stopDate == nil, outcome != nil || reasonStopped != nil {
            throw ClinicError.invalidValue("outcome", "an outcome and a reason stopped come with a stopDate")
        }
    }
}

extension EligibilityRules {
    /// Whether a strategy is an adequate trial without response, and why.
    /// A switch or a combination is judged as a trial of the drug it brings
    /// in. An augmentation's agent is judged on its weeks, adherence and
    /// outcome (and its minimum dose, where the table has one); it counts
    /// toward TRD only where `augmentationCounts` says so. A strategy still
    /// under way is judged when it stops.
    public func judge(_ strategy: Strategy, today: CivilDate, augmentationCounts: Bool) -> (adequate: Bool, counts: Bool, reason: String) {
        guard strategy.stopDate != nil else {
            return (false, false, "under way since \(strategy.startDate); it is judged once it stops, with its outcome")
        }
        let trial = strategy.asTrial(today: today)
        guard strategy.kind == .augmentation else {
            let (counts, reason) = judge(trial)
            let what = strategy.kind == .switch ? "a switch from \(strategy.base) to" : "a combination of \(strategy.base) with"
            return (counts, counts, "\(what) \(strategy.drug): \(reason)")
        }
        var rules = self
        var judged = trial
        let noMinimum = minimumDoses[strategy.drug] == nil
        if noMinimum {
            // No minimum dose for the agent in the table: judged on everything but its dose.
            rules.minimumDoses[strategy.drug] = 0
            judged.unit = "mg"
            judged.highestDose = trial.highestDose ?? 0
        }
        var (adequate, reason) = rules.judge(judged)
        if adequate, noMinimum { reason = "\(trial.weeksAtDose.clinical) weeks at its highest dose without response" }
        let head = "an augmentation of \(strategy.base) with \(strategy.drug): \(reason)"
        guard adequate else { return (false, false, head) }
        return (true, augmentationCounts,
                head + (augmentationCounts ? "; augmentations count" : "; counts only where a payer's rule says augmentations do"))
    }
}
