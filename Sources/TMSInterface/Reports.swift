public import TMSCore

// Payers' authorizations, the nightly report and the course summary.

extension Clinic {
    /// An extension of an authorization.
    public struct AuthorizationExtension: Codable, Sendable, Equatable {
        public var sessions: Int
        public var to: CivilDate?
        public var reason: String
        public var recordedBy: String
        public var at: String

        public init(sessions: Int, to: CivilDate?, reason: String, recordedBy: String, at: String) {
            self.sessions = sessions
            self.to = to
            self.reason = reason
            self.recordedBy = recordedBy
            self.at = at
        }
    }

    /// A payer's prior authorization for a course, every extension included.
    public struct Authorization: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var payer: String
        public var reference: String
        public var sessions: Int
        public var from: CivilDate
        public var to: CivilDate
        public var recordedBy: String
        public var extensions: [AuthorizationExtension]

        public init(
            id: Int, courseId: Int, payer: String, reference: String, sessions: Int, from: CivilDate, to: CivilDate,
            recordedBy: String, extensions: [AuthorizationExtension]
        ) {
            self.id = id
            self.courseId = courseId
            self.payer = payer
            self.reference = reference
            self.sessions = sessions
            self.from = from
            self.to = to
            self.recordedBy = recordedBy
            self.extensions = extensions
        }
    }

    /// A course against its authorizations.
    public struct AuthorizationUse: Codable, Sendable, Equatable {
        public var authorized: Int
        public var used: Int
        public var booked: Int
        public var expires: CivilDate?
        public var nearlyUsed: Bool

        public init(authorized: Int, used: Int, booked: Int, expires: CivilDate?, nearlyUsed: Bool) {
            self.authorized = authorized
            self.used = used
            self.booked = booked
            self.expires = expires
            self.nearlyUsed = nearlyUsed
        }
    }

    /// One session on the daily report.
    public struct ReportSession: Codable, Sendable, Equatable {
        public var session: Int
        public var course: Int
        public var patient: String
        public var `protocol`: String
        public var number: Int
        public var total: Int
        public var time: LocalTime
        public var chair: String?
        public var status: SessionStatus
        public var reason: String?
        public var pulsesDelivered: Int?
        public var pulsesPrescribed: Int
        public var cpt: String?

        public init(
            session: Int, course: Int, patient: String, protocol: String, number: Int, total: Int, time: LocalTime,
            chair: String?, status: SessionStatus, reason: String?, pulsesDelivered: Int?, pulsesPrescribed: Int, cpt: String?
        ) {
            self.session = session
            self.course = course
            self.patient = patient
            self.protocol = `protocol`
            self.number = number
            self.total = total
            self.time = time
            self.chair = chair
            self.status = status
            self.reason = reason
            self.pulsesDelivered = pulsesDelivered
            self.pulsesPrescribed = pulsesPrescribed
            self.cpt = cpt
        }
    }

    /// A line of the report about a course (or, for medications, a patient).
    public struct ReportNote: Codable, Sendable, Equatable {
        public var course: Int?
        public var patient: String
        public var detail: String

        public init(course: Int?, patient: String, detail: String) {
            self.course = course
            self.patient = patient
            self.detail = detail
        }
    }

    /// A course's authorization use on the daily report.
    public struct ReportAuthorization: Codable, Sendable, Equatable {
        public var course: Int
        public var patient: String
        public var payer: String
        public var reference: String
        public var used: Int
        public var authorized: Int
        public var booked: Int
        public var expires: CivilDate?
        public var warnings: [String]

        public init(
            course: Int, patient: String, payer: String, reference: String, used: Int, authorized: Int, booked: Int,
            expires: CivilDate?, warnings: [String]
        ) {
            self.course = course
            self.patient = patient
            self.payer = payer
            self.reference = reference
            self.used = used
            self.authorized = authorized
            self.booked = booked
            self.expires = expires
            self.warnings = warnings
        }
    }

    /// A delivered session's CPT code.
    public struct BilledSession: Codable, Sendable, Equatable {
        public var session: Int
        public var date: CivilDate
        public var cpt: String

        public init(session: Int, date: CivilDate, cpt: String) {
            self.session = session
            self.date = date
            self.cpt = cpt
        }
    }

    /// An authorization as it stands after a change, the course's use and warnings.
    public struct AuthorizationChange: Codable, Sendable {
        public var authorization: Authorization
        public var use: AuthorizationUse
        public var warnings: [String]

        public init(authorization: Authorization, use: AuthorizationUse, warnings: [String]) {
            self.authorization = authorization
            self.use = use
            self.warnings = warnings
        }
    }

    /// A course's authorizations, their use and warnings.
    public struct AuthorizationList: Codable, Sendable {
        public var authorizations: [Authorization]
        public var use: AuthorizationUse
        public var warnings: [String]

        public init(authorizations: [Authorization], use: AuthorizationUse, warnings: [String]) {
            self.authorizations = authorizations
            self.use = use
            self.warnings = warnings
        }
    }

    public enum AddAuthorization: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var payer: String
            public var reference: String
            public var sessions: Int
            public var from: CivilDate
            public var to: CivilDate
            public init(courseId: Int, payer: String, reference: String, sessions: Int, from: CivilDate, to: CivilDate) {
                self.courseId = courseId
                self.payer = payer
                self.reference = reference
                self.sessions = sessions
                self.from = from
                self.to = to
            }
            public static var constraints: [String: Constraint] {
                ["courseId": .id, "payer": .text(max: 100), "reference": .text(max: 100), "sessions": .int(1...200)]
            }
        }
        public typealias Output = AuthorizationChange
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ExtendAuthorization: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var sessions: Int
            public var to: CivilDate?
            public var reason: String
            public init(id: Int, sessions: Int, to: CivilDate? = nil, reason: String) {
                self.id = id
                self.sessions = sessions
                self.to = to
                self.reason = reason
            }
            public static var constraints: [String: Constraint] {
                ["id": .id, "sessions": .int(0...200), "reason": .text(max: 500)]
            }
        }
        public typealias Output = AuthorizationChange
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListAuthorizations: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByCourse
        public typealias Output = AuthorizationList
    }

    public enum GetDailyReport: ClinicMethod {
        public typealias Input = OnDay
        public struct Output: Codable, Sendable {
            public var clinic: String
            public var date: CivilDate
            public var tomorrow: CivilDate
            public var sessions: [ReportSession]
            public var done: Int
            public var missed: Int
            public var aborted: Int
            public var open: Int
            public var pulsesDelivered: Int
            public var pulsesPrescribed: Int
            public var tomorrowSessions: [ReportSession]
            public var recheckDue: [ReportNote]
            public var adverseEvents: [ReportNote]
            public var openAlerts: [ReportNote]
            public var onHold: [ReportNote]
            public var medicationChanges: [ReportNote]
            public var endingThisWeek: [ReportNote]
            public var authorizations: [ReportAuthorization]
            /// The day's overrides and warnings from the treatment gate.
            public var findings: [ReportNote]
            /// The day's no-shows, to follow up: where each was re-booked, and a
            /// course's repeated no-shows flagged.
            public var noShows: [ReportNote]
            /// The change log's newest entry when the report was made.
            public var auditHead: AuditHead?

            public init(
                clinic: String, date: CivilDate, tomorrow: CivilDate, sessions: [ReportSession], done: Int, missed: Int,
                aborted: Int, open: Int, pulsesDelivered: Int, pulsesPrescribed: Int, tomorrowSessions: [ReportSession],
                recheckDue: [ReportNote], adverseEvents: [ReportNote], openAlerts: [ReportNote], onHold: [ReportNote],
                medicationChanges: [ReportNote], endingThisWeek: [ReportNote], authorizations: [ReportAuthorization],
                findings: [ReportNote], noShows: [ReportNote], auditHead: AuditHead? = nil
            ) {
                self.clinic = clinic
                self.date = date
                self.tomorrow = tomorrow
                self.sessions = sessions
                self.done = done
                self.missed = missed
                self.aborted = aborted
                self.open = open
                self.pulsesDelivered = pulsesDelivered
                self.pulsesPrescribed = pulsesPrescribed
                self.tomorrowSessions = tomorrowSessions
                self.recheckDue = recheckDue
                self.adverseEvents = adverseEvents
                self.openAlerts = openAlerts
                self.onHold = onHold
                self.medicationChanges = medicationChanges
                self.endingThisWeek = endingThisWeek
                self.authorizations = authorizations
                self.findings = findings
                self.noShows = noShows
                self.auditHead = auditHead
            }
        }
    }

    public enum GetCourseSummary: ClinicMethod {
        public typealias Input = ByID
        public struct Output: Codable, Sendable {
            public var clinic: String
            public var patient: String
            public var birthDate: CivilDate?
            public var mrn: String?
            public var course: Course
            public var progress: Progress
            public var thresholds: [Threshold]
            public var sessions: [Session]
            public var medications: [Medication]
            public var trajectories: [Trajectory]
            public var events: [AdverseEvent]
            public var authorizations: [Authorization]
            public var use: AuthorizationUse
            public var billing: [BilledSession]
            public var findings: [Finding]

            public init(
                clinic: String, patient: String, birthDate: CivilDate?, mrn: String?, course: Course, progress: Progress,
                thresholds: [Threshold], sessions: [Session], medications: [Medication], trajectories: [Trajectory],
                events: [AdverseEvent], authorizations: [Authorization], use: AuthorizationUse, billing: [BilledSession],
                findings: [Finding]
            ) {
                self.clinic = clinic
                self.patient = patient
                self.birthDate = birthDate
                self.mrn = mrn
                self.course = course
                self.progress = progress
                self.thresholds = thresholds
                self.sessions = sessions
                self.medications = medications
                self.trajectories = trajectories
                self.events = events
                self.authorizations = authorizations
                self.use = use
                self.billing = billing
                self.findings = findings
            }
        }
    }
}
