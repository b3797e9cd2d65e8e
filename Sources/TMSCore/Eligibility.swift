/// A past treatment trial: an antidepressant, or psychotherapy.
public struct Trial: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, CaseIterable { case medication, psychotherapy }
    public enum Adherence: String, Sendable, CaseIterable { case good, partial, poor }
    public enum Outcome: String, Sendable, CaseIterable { case none, partial, response, remission, intolerance }

    public var id: Int
    public var kind: Kind
    public var drug: String?
    public var drugClass: String?
    public var highestDose: Double?
    public var unit: String?
    public var weeksAtDose: Double
    public var adherence: Adherence
    public var outcome: Outcome

    public init(id: Int, kind: Kind, drug: String?, drugClass: String?, highestDose: Double?, unit: String?,
                weeksAtDose: Double, adherence: Adherence, outcome: Outcome) {
        self.id = id
        self.kind = kind
        self.drug = drug
        self.drugClass = drugClass
        self.highestDose = highestDose
        self.unit = unit
        self.weeksAtDose = weeksAtDose
        self.adherence = adherence
        self.outcome = outcome
    }
}

extension Trial {
    /// What a trial's record must hold: a medication trial names its drug,
    /// a dose above 0 and its unit; the weeks are 0 to 520.
    public func check() throws(ClinicError) {
        if kind == .medication {
            guard let drug, !drug.isEmpty else { throw ClinicError.invalidValue("drug", "a medication trial names its drug") }
            guard let highestDose, highestDose > 0 else { throw ClinicError.invalidValue("highestDose", "must be above 0") }
            guard let unit, !unit.allSatisfy(\.isWhitespace) else { throw ClinicError.invalidValue("unit", "a dose needs its unit (mg, ...)") }
        }
        guard weeksAtDose >= 0, weeksAtDose <= 520 else { throw ClinicError.invalidValue("weeksAtDose", "must be 0 to 520") }
    }
}

/// The eligibility rules of the clinical data.
/// An evaluation item and the results of it that count.
public struct EvaluationResults: Sendable, Hashable {
    public var item: String
    public var results: Set<String>
    public init(item: String, results: Set<String>) {
        self.item = item
        self.results = results
    }
}

public struct EligibilityRules: Sendable, Hashable {
    public var minimumWeeks: Double = 6
    public var trdTrials: Int = 2
    /// Minimum adequate daily dose in mg, by generic name.
    public var minimumDoses: [String: Double] = [:]
    public var payers: [PayerRule] = []
    /// Whether an adequate augmentation without response counts toward TRD
    /// (a payer's rule may say otherwise for itself).
    public var augmentationCounts = false
    /// The evaluation's item, and its results, that count as psychotherapy
    /// tried for a payer's `psychotherapy` rule (beside a psychotherapy
    /// trial); nil: only trials count.
    public var psychotherapyTried: EvaluationResults?

    public init(minimumWeeks: Double = 6, trdTrials: Int = 2, minimumDoses: [String: Double] = [:], payers: [PayerRule] = []) {
        self.minimumWeeks = minimumWeeks
        self.trdTrials = trdTrials
        self.minimumDoses = minimumDoses
        self.payers = payers
    }

    /// Whether a medication trial counts toward TRD, and why not when it does not.
    public func judge(_ trial: Trial) -> (counts: Bool, reason: String) {
        guard trial.kind == .medication, let drug = trial.drug else { return (false, "psychotherapy, not an antidepressant trial") }
        guard let minimum = minimumDoses[drug] else {
            return (false, "\(drug) has no minimum dose in the table; a clinician must judge it")
        }
        guard trial.unit?.lowercased() == "mg", let dose = trial.highestDose else {
            return (false, "the dose is not in mg, as the minimum-dose table is")
        }
        if dose < minimum { return (false, "\(dose.clinical) mg is below the \(minimum.clinical) mg minimum for \(drug)") }
        if trial.weeksAtDose < minimumWeeks {
            return (false, "\(trial.weeksAtDose.clinical) weeks at that dose, fewer than \(minimumWeeks.clinical)")
        }
        if trial.adherence == .poor { return (false, "adherence was poor") }
        switch trial.outcome {
        case .response, .remission: return (false, "it brought a \(trial.outcome.rawValue)")
        case .intolerance: return (false, "stopped for intolerance before an adequate trial")
        case .none, .partial:
            return (true, "\(dose.clinical) mg for \(trial.weeksAtDose.clinical) weeks without response")
        }
    }
}

/// One payer's coverage rule.
public struct PayerRule: Sendable, Hashable {
    public var id: String
    public var name: String
    public var adequateTrials: Int?
    public var drugClasses: Int?
    public var psychotherapy: Bool
    public var phq9AtLeast: Int?
    /// Whether adequate augmentations count among its trials; nil: as the eligibility rules say.
    public var augmentationCounts: Bool?
    /// Evaluation items it requires, each with the results that meet it.
    public var evaluation: [String: [String]]

    public init(id: String, name: String, adequateTrials: Int? = nil, drugClasses: Int? = nil, psychotherapy: Bool = false,
                phq9AtLeast: Int? = nil, augmentationCounts: Bool? = nil, evaluation: [String: [String]] = [:]) {
        self.id = id
        self.name = name
        self.adequateTrials = adequateTrials
        self.drugClasses = drugClasses
        self.psychotherapy = psychotherapy
        self.phq9AtLeast = phq9AtLeast
        self.augmentationCounts = augmentationCounts
        self.evaluation = evaluation
    }

    /// Whether the rule is met, and each of its requirements with what was found.
    /// `adequate`: the adequate trials without response, strategies among them
    /// as the trials they amount to; `augmentations`: the adequate
    /// augmentations, counted among them when the rule says so.
    /// `pretreatmentPHQ9` is the patient's PHQ-9 before treatment began
    /// (a score during treatment falls as the patient improves);
    /// `recorded`, the latest entry of each evaluation item.
    public func judge(
        adequate: [Trial], augmentations: [Trial] = [], augmentationsCount: Bool = false, psychotherapyTrials: Int,
        pretreatmentPHQ9: (total: Int, date: CivilDate)?, recorded: [String: EvaluationEntry] = [:]
    ) -> (meets: Bool, findings: [String]) {
        var meets = true
        var findings: [String] = []
        let counted = augmentationCounts ?? augmentationsCount
        let adequate = adequate + (counted ? augmentations : [])
        if counted, !augmentations.isEmpty {
            findings.append("counted: \(augmentations.count) adequate augmentation(s) among the trials")
        }
        if let needed = adequateTrials {
            let ok = adequate.count >= needed
            meets = meets && ok
            findings.append("\(ok ? "met" : "NOT met"): \(needed) adequate trial(s) without response (found \(adequate.count))")
        }
        if let needed = drugClasses {
            let classes = Set(adequate.compactMap(\.drugClass))
            let ok = classes.count >= needed
            meets = meets && ok
            findings.append("\(ok ? "met" : "NOT met"): \(needed) drug classes (found \(classes.count)\(classes.isEmpty ? "" : ": " + classes.sorted().joined(separator: ", ")))")
        }
        if psychotherapy {
            let ok = psychotherapyTrials > 0
            meets = meets && ok
            findings.append("\(ok ? "met" : "NOT met"): a psychotherapy trial (found \(psychotherapyTrials))")
        }
        if let needed = phq9AtLeast {
            let ok = (pretreatmentPHQ9?.total ?? -1) >= needed
            meets = meets && ok
            let found = pretreatmentPHQ9.map { "\($0.total) on \($0.date)" } ?? "none"
            findings.append("\(ok ? "met" : "NOT met"): PHQ-9 of \(needed) or more before treatment (found \(found))")
        }
        for (item, results) in self.evaluation.sorted(by: { $0.key < $1.key }) {
            let entry = recorded[item]
            let ok = entry.map { results.contains($0.result) } ?? false
            meets = meets && ok
            let found = entry.map { "\($0.result) on \($0.date)" } ?? "not recorded"
            findings.append("\(ok ? "met" : "NOT met"): evaluation \(item) \(results.joined(separator: " or ")) (found \(found))")
        }
        return (meets, findings)
    }
}
