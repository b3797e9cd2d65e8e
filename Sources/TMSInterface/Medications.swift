public import TMSCore

// Medications taken alongside a course, past trials and eligibility.

extension Clinic {
    /// A drug a patient takes, with what the clinical data's drug table says of it.
    public struct Medication: Codable, Sendable, Equatable {
        public var id: Int
        public var patientId: Int
        public var drug: String
        public var dose: Double
        public var unit: String
        public var startDate: CivilDate
        public var stopDate: CivilDate?
        public var replaces: Int?
        public var classified: Bool
        public var drugClass: String?
        public var seizureHazard: String?
        public var raisesMT: Bool
        public var blunts: Bool
        /// The medication strategy it is taken in.
        public var strategyId: Int?

        public init(
            id: Int, patientId: Int, drug: String, dose: Double, unit: String, startDate: CivilDate, stopDate: CivilDate?,
            replaces: Int?, classified: Bool, drugClass: String?, seizureHazard: String?, raisesMT: Bool, blunts: Bool,
            strategyId: Int? = nil
        ) {
            self.id = id
            self.patientId = patientId
            self.drug = drug
            self.dose = dose
            self.unit = unit
            self.startDate = startDate
            self.stopDate = stopDate
            self.replaces = replaces
            self.classified = classified
            self.drugClass = drugClass
            self.seizureHazard = seizureHazard
            self.raisesMT = raisesMT
            self.blunts = blunts
            self.strategyId = strategyId
        }
    }

    /// A past trial: the domain's own type.
    public typealias Trial = TMSCore.Trial

    /// A trial judged: whether it counts as adequate and without response, and why.
    public struct TrialJudgement: Codable, Sendable, Equatable {
        public var trial: Trial
        public var counts: Bool
        public var reason: String
        public init(trial: Trial, counts: Bool, reason: String) {
            self.trial = trial
            self.counts = counts
            self.reason = reason
        }
    }

    /// A payer's rule judged, requirement by requirement.
    public struct PayerJudgement: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var meets: Bool
        public var findings: [String]
        public init(id: String, name: String, meets: Bool, findings: [String]) {
            self.id = id
            self.name = name
            self.meets = meets
            self.findings = findings
        }
    }

    /// A medication as recorded, and what the drug table warns of.
    public struct MedicationChange: Codable, Sendable {
        public var medication: Medication
        public var warnings: [String]
        public init(medication: Medication, warnings: [String]) {
            self.medication = medication
            self.warnings = warnings
        }
    }

    /// The bounds of a dose and its unit.
    static let doseConstraints: [String: Constraint] = ["dose": .float(0...1_000_000, aboveLowest: true), "unit": .text(max: 20)]

    public enum StartMedication: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var drug: String
            public var dose: Double
            public var unit: String
            public var date: CivilDate?
            public var time: LocalTime?
            public init(patientId: Int, drug: String, dose: Double, unit: String, date: CivilDate? = nil, time: LocalTime? = nil) {
                self.patientId = patientId
                self.drug = drug
                self.dose = dose
                self.unit = unit
                self.date = date
                self.time = time
            }
            public static var constraints: [String: Constraint] {
                doseConstraints.merging(["patientId": .id, "drug": .text(max: 100), "date": .date(daysAhead: 1)]) { $1 }
            }
        }
        public typealias Output = MedicationChange
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ChangeMedicationDose: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var dose: Double
            public var unit: String
            public var date: CivilDate?
            public var time: LocalTime?
            public init(id: Int, dose: Double, unit: String, date: CivilDate? = nil, time: LocalTime? = nil) {
                self.id = id
                self.dose = dose
                self.unit = unit
                self.date = date
                self.time = time
            }
            public static var constraints: [String: Constraint] {
                doseConstraints.merging(["id": .id, "date": .date(daysAhead: 1)]) { $1 }
            }
        }
        public typealias Output = MedicationChange
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum StopMedication: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var date: CivilDate?
            public var time: LocalTime?
            public init(id: Int, date: CivilDate? = nil, time: LocalTime? = nil) {
                self.id = id
                self.date = date
                self.time = time
            }
            public static var constraints: [String: Constraint] { ["id": .id, "date": .date(daysAhead: 1)] }
        }
        public typealias Output = MedicationChange
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListMedications: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByPatient
        public struct Output: Codable, Sendable {
            public var medications: [Medication]
            public init(medications: [Medication]) { self.medications = medications }
        }
    }

    public enum ListUnclassifiedDrugs: ClinicMethod {
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var drugs: [String]
            public init(drugs: [String]) { self.drugs = drugs }
        }
    }

    public enum RecordTrial: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var kind: Trial.Kind
            public var drug: String?
            public var drugClass: String?
            public var highestDose: Double?
            public var unit: String?
            public var weeksAtDose: Double
            public var adherence: Trial.Adherence
            public var outcome: Trial.Outcome
            public var sideEffects: String?
            public var reasonStopped: String?

            public init(
                patientId: Int, kind: Trial.Kind, drug: String? = nil, drugClass: String? = nil, highestDose: Double? = nil,
                unit: String? = nil, weeksAtDose: Double, adherence: Trial.Adherence, outcome: Trial.Outcome,
                sideEffects: String? = nil, reasonStopped: String? = nil
            ) {
                self.patientId = patientId
                self.kind = kind
                self.drug = drug
                self.drugClass = drugClass
                self.highestDose = highestDose
                self.unit = unit
                self.weeksAtDose = weeksAtDose
                self.adherence = adherence
                self.outcome = outcome
                self.sideEffects = sideEffects
                self.reasonStopped = reasonStopped
            }

            public static var constraints: [String: Constraint] {
                ["patientId": .id, "drug": .text(max: 100), "drugClass": .text(max: 100),
                 "highestDose": .float(0...1_000_000, aboveLowest: true), "unit": .text(max: 20), "weeksAtDose": .float(0...520),
                 "sideEffects": .note(max: 2000), "reasonStopped": .note(max: 2000)]
            }
        }
        public struct Output: Codable, Sendable {
            public var trial: Trial
            public init(trial: Trial) { self.trial = trial }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum GetEligibility: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByPatient
        public struct Output: Codable, Sendable {
            public var trd: Bool
            public var adequate: Int
            public var required: Int
            public var trials: [TrialJudgement]
            public var strategies: [StrategyJudgement]
            public var evaluationComplete: Bool
            public var evaluationMissing: [String]
            public var stage: PatientStage
            public var payers: [PayerJudgement]
            public init(
                trd: Bool, adequate: Int, required: Int, trials: [TrialJudgement], strategies: [StrategyJudgement],
                evaluationComplete: Bool, evaluationMissing: [String], stage: PatientStage, payers: [PayerJudgement]
            ) {
                self.trd = trd
                self.adequate = adequate
                self.required = required
                self.trials = trials
                self.strategies = strategies
                self.evaluationComplete = evaluationComplete
                self.evaluationMissing = evaluationMissing
                self.stage = stage
                self.payers = payers
            }
        }
    }
}
