public import TMSCore
public import Varlink

// The path before a course: referral, consultation, the pre-TMS evaluation,
// medication strategies, and the patient's history.

extension Clinic {
    public typealias Referral = TMSCore.Referral
    public typealias Consultation = TMSCore.Consultation
    public typealias EvaluationItem = TMSCore.EvaluationItem
    public typealias EvaluationEntry = TMSCore.EvaluationEntry
    public typealias Strategy = TMSCore.Strategy

    public enum RecordReferral: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var referredBy: String
            public var date: CivilDate?
            public var reason: String
            public init(patientId: Int, referredBy: String, date: CivilDate? = nil, reason: String) {
                self.patientId = patientId
                self.referredBy = referredBy
                self.date = date
                self.reason = reason
            }
            public static var constraints: [String: Constraint] {
                ["patientId": .id, "referredBy": .text(max: 200), "date": .pastOrToday, "reason": .text(max: 2000)]
            }
        }
        public struct Output: Codable, Sendable {
            public var referral: Referral
            public init(referral: Referral) { self.referral = referral }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    /// A consultation, and the stage its patient is at.
    public struct ConsultationReply: Codable, Sendable {
        public var consultation: Consultation
        public var stage: PatientStage
        public init(consultation: Consultation, stage: PatientStage) {
            self.consultation = consultation
            self.stage = stage
        }
    }

    public enum BookConsultation: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var clinician: String
            public var room: String?
            public var date: CivilDate
            public var time: LocalTime
            public var minutes: Int?
            public init(patientId: Int, clinician: String, room: String? = nil, date: CivilDate, time: LocalTime, minutes: Int? = nil) {
                self.patientId = patientId
                self.clinician = clinician
                self.room = room
                self.date = date
                self.time = time
                self.minutes = minutes
            }
            public static var constraints: [String: Constraint] {
                ["patientId": .id, "clinician": .text(max: 100), "room": .text(max: 40), "date": .date(daysAhead: 366),
                 "minutes": .int(10...240)]
            }
        }
        public typealias Output = ConsultationReply
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum RecordConsultationOutcome: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var outcome: ConsultationOutcome
            public var note: String?
            public init(id: Int, outcome: ConsultationOutcome, note: String? = nil) {
                self.id = id
                self.outcome = outcome
                self.note = note
            }
            public static var constraints: [String: Constraint] { ["id": .id, "note": .note(max: 2000)] }
        }
        public typealias Output = ConsultationReply
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum ListConsultations: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var date: CivilDate?
            public var patientId: Int?
            public init(date: CivilDate? = nil, patientId: Int? = nil) {
                self.date = date
                self.patientId = patientId
            }
            public static var constraints: [String: Constraint] { ["patientId": .id] }
        }
        public struct Output: Codable, Sendable {
            public var consultations: [Consultation]
            public init(consultations: [Consultation]) { self.consultations = consultations }
        }
    }

    public enum RecordEvaluationItem: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var item: String
            public var result: String
            public var instrument: String?
            public var score: Double?
            public var detail: String?
            public var date: CivilDate?
            public init(
                patientId: Int, item: String, result: String, instrument: String? = nil, score: Double? = nil, detail: String? = nil,
                date: CivilDate? = nil
            ) {
                self.patientId = patientId
                self.item = item
                self.result = result
                self.instrument = instrument
                self.score = score
                self.detail = detail
                self.date = date
            }
            public static var constraints: [String: Constraint] {
                ["patientId": .id, "item": .text(max: 60), "result": .text(max: 60), "instrument": .text(max: 60),
                 "score": .float(-1_000_000...1_000_000), "detail": .note(max: 2000), "date": .pastOrToday]
            }
        }
        public struct Output: Codable, Sendable {
            public var entry: EvaluationEntry
            public var complete: Bool
            public var missing: [String]
            public init(entry: EvaluationEntry, complete: Bool, missing: [String]) {
                self.entry = entry
                self.complete = complete
                self.missing = missing
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    /// An evaluation item and its latest entry, if recorded.
    public struct EvaluationLine: Codable, Sendable {
        public var item: EvaluationItem
        public var entry: EvaluationEntry?
        public init(item: EvaluationItem, entry: EvaluationEntry?) {
            self.item = item
            self.entry = entry
        }
    }

    public enum GetEvaluation: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByPatient
        public struct Output: Codable, Sendable {
            public var complete: Bool
            public var missing: [String]
            public var items: [EvaluationLine]
            public var history: [EvaluationEntry]
            public init(complete: Bool, missing: [String], items: [EvaluationLine], history: [EvaluationEntry]) {
                self.complete = complete
                self.missing = missing
                self.items = items
                self.history = history
            }
        }
    }

    public enum RecordStrategy: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var kind: Strategy.Kind
            public var base: String
            public var drug: String
            public var startDate: CivilDate
            public var stopDate: CivilDate?
            public var doseSteps: [Strategy.DoseStep]
            public var sideEffects: [Strategy.SideEffect]?
            public var adherence: Trial.Adherence?
            public var outcome: Trial.Outcome?
            public var reasonStopped: String?
            public init(
                patientId: Int, kind: Strategy.Kind, base: String, drug: String, startDate: CivilDate, stopDate: CivilDate? = nil,
                doseSteps: [Strategy.DoseStep], sideEffects: [Strategy.SideEffect]? = nil, adherence: Trial.Adherence? = nil,
                outcome: Trial.Outcome? = nil, reasonStopped: String? = nil
            ) {
                self.patientId = patientId
                self.kind = kind
                self.base = base
                self.drug = drug
                self.startDate = startDate
                self.stopDate = stopDate
                self.doseSteps = doseSteps
                self.sideEffects = sideEffects
                self.adherence = adherence
                self.outcome = outcome
                self.reasonStopped = reasonStopped
            }
            public static var constraints: [String: Constraint] {
                ["patientId": .id, "base": .text(max: 100), "drug": .text(max: 100), "startDate": .date(daysAhead: 0, from: 1950),
                 "stopDate": .pastOrToday, "doseSteps[].date": .pastOrToday, "doseSteps[].dose": .float(0...1_000_000, aboveLowest: true),
                 "doseSteps[].unit": .text(max: 20), "sideEffects[].effect": .text(max: 200), "reasonStopped": .text(max: 2000)]
            }
        }
        public struct Output: Codable, Sendable {
            public var strategy: Strategy
            public var warnings: [String]
            public init(strategy: Strategy, warnings: [String]) {
                self.strategy = strategy
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum StopStrategy: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var date: CivilDate?
            public var outcome: Trial.Outcome
            public var reason: String
            public init(id: Int, date: CivilDate? = nil, outcome: Trial.Outcome, reason: String) {
                self.id = id
                self.date = date
                self.outcome = outcome
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["id": .id, "date": .pastOrToday, "reason": .text(max: 2000)] }
        }
        public struct Output: Codable, Sendable {
            public var strategy: Strategy
            public init(strategy: Strategy) { self.strategy = strategy }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListStrategies: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByPatient
        public struct Output: Codable, Sendable {
            public var strategies: [Strategy]
            public init(strategies: [Strategy]) { self.strategies = strategies }
        }
    }

    /// A strategy judged: whether it is adequate, whether it counts toward TRD, and why.
    public struct StrategyJudgement: Codable, Sendable, Equatable {
        public var strategy: Int
        public var kind: Strategy.Kind
        public var adequate: Bool
        public var counts: Bool
        public var reason: String
        public init(strategy: Int, kind: Strategy.Kind, adequate: Bool, counts: Bool, reason: String) {
            self.strategy = strategy
            self.kind = kind
            self.adequate = adequate
            self.counts = counts
            self.reason = reason
        }
    }

    /// A score on a patient's timeline.
    public struct HistoryScore: Codable, Sendable, Equatable {
        public var courseId: Int
        public var scale: String
        public var date: CivilDate
        public var total: Int
        public init(courseId: Int, scale: String, date: CivilDate, total: Int) {
            self.courseId = courseId
            self.scale = scale
            self.date = date
            self.total = total
        }
    }

    /// A course on a patient's timeline, and the day of its last session (given, or booked).
    public struct HistoryCourse: Codable, Sendable {
        public var course: Course
        public var lastDate: CivilDate?
        public init(course: Course, lastDate: CivilDate?) {
            self.course = course
            self.lastDate = lastDate
        }
    }

    public enum GetHistory: ClinicMethod {
        public typealias Input = ByPatient
        public struct Output: Codable, Sendable {
            public var patientId: Int
            /// Today in the clinic's zone, where a strategy or a course under way reaches.
            public var today: CivilDate
            public var stage: PatientStage
            public var referrals: [Referral]
            public var consultations: [Consultation]
            public var strategies: [Strategy]
            public var evaluation: [EvaluationEntry]
            public var courses: [HistoryCourse]
            public var scores: [HistoryScore]
            public init(
                patientId: Int, today: CivilDate, stage: PatientStage, referrals: [Referral], consultations: [Consultation], strategies: [Strategy],
                evaluation: [EvaluationEntry], courses: [HistoryCourse], scores: [HistoryScore]
            ) {
                self.patientId = patientId
                self.today = today
                self.stage = stage
                self.referrals = referrals
                self.consultations = consultations
                self.strategies = strategies
                self.evaluation = evaluation
                self.courses = courses
                self.scores = scores
            }
        }
    }

    public enum ExportFHIR: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var courseId: Int?
            public init(patientId: Int, courseId: Int? = nil) {
                self.patientId = patientId
                self.courseId = courseId
            }
            public static var constraints: [String: Constraint] { ["patientId": .id, "courseId": .id] }
        }
        public struct Output: Codable, Sendable {
            /// A FHIR R4 Bundle, as FHIR JSON.
            public var bundle: JSON
            public init(bundle: JSON) { self.bundle = bundle }
        }
    }
}
