public import TMSCore

// Safety: motor thresholds, adverse events and holds, the safety screen.

extension Clinic {
    /// A motor threshold measurement, in % of machine output.
    public struct Threshold: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var date: CivilDate
        public var method: ThresholdMethod
        public var muscle: String
        public var value: Double
        public var `operator`: String

        public init(id: Int, courseId: Int, date: CivilDate, method: ThresholdMethod, muscle: String, value: Double, operator: String) {
            self.id = id
            self.courseId = courseId
            self.date = date
            self.method = method
            self.muscle = muscle
            self.value = value
            self.operator = `operator`
        }
    }

    /// An adverse event; `held` says it put the course on hold.
    public struct AdverseEvent: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var sessionId: Int?
        public var kind: String
        public var severity: Severity
        public var date: CivilDate
        public var details: String
        public var held: Bool
        public var recordedBy: String

        public init(
            id: Int, courseId: Int, sessionId: Int?, kind: String, severity: Severity, date: CivilDate, details: String, held: Bool,
            recordedBy: String
        ) {
            self.id = id
            self.courseId = courseId
            self.sessionId = sessionId
            self.kind = kind
            self.severity = severity
            self.date = date
            self.details = details
            self.held = held
            self.recordedBy = recordedBy
        }
    }

    /// A safety screen question from the clinical data.
    public struct ScreenQuestion: Codable, Sendable, Equatable {
        public var id: String
        public var question: String
        public var contraindication: TMSCore.ScreenQuestion.Weight

        public init(id: String, question: String, contraindication: TMSCore.ScreenQuestion.Weight) {
            self.id = id
            self.question = question
            self.contraindication = contraindication
        }
    }

    /// A course's safety screen.
    public struct Screen: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var date: CivilDate
        public var answers: [String: Bool]
        public var result: ScreenResult
        public var findings: [String]
        public var recordedBy: String
        public var signedOffBy: String?
        public var signOffReason: String?

        public init(
            id: Int, courseId: Int, date: CivilDate, answers: [String: Bool], result: ScreenResult, findings: [String],
            recordedBy: String, signedOffBy: String?, signOffReason: String?
        ) {
            self.id = id
            self.courseId = courseId
            self.date = date
            self.answers = answers
            self.result = result
            self.findings = findings
            self.recordedBy = recordedBy
            self.signedOffBy = signedOffBy
            self.signOffReason = signOffReason
        }
    }

    public struct ScreenReply: Codable, Sendable {
        public var screen: Screen
        public init(screen: Screen) { self.screen = screen }
    }

    public enum RecordThreshold: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var date: CivilDate?
            public var time: LocalTime?
            public var method: ThresholdMethod
            public var muscle: String
            public var value: Double
            public init(courseId: Int, date: CivilDate? = nil, time: LocalTime? = nil, method: ThresholdMethod, muscle: String, value: Double) {
                self.courseId = courseId
                self.date = date
                self.time = time
                self.method = method
                self.muscle = muscle
                self.value = value
            }
            public static var constraints: [String: Constraint] {
                ["courseId": .id, "date": .pastOrToday, "muscle": .text(max: 100), "value": .float(1...100)]
            }
        }
        public struct Output: Codable, Sendable {
            public var threshold: Threshold
            public init(threshold: Threshold) { self.threshold = threshold }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListThresholds: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByCourse
        public struct Output: Codable, Sendable {
            public var thresholds: [Threshold]
            public var recheckDue: String?
            public init(thresholds: [Threshold], recheckDue: String?) {
                self.thresholds = thresholds
                self.recheckDue = recheckDue
            }
        }
    }

    public enum RecordAdverseEvent: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var sessionId: Int?
            public var kind: String
            public var severity: Severity
            public var date: CivilDate?
            public var time: LocalTime?
            public var details: String
            public init(
                courseId: Int, sessionId: Int? = nil, kind: String, severity: Severity, date: CivilDate? = nil, time: LocalTime? = nil,
                details: String
            ) {
                self.courseId = courseId
                self.sessionId = sessionId
                self.kind = kind
                self.severity = severity
                self.date = date
                self.time = time
                self.details = details
            }
            public static var constraints: [String: Constraint] {
                ["courseId": .id, "sessionId": .id, "kind": .text(max: 100), "date": .pastOrToday, "details": .text(max: 4000)]
            }
        }
        public struct Output: Codable, Sendable {
            public var event: AdverseEvent
            public var course: Course
            public init(event: AdverseEvent, course: Course) {
                self.event = event
                self.course = course
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListAdverseEvents: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByCourse
        public struct Output: Codable, Sendable {
            public var events: [AdverseEvent]
            public init(events: [AdverseEvent]) { self.events = events }
        }
    }

    public enum ResumeHeldCourse: ClinicMethod {
        public typealias Input = ByIDWithReason
        public typealias Output = CourseReply
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum ListScreenQuestions: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var questions: [ScreenQuestion]
            public init(questions: [ScreenQuestion]) { self.questions = questions }
        }
    }

    public enum RecordScreen: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var date: CivilDate?
            public var answers: [String: Bool]
            public init(courseId: Int, date: CivilDate? = nil, answers: [String: Bool]) {
                self.courseId = courseId
                self.date = date
                self.answers = answers
            }
            public static var constraints: [String: Constraint] { ["courseId": .id, "date": .pastOrToday] }
        }
        public typealias Output = ScreenReply
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum SignOffScreen: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var reason: String
            public init(courseId: Int, reason: String) {
                self.courseId = courseId
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["courseId": .id, "reason": .text(max: 2000)] }
        }
        public typealias Output = ScreenReply
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    /// A safety-screen finding that stands until a clinician clears it.
    public struct ScreenFinding: Codable, Sendable, Equatable {
        public var question: String
        public var contraindication: TMSCore.ScreenQuestion.Weight
        public var screen: Int
        public var date: CivilDate
        public var signedOff: Bool

        public init(question: String, contraindication: TMSCore.ScreenQuestion.Weight, screen: Int, date: CivilDate, signedOff: Bool) {
            self.question = question
            self.contraindication = contraindication
            self.screen = screen
            self.date = date
            self.signedOff = signedOff
        }
    }

    /// A course's latest screen, every screen, and the findings that stand.
    public struct ScreenHistory: Codable, Sendable {
        public var screen: Screen?
        public var history: [Screen]
        public var standing: [ScreenFinding]

        public init(screen: Screen?, history: [Screen], standing: [ScreenFinding]) {
            self.screen = screen
            self.history = history
            self.standing = standing
        }
    }

    public enum GetScreen: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByCourse
        public typealias Output = ScreenHistory
    }

    public enum ClearScreenFinding: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var question: String
            public var reason: String
            public init(courseId: Int, question: String, reason: String) {
                self.courseId = courseId
                self.question = question
                self.reason = reason
            }
            public static var constraints: [String: Constraint] {
                ["courseId": .id, "question": .text(max: 100), "reason": .text(max: 2000)]
            }
        }
        public typealias Output = ScreenHistory
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }
}
