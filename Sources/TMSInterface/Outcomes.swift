public import TMSCore
public import Varlink

// Outcome scales, scores and the alerts they raise.

extension Clinic {
    /// An outcome scale from the clinical data.
    public struct Scale: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var minimum: Int
        public var maximum: Int
        public var items: Int?
        public var itemMaximum: Int?
        public var remissionAtMost: Int
        public var responseDrop: Double
        public var alertItem: Int?

        public init(
            id: String, name: String, minimum: Int, maximum: Int, items: Int?, itemMaximum: Int?, remissionAtMost: Int,
            responseDrop: Double, alertItem: Int?
        ) {
            self.id = id
            self.name = name
            self.minimum = minimum
            self.maximum = maximum
            self.items = items
            self.itemMaximum = itemMaximum
            self.remissionAtMost = remissionAtMost
            self.responseDrop = responseDrop
            self.alertItem = alertItem
        }
    }

    /// One score.
    public struct Outcome: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var scale: String
        public var timepoint: Timepoint
        public var date: CivilDate
        public var total: Int
        public var items: [Int]?
        public var recordedBy: String

        public init(
            id: Int, courseId: Int, scale: String, timepoint: Timepoint, date: CivilDate, total: Int, items: [Int]?,
            recordedBy: String
        ) {
            self.id = id
            self.courseId = courseId
            self.scale = scale
            self.timepoint = timepoint
            self.date = date
            self.total = total
            self.items = items
            self.recordedBy = recordedBy
        }
    }

    /// A scale's scores in a course, with its verdicts.
    public struct Trajectory: Codable, Sendable, Equatable {
        public var scale: Scale
        public var points: [Outcome]
        public var baseline: Int?
        public var latest: Int?
        /// Nil when there is no baseline, or no later score, to judge.
        public var response: Bool?
        public var remission: Bool

        public init(scale: Scale, points: [Outcome], baseline: Int?, latest: Int?, response: Bool?, remission: Bool) {
            self.scale = scale
            self.points = points
            self.baseline = baseline
            self.latest = latest
            self.response = response
            self.remission = remission
        }
    }

    /// Something a clinician must see; open until acknowledged.
    public struct Alert: Codable, Sendable, Equatable {
        public var id: Int
        public var courseId: Int
        public var patientId: Int
        public var kind: String
        public var detail: String
        public var createdAt: String
        public var acknowledgedAt: String?
        public var acknowledgedBy: String?
        public var note: String?

        public init(
            id: Int, courseId: Int, patientId: Int, kind: String, detail: String, createdAt: String, acknowledgedAt: String?,
            acknowledgedBy: String?, note: String?
        ) {
            self.id = id
            self.courseId = courseId
            self.patientId = patientId
            self.kind = kind
            self.detail = detail
            self.createdAt = createdAt
            self.acknowledgedAt = acknowledgedAt
            self.acknowledgedBy = acknowledgedBy
            self.note = note
        }
    }

    public enum ListScales: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var scales: [Scale]
            public init(scales: [Scale]) { self.scales = scales }
        }
    }

    public enum RecordOutcome: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int
            public var scale: String
            public var timepoint: Timepoint
            public var date: CivilDate?
            public var total: Int?
            public var items: [Int]?

            public init(courseId: Int, scale: String, timepoint: Timepoint, date: CivilDate? = nil, total: Int? = nil, items: [Int]? = nil) {
                self.courseId = courseId
                self.scale = scale
                self.timepoint = timepoint
                self.date = date
                self.total = total
                self.items = items
            }

            public static var constraints: [String: Constraint] {
                ["courseId": .id, "scale": .text(max: 100), "date": .pastOrToday, "total": .int(-1000...1000),
                 "items[]": .int(-1000...1000)]
            }
        }
        public struct Output: Codable, Sendable {
            public var outcome: Outcome
            public var alert: Alert?
            public init(outcome: Outcome, alert: Alert?) {
                self.outcome = outcome
                self.alert = alert
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum GetOutcomes: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByCourse
        public struct Output: Codable, Sendable {
            public var trajectories: [Trajectory]
            public init(trajectories: [Trajectory]) { self.trajectories = trajectories }
        }
    }

    public enum ListAlerts: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var all: Bool?
            public init(all: Bool? = nil) { self.all = all }
        }
        public struct Output: Codable, Sendable {
            public var alerts: [Alert]
            public init(alerts: [Alert]) { self.alerts = alerts }
        }
    }

    public enum AcknowledgeAlert: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var note: String
            public init(id: Int, note: String) {
                self.id = id
                self.note = note
            }
            public static var constraints: [String: Constraint] { ["id": .id, "note": .text(max: 2000)] }
        }
        public struct Output: Codable, Sendable {
            public var alert: Alert
            public init(alert: Alert) { self.alert = alert }
        }
        public static var role: Role? { .clinician }
        public static var writes: Bool { true }
    }
}

// The durable writes made most after CompleteSession, a score and a new
// patient, answer with their own JSON too (WritersAgreeTests holds each
// equal to its Codable form).

extension Clinic.RecordOutcome.Output: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("outcome", outcome)
        object.member("alert", alert)
    }
}

extension Clinic.Outcome: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("id", id)
        object.member("courseId", courseId)
        object.member("scale", scale)
        object.member("timepoint", timepoint)
        object.member("date", date)
        object.member("total", total)
        object.member("items", items)
        object.member("recordedBy", recordedBy)
    }
}

extension Clinic.Alert: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("id", id)
        object.member("courseId", courseId)
        object.member("patientId", patientId)
        object.member("kind", kind)
        object.member("detail", detail)
        object.member("createdAt", createdAt)
        object.member("acknowledgedAt", acknowledgedAt)
        object.member("acknowledgedBy", acknowledgedBy)
        object.member("note", note)
    }
}
