public import TMSCore

// Booking: the front desk's day, moving sessions, chairs out of service.

extension Clinic {
    /// A session that moved: from where, to where.
    public struct Move: Codable, Sendable, Equatable {
        public var session: Int
        public var courseId: Int
        public var fromDate: CivilDate
        public var fromTime: LocalTime
        public var toDate: CivilDate
        public var toTime: LocalTime
        public var chair: String?

        public init(
            session: Int, courseId: Int, fromDate: CivilDate, fromTime: LocalTime, toDate: CivilDate, toTime: LocalTime,
            chair: String?
        ) {
            self.session = session
            self.courseId = courseId
            self.fromDate = fromDate
            self.fromTime = fromTime
            self.toDate = toDate
            self.toTime = toTime
            self.chair = chair
        }
    }

    /// A chair on a day: its coils and free time (`HH:MM-HH:MM` ranges).
    public struct ChairDay: Codable, Sendable, Equatable {
        public var chair: String
        public var coils: [String]
        public var free: [String]
        public var outOfService: String?

        public init(chair: String, coils: [String], free: [String], outOfService: String?) {
            self.chair = chair
            self.coils = coils
            self.free = free
            self.outOfService = outOfService
        }
    }

    public enum GetDaySchedule: ClinicMethod {
        public static var quick: Bool { true }
        /// `tmsctl board --watch`: the board again after each change.
        public static var streams: Bool { true }
        public typealias Input = OnDay
        public struct Output: Codable, Sendable {
            public var date: CivilDate
            /// Opening hours, `HH:MM-HH:MM`.
            public var open: [String]
            public var chairs: [ChairDay]
            public var sessions: [DaySession]
            /// The clinic's wall-clock time, when `date` is today.
            public var now: LocalTime?
            /// The day's consultations, by time.
            public var consultations: [Consultation]
            public init(
                date: CivilDate, open: [String], chairs: [ChairDay], sessions: [DaySession], now: LocalTime? = nil,
                consultations: [Consultation] = []
            ) {
                self.date = date
                self.open = open
                self.chairs = chairs
                self.sessions = sessions
                self.now = now
                self.consultations = consultations
            }
        }
    }

    public enum PostponeSession: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var reason: String
            public init(id: Int, reason: String) {
                self.id = id
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["id": .id, "reason": .text(max: 500)] }
        }
        public struct Output: Codable, Sendable {
            public var session: Session
            public var moved: [Move]
            public var warnings: [String]
            public init(session: Session, moved: [Move], warnings: [String]) {
                self.session = session
                self.moved = moved
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum RescheduleSession: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var date: CivilDate
            public var time: LocalTime?
            public var chair: String?
            public init(id: Int, date: CivilDate, time: LocalTime? = nil, chair: String? = nil) {
                self.id = id
                self.date = date
                self.time = time
                self.chair = chair
            }
            public static var constraints: [String: Constraint] { ["id": .id, "chair": .text(max: 100)] }
        }
        public struct Output: Codable, Sendable {
            public var session: Session
            public var warnings: [String]
            public init(session: Session, warnings: [String]) {
                self.session = session
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum SetChairOutOfService: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var chair: String
            public var from: CivilDate
            public var to: CivilDate
            public var reason: String
            public init(chair: String, from: CivilDate, to: CivilDate, reason: String) {
                self.chair = chair
                self.from = from
                self.to = to
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["chair": .text(max: 100), "reason": .text(max: 500)] }
        }
        public struct Output: Codable, Sendable {
            public var moved: [Move]
            public var warnings: [String]
            public init(moved: [Move], warnings: [String]) {
                self.moved = moved
                self.warnings = warnings
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ReturnChairToService: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var chair: String
            public var from: CivilDate
            public init(chair: String, from: CivilDate) {
                self.chair = chair
                self.from = from
            }
            public static var constraints: [String: Constraint] { ["chair": .text(max: 100)] }
        }
        public struct Output: Codable, Sendable {
            public var outages: Int
            public init(outages: Int) { self.outages = outages }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }
}
