public import TMSCore
public import Varlink

// Sessions: the day's list, starting, completing, stopping short.

extension Clinic {
    /// What was delivered at a session, as the technician records it; what
    /// it leaves out, the daemon fills from the course's prescription.
    public struct DeliveryInput: Codable, Sendable, Equatable {
        public var motorThreshold: Double?
        public var intensityPercentMT: Double?
        public var frequencyHz: Double?
        public var pulsesPerTrain: Int?
        public var trainDurationSeconds: Double?
        public var interTrainIntervalSeconds: Double?
        public var trains: Int?
        public var pulsesDelivered: Int?
        public var coil: String?
        public var target: String?
        public var notes: String?

        /// Nothing said: the daemon fills every field. Set the fields the
        /// technician gives.
        public init() {}

        static let constraints: [String: Constraint] = [
            "motorThreshold": .float(1...100), "intensityPercentMT": .float(0...200, aboveLowest: true),
            "frequencyHz": .float(0...100, aboveLowest: true), "pulsesPerTrain": .int(1...10_000),
            "trainDurationSeconds": .float(0...3600, aboveLowest: true), "interTrainIntervalSeconds": .float(0...3600),
            "trains": .int(1...10_000), "pulsesDelivered": .int(0...100_000), "coil": .text(max: 100), "target": .text(max: 200),
            "notes": .note(max: 2000),
        ]
    }

    /// A delivery as stored: the domain's own, and `outputPercent`, intensity
    /// x threshold in % of machine output (to 0.01), written beside its fields.
    @dynamicMemberLookup
    public struct Delivery: Codable, Sendable, Equatable {
        public var delivery: TMSCore.Delivery
        public var outputPercent: Double { (delivery.outputPercent * 100).rounded() / 100 }

        public init(_ delivery: TMSCore.Delivery) { self.delivery = delivery }

        public subscript<T>(dynamicMember field: KeyPath<TMSCore.Delivery, T>) -> T { delivery[keyPath: field] }

        private enum Computed: String, CodingKey { case outputPercent }

        public init(from decoder: any Decoder) throws {
            delivery = try TMSCore.Delivery(from: decoder)
            _ = try decoder.container(keyedBy: Computed.self).decode(Double.self, forKey: .outputPercent)
        }

        public func encode(to encoder: any Encoder) throws {
            try delivery.encode(to: encoder)
            var computed = encoder.container(keyedBy: Computed.self)
            try computed.encode(outputPercent, forKey: .outputPercent)
        }
    }

    /// One booked session.
    public struct Session: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var patientId: Int
        public var number: Int
        public var total: Int
        public var phase: String
        public var date: CivilDate
        public var time: LocalTime
        public var scheduledAt: String
        public var status: SessionStatus
        public var startedAt: String?
        public var finishedAt: String?
        public var delivery: Delivery?
        public var pulsesDelivered: Int?
        public var reason: String?
        public var replaces: Int?
        public var replacedBy: Int?
        public var chair: String?
        public var minutes: Int?
        public var medications: String?

        public init(
            id: Int, courseId: Int, patientId: Int, number: Int, total: Int, phase: String, date: CivilDate, time: LocalTime,
            scheduledAt: String, status: SessionStatus, startedAt: String?, finishedAt: String?, delivery: Delivery?,
            pulsesDelivered: Int?, reason: String?, replaces: Int?, replacedBy: Int?, chair: String?, minutes: Int?,
            medications: String?
        ) {
            self.id = id
            self.courseId = courseId
            self.patientId = patientId
            self.number = number
            self.total = total
            self.phase = phase
            self.date = date
            self.time = time
            self.scheduledAt = scheduledAt
            self.status = status
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.delivery = delivery
            self.pulsesDelivered = pulsesDelivered
            self.reason = reason
            self.replaces = replaces
            self.replacedBy = replacedBy
            self.chair = chair
            self.minutes = minutes
            self.medications = medications
        }
    }

    /// A session on the day list, with the patient's name for the front desk.
    public struct DaySession: Codable, Sendable, Equatable {
        public var session: Session
        public var patientName: String
        public var protocolId: String

        public init(session: Session, patientName: String, protocolId: String) {
            self.session = session
            self.patientName = patientName
            self.protocolId = protocolId
        }
    }

    /// A session alone.
    public struct SessionReply: Codable, Sendable {
        public var session: Session
        public init(session: Session) { self.session = session }
    }

    /// A session that ended short, the one booked in its stead, and where the course stands.
    public struct Rebooked: Codable, Sendable {
        public var session: Session
        public var replacement: Session
        public var progress: Progress
        public var warnings: [String]

        public init(session: Session, replacement: Session, progress: Progress, warnings: [String]) {
            self.session = session
            self.replacement = replacement
            self.progress = progress
            self.warnings = warnings
        }
    }

    public enum ListSessions: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = OnDay
        public struct Output: Codable, Sendable {
            public var date: CivilDate
            public var sessions: [DaySession]
            public init(date: CivilDate, sessions: [DaySession]) {
                self.date = date
                self.sessions = sessions
            }
        }
    }

    public enum GetSession: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByID
        public struct Output: Codable, Sendable {
            public var session: Session
            public var findings: [Finding]
            public init(session: Session, findings: [Finding]) {
                self.session = session
                self.findings = findings
            }
        }
    }

    public enum StartSession: ClinicMethod {
        public typealias Input = ByID
        public struct Output: Codable, Sendable {
            public var session: Session
            /// What completing it will need a clinician's override for, as things stand.
            public var pending: [Finding]
            public init(session: Session, pending: [Finding]) {
                self.session = session
                self.pending = pending
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum CompleteSession: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var delivery: DeliveryInput?
            /// One reason without a rule, as clients before per-rule overrides sent it.
            public var override: String?
            public var overrides: [Override]?

            public init(id: Int, delivery: DeliveryInput? = nil, override: String? = nil, overrides: [Override]? = nil) {
                self.id = id
                self.delivery = delivery
                self.override = override
                self.overrides = overrides
            }

            public static var constraints: [String: Constraint] {
                var rules: [String: Constraint] = ["id": .id, "override": .text(max: 2000)]
                for (path, rule) in DeliveryInput.constraints { rules["delivery." + path] = rule }
                return rules.merging(overrideConstraints("overrides")) { $1 }
            }
        }
        public struct Output: Codable, Sendable {
            public var session: Session
            public var progress: Progress
            /// What the treatment went ahead with: warnings, and overrides with their reasons.
            public var findings: [Finding]
            public init(session: Session, progress: Progress, findings: [Finding]) {
                self.session = session
                self.progress = progress
                self.findings = findings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum AbortSession: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var pulsesDelivered: Int
            public var reason: String
            public init(id: Int, pulsesDelivered: Int, reason: String) {
                self.id = id
                self.pulsesDelivered = pulsesDelivered
                self.reason = reason
            }
            public static var constraints: [String: Constraint] {
                ["id": .id, "pulsesDelivered": .int(0...100_000), "reason": .text(max: 500)]
            }
        }
        public typealias Output = Rebooked
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    /// A session nobody came to by the day's close, and its replacement.
    public struct NoShow: Codable, Sendable {
        public var session: Session
        public var replacement: Session
        public init(session: Session, replacement: Session) {
            self.session = session
            self.replacement = replacement
        }
    }

    public enum CloseDay: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var date: CivilDate?
            public init(date: CivilDate? = nil) { self.date = date }
            public static var constraints: [String: Constraint] { ["date": .pastOrToday] }
        }
        public struct Output: Codable, Sendable {
            public var date: CivilDate
            public var noShows: [NoShow]
            public var warnings: [String]
            public init(date: CivilDate, noShows: [NoShow], warnings: [String]) {
                self.date = date
                self.noShows = noShows
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum MissSession: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var reason: String?
            public init(id: Int, reason: String? = nil) {
                self.id = id
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["id": .id, "reason": .note(max: 500)] }
        }
        public typealias Output = Rebooked
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }
}

// The day's list is the reply sent most: its types write their own JSON
// (see `JSONWritable`; WritersAgreeTests holds each equal to its Codable form).

extension Clinic.ListSessions.Output: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("date", date)
        object.member("sessions", sessions)
    }
}

extension Clinic.DaySession: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("session", session)
        object.member("patientName", patientName)
        object.member("protocolId", protocolId)
    }
}

extension Clinic.Session: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("id", id)
        object.member("courseId", courseId)
        object.member("patientId", patientId)
        object.member("number", number)
        object.member("total", total)
        object.member("phase", phase)
        object.member("date", date)
        object.member("time", time)
        object.member("scheduledAt", scheduledAt)
        object.member("status", status)
        object.member("startedAt", startedAt)
        object.member("finishedAt", finishedAt)
        object.member("delivery", delivery)
        object.member("pulsesDelivered", pulsesDelivered)
        object.member("reason", reason)
        object.member("replaces", replaces)
        object.member("replacedBy", replacedBy)
        object.member("chair", chair)
        object.member("minutes", minutes)
        object.member("medications", medications)
    }
}

extension Clinic.Delivery: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("motorThreshold", delivery.motorThreshold)
        object.member("intensityPercentMT", delivery.intensityPercentMT)
        object.member("frequencyHz", delivery.frequencyHz)
        object.member("pulsesPerTrain", delivery.pulsesPerTrain)
        object.member("trainDurationSeconds", delivery.trainDurationSeconds)
        object.member("interTrainIntervalSeconds", delivery.interTrainIntervalSeconds)
        object.member("trains", delivery.trains)
        object.member("pulsesDelivered", delivery.pulsesDelivered)
        object.member("coil", delivery.coil)
        object.member("target", delivery.target)
        object.member("notes", delivery.notes)
        object.member("outputPercent", outputPercent)
    }
}

// The durable write sent most, CompleteSession, answers with the same writers.

extension Clinic.CompleteSession.Output: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("session", session)
        object.member("progress", progress)
        object.member("findings", findings)
    }
}

extension Clinic.Progress: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("total", total)
        object.member("done", done)
        object.member("missed", missed)
        object.member("aborted", aborted)
        object.member("remaining", remaining)
        object.member("nextSessionId", nextSessionId)
        object.member("nextDate", nextDate)
        object.member("nextTime", nextTime)
    }
}

extension Clinic.Finding: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("rule", rule)
        object.member("severity", severity.rawValue)
        object.member("message", message)
        object.member("sessionId", sessionId)
        object.member("reason", reason)
        object.member("recordedBy", recordedBy)
        object.member("at", at)
    }
}
