/// The path to a course: who referred the patient, the consultation, and the
/// stage the patient's records put them at.

/// Who sent a patient to the clinic, when and why.
public struct Referral: Sendable, Hashable, Codable {
    public var id: Int
    public var patientId: Int
    public var referredBy: String
    public var date: CivilDate
    public var reason: String
    public var recordedBy: String

    public init(id: Int, patientId: Int, referredBy: String, date: CivilDate, reason: String, recordedBy: String) {
        self.id = id
        self.patientId = patientId
        self.referredBy = referredBy
        self.date = date
        self.reason = reason
        self.recordedBy = recordedBy
    }
}

/// What a consultation decided.
public enum ConsultationOutcome: String, Sendable, CaseIterable, Codable {
    /// Go on to the pre-TMS evaluation.
    case proceed
    /// TMS is not for this patient; the note says why.
    case notCandidate
    /// Sent on to another service; the note says where.
    case referredElsewhere

    /// Whether it ends the patient's path at this clinic.
    public var ends: Bool { self != .proceed }
}

/// A consultation appointment: a clinician and a room for a stretch of a
/// clinic day (not a treatment chair), and, once held, its outcome.
public struct Consultation: Sendable, Hashable, Codable {
    public var id: Int
    public var patientId: Int
    public var clinician: String
    public var room: String
    public var date: CivilDate
    public var time: LocalTime
    public var minutes: Int
    public var outcome: ConsultationOutcome?
    public var outcomeNote: String?
    public var bookedBy: String

    public init(
        id: Int, patientId: Int, clinician: String, room: String, date: CivilDate, time: LocalTime, minutes: Int,
        outcome: ConsultationOutcome?, outcomeNote: String?, bookedBy: String
    ) {
        self.id = id
        self.patientId = patientId
        self.clinician = clinician
        self.room = room
        self.date = date
        self.time = time
        self.minutes = minutes
        self.outcome = outcome
        self.outcomeNote = outcomeNote
        self.bookedBy = bookedBy
    }

    /// The minutes of the day it holds its room and its clinician.
    public var range: TimeRange { TimeRange(start: time.minutes, end: time.minutes + minutes) }
}

/// Where a patient is on the path, from their records: never stored, so it
/// cannot disagree with them.
public enum PatientStage: String, Sendable, CaseIterable, Codable {
    case referred, consulted, evaluated, eligible, authorized, inCourse, completed, discharged

    /// What the stage is read from.
    public struct Facts: Sendable {
        /// A course of the patient's, as the stage reads it.
        public struct Course: Sendable {
            public var status: CourseStatus
            public var startDate: CivilDate
            public var delivered: Int
            public var authorized: Bool
            public init(status: CourseStatus, startDate: CivilDate, delivered: Int, authorized: Bool) {
                self.status = status
                self.startDate = startDate
                self.delivered = delivered
                self.authorized = authorized
            }
        }

        public var active: Bool
        /// The latest consultation that has an outcome, and its day.
        public var decided: (outcome: ConsultationOutcome, date: CivilDate)?
        public var evaluationComplete: Bool
        public var trd: Bool
        public var courses: [Course]

        public init(
            active: Bool, decided: (outcome: ConsultationOutcome, date: CivilDate)?, evaluationComplete: Bool, trd: Bool,
            courses: [Course]
        ) {
            self.active = active
            self.decided = decided
            self.evaluationComplete = evaluationComplete
            self.trd = trd
            self.courses = courses
        }
    }

    /// The stage `facts` put a patient at. Inactive: discharged. A course
    /// under way: in course once a session of it was given; before that,
    /// authorized when an authorization is on file for it (else in course:
    /// booked). A consultation that ended the path after every course:
    /// discharged. A course completed: completed. Then eligible (the
    /// evaluation complete and TRD met), evaluated (complete), consulted (a
    /// consultation decided to proceed), and referred.
    public static func of(_ facts: Facts) -> PatientStage {
        if !facts.active { return .discharged }
        let underWay = facts.courses.filter { [.active, .paused, .onHold].contains($0.status) }
        if !underWay.isEmpty {
            if underWay.contains(where: { $0.delivered > 0 }) { return .inCourse }
            return underWay.contains(where: \.authorized) ? .authorized : .inCourse
        }
        let lastCourse = facts.courses.map(\.startDate).max()
        if let decided = facts.decided, decided.outcome.ends, lastCourse.map({ $0 <= decided.date }) ?? true { return .discharged }
        if facts.courses.contains(where: { $0.status == .completed }) { return .completed }
        if facts.evaluationComplete { return facts.trd ? .eligible : .evaluated }
        if facts.decided?.outcome == .proceed { return .consulted }
        return .referred
    }
}
