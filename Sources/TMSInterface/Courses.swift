public import TMSCore

// Courses: prescribing, following, pausing and ending them.

extension Clinic {
    /// Where the coil goes, and how the site was found: the domain's own type.
    public typealias Target = TargetSite

    /// A course of treatment: one protocol, prescribed for one patient. On
    /// the wire its dose's fields stand beside the others (the IDL's
    /// `Course`); in Swift they are the domain's `PrescribedDose`.
    @dynamicMemberLookup
    public struct Course: Codable, Sendable, Equatable {
        public struct Prescription: Codable, Sendable, Equatable {
            public var id: Int
            public var patientId: Int
            public var protocolId: String
            public var protocolName: String
            public var status: CourseStatus
            public var statusReason: String?
            public var startDate: CivilDate
            public var sessionTime: LocalTime
            public var timeZone: String
            public var prescriber: String
            public var target: Target
            public var sessionsPerDay: Int
            public var totalSessions: Int
            public var phases: [Phase]
            public var createdAt: String

            public init(
                id: Int, patientId: Int, protocolId: String, protocolName: String, status: CourseStatus, statusReason: String?,
                startDate: CivilDate, sessionTime: LocalTime, timeZone: String, prescriber: String, target: Target,
                sessionsPerDay: Int, totalSessions: Int, phases: [Phase], createdAt: String
            ) {
                self.id = id
                self.patientId = patientId
                self.protocolId = protocolId
                self.protocolName = protocolName
                self.status = status
                self.statusReason = statusReason
                self.startDate = startDate
                self.sessionTime = sessionTime
                self.timeZone = timeZone
                self.prescriber = prescriber
                self.target = target
                self.sessionsPerDay = sessionsPerDay
                self.totalSessions = totalSessions
                self.phases = phases
                self.createdAt = createdAt
            }
        }

        public var prescription: Prescription
        public var dose: PrescribedDose

        public init(_ prescription: Prescription, dose: PrescribedDose) {
            self.prescription = prescription
            self.dose = dose
        }

        public subscript<T>(dynamicMember field: KeyPath<Prescription, T>) -> T { prescription[keyPath: field] }
        public subscript<T>(dynamicMember field: KeyPath<PrescribedDose, T>) -> T { dose[keyPath: field] }

        public init(from decoder: any Decoder) throws {
            prescription = try Prescription(from: decoder)
            dose = try PrescribedDose(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try prescription.encode(to: encoder)
            try dose.encode(to: encoder)
        }
    }

    /// Where a course stands.
    public struct Progress: Codable, Sendable, Equatable {
        public var total: Int
        public var done: Int
        public var missed: Int
        public var aborted: Int
        public var remaining: Int
        public var nextSessionId: Int?
        public var nextDate: CivilDate?
        public var nextTime: LocalTime?

        public init(
            total: Int, done: Int, missed: Int, aborted: Int, remaining: Int, nextSessionId: Int?, nextDate: CivilDate?,
            nextTime: LocalTime?
        ) {
            self.total = total
            self.done = done
            self.missed = missed
            self.aborted = aborted
            self.remaining = remaining
            self.nextSessionId = nextSessionId
            self.nextDate = nextDate
            self.nextTime = nextTime
        }
    }

    /// A course with its progress, its whole calendar, and the findings its treatment went ahead with.
    public struct CourseCalendar: Codable, Sendable {
        public var course: Course
        public var progress: Progress
        public var sessions: [Session]
        public var findings: [Finding]

        public init(course: Course, progress: Progress, sessions: [Session], findings: [Finding]) {
            self.course = course
            self.progress = progress
            self.sessions = sessions
            self.findings = findings
        }
    }

    /// A course alone.
    public struct CourseReply: Codable, Sendable {
        public var course: Course
        public init(course: Course) { self.course = course }
    }

    /// A record named by its id, and why.
    public struct ByIDWithReason: ClinicInput, Equatable {
        public var id: Int
        public var reason: String
        public init(id: Int, reason: String) {
            self.id = id
            self.reason = reason
        }
        public static var constraints: [String: Constraint] { ["id": .id, "reason": .text(max: 2000)] }
    }

    static let targetConstraints: [String: Constraint] = [
        "label": .text(max: 200), "x": .float(-1000...1000), "y": .float(-1000...1000), "z": .float(-1000...1000),
        "coordinateSystem": .text(max: 50),
    ]

    public enum CreateCourse: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int
            public var protocolId: String
            public var startDate: CivilDate
            public var prescriber: String
            public var target: Target
            public var intensityPercentMT: Double?
            public var sessionTime: LocalTime?
            /// One reason without a rule, as clients before per-rule overrides sent it.
            public var override: String?
            public var overrides: [Override]?

            public init(
                patientId: Int, protocolId: String, startDate: CivilDate, prescriber: String, target: Target,
                intensityPercentMT: Double? = nil, sessionTime: LocalTime? = nil, override: String? = nil,
                overrides: [Override]? = nil
            ) {
                self.patientId = patientId
                self.protocolId = protocolId
                self.startDate = startDate
                self.prescriber = prescriber
                self.target = target
                self.intensityPercentMT = intensityPercentMT
                self.sessionTime = sessionTime
                self.override = override
                self.overrides = overrides
            }

            public static var constraints: [String: Constraint] {
                var rules: [String: Constraint] = [
                    "patientId": .id, "protocolId": .text(max: 100), "startDate": .date(daysAhead: 366, daysBack: 7),
                    "prescriber": .text(max: 200), "intensityPercentMT": .float(0...200, aboveLowest: true),
                    "override": .text(max: 2000),
                ]
                for (path, rule) in targetConstraints { rules["target." + path] = rule }
                return rules.merging(overrideConstraints("overrides")) { $1 }
            }
        }
        public typealias Output = CourseCalendar
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum GetCourse: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByID
        public typealias Output = CourseCalendar
    }

    public enum ListCourses: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var patientId: Int?
            public var status: CourseStatus?
            public init(patientId: Int? = nil, status: CourseStatus? = nil) {
                self.patientId = patientId
                self.status = status
            }
            public static var constraints: [String: Constraint] {
                ["patientId": .id, "status": .oneOf(CourseStatus.allCases.map(\.rawValue))]
            }
        }
        public struct Output: Codable, Sendable {
            public var courses: [Course]
            public init(courses: [Course]) { self.courses = courses }
        }
    }

    public enum CancelCourse: ClinicMethod {
        public typealias Input = ByIDWithReason
        public typealias Output = CourseReply
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum PauseCourse: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var from: CivilDate
            public init(id: Int, from: CivilDate) {
                self.id = id
                self.from = from
            }
            public static var constraints: [String: Constraint] { ["id": .id] }
        }
        public struct Output: Codable, Sendable {
            public var course: Course
            public var progress: Progress
            public init(course: Course, progress: Progress) {
                self.course = course
                self.progress = progress
            }
        }
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum ResumeCourse: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var on: CivilDate
            public init(id: Int, on: CivilDate) {
                self.id = id
                self.on = on
            }
            public static var constraints: [String: Constraint] { ["id": .id] }
        }
        public struct Output: Codable, Sendable {
            public var course: Course
            public var progress: Progress
            public var sessions: [Session]
            public var warnings: [String]
            public init(course: Course, progress: Progress, sessions: [Session], warnings: [String]) {
                self.course = course
                self.progress = progress
                self.sessions = sessions
                self.warnings = warnings
            }
        }
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }

    public enum ChangePreferredTime: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var time: LocalTime
            public var from: CivilDate
            public init(id: Int, time: LocalTime, from: CivilDate) {
                self.id = id
                self.time = time
                self.from = from
            }
            public static var constraints: [String: Constraint] { ["id": .id] }
        }
        public struct Output: Codable, Sendable {
            public var course: Course
            public var moved: [Move]
            public var warnings: [String]
            public init(course: Course, moved: [Move], warnings: [String]) {
                self.course = course
                self.moved = moved
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }
}
