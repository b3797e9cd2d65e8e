public import Foundation
public import TMSCore

/// A patient as stored.
public struct PatientRecord: Sendable, Hashable {
    public var id: Int
    public var mrn: String
    public var familyName: String
    public var givenName: String
    public var birthDate: CivilDate
    public var createdAt: Date
    /// False once the front desk marked the patient inactive (moved, discharged, deceased).
    public var active: Bool
}

/// A correction of one field of a patient's identity, with the value it replaced.
public struct PatientCorrectionRecord: Sendable, Hashable {
    public var field: PatientField
    public var old: String
    public var new: String
    public var reason: String
    public var at: Date
    public var user: String
}

/// What a correction changes: each field given replaces the one stored.
public struct PatientChange: Sendable, Equatable {
    public var mrn: String?
    public var familyName: String?
    public var givenName: String?
    public var birthDate: CivilDate?

    public init(mrn: String? = nil, familyName: String? = nil, givenName: String? = nil, birthDate: CivilDate? = nil) {
        self.mrn = mrn
        self.familyName = familyName
        self.givenName = givenName
        self.birthDate = birthDate
    }
}

/// What a change of contact details gives: each field given replaces the
/// one stored, and an empty phone or address removes it.
public struct ContactChange: Sendable, Equatable {
    public var phone: String?
    public var email: String?
    public var preferred: ContactMethod??
    public var reminders: Bool?

    public init(phone: String? = nil, email: String? = nil, preferred: ContactMethod?? = nil, reminders: Bool? = nil) {
        self.phone = phone
        self.email = email
        self.preferred = preferred
        self.reminders = reminders
    }
}

/// What the caller supplies to register a patient.
public struct NewPatient: Sendable {
    public var mrn: String
    public var familyName: String
    public var givenName: String
    public var birthDate: CivilDate

    public init(mrn: String, familyName: String, givenName: String, birthDate: CivilDate) {
        self.mrn = mrn
        self.familyName = familyName
        self.givenName = givenName
        self.birthDate = birthDate
    }
}

/// What the caller supplies to prescribe a course.
public struct NewCourse: Sendable {
    public var patientId: Int
    public var treatment: TreatmentProtocol
    public var startDate: CivilDate
    public var sessionTime: LocalTime
    public var prescriber: String
    public var target: TargetSite
    public var dose: PrescribedDose

    public init(patientId: Int, treatment: TreatmentProtocol, startDate: CivilDate, sessionTime: LocalTime,
                prescriber: String, target: TargetSite, dose: PrescribedDose) {
        self.patientId = patientId
        self.treatment = treatment
        self.startDate = startDate
        self.sessionTime = sessionTime
        self.prescriber = prescriber
        self.target = target
        self.dose = dose
    }
}

public struct CourseRecord: Sendable, Hashable {
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
    public var target: TargetSite
    public var dose: PrescribedDose
    public var sessionsPerDay: Int
    public var intervalMinutes: Int
    public var totalSessions: Int
    public var phases: [CoursePhase]
    public var createdAt: Date
    /// The coil the course needs, and how long each session holds its chair.
    public var coil: String
    public var slotMinutes: Int
}

public struct SessionRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var patientId: Int
    public var number: Int
    public var total: Int
    public var phase: String
    public var date: CivilDate
    public var time: LocalTime
    public var scheduledAt: Date
    public var status: SessionStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var delivery: Delivery?
    public var pulsesDelivered: Int?
    public var reason: String?
    public var replaces: Int?
    public var replacedBy: Int?
    /// The chair booked and for how many minutes; nil for sessions booked
    /// before the clinic had chairs.
    public var chair: String?
    public var minutes: Int?
    /// What the patient was taking when the session was delivered.
    public var medications: String? = nil
    /// The day it was given (started), in the clinic's zone; nil until it is.
    public var serviceDate: CivilDate? = nil

    /// The minutes of the clinic's day the session holds its chair.
    public var range: TimeRange? { minutes.map { TimeRange(start: time.minutes, end: time.minutes + $0) } }
}

/// A session on a day's list, with what the front desk needs beside it.
public struct DaySessionRecord: Sendable, Hashable {
    public var session: SessionRecord
    public var patientName: String
    public var protocolId: String
}

public struct CourseProgress: Sendable, Hashable {
    public var total: Int
    public var done: Int
    public var missed: Int
    public var aborted: Int
    public var remaining: Int
    public var next: SessionRecord?
}

/// Who made a change, from where, and when: written with the change.
public struct AuditContext: Sendable {
    public var uid: Int
    public var user: String
    public var pid: Int
    public var method: String
    public var at: Date

    public init(uid: Int, user: String, pid: Int, method: String, at: Date) {
        self.uid = uid
        self.user = user
        self.pid = pid
        self.method = method
        self.at = at
    }
}

public struct AuditRecord: Sendable, Hashable {
    public var id: Int
    public var at: Date
    public var uid: Int
    public var user: String
    public var pid: Int
    public var method: String
    public var patientId: Int?
    public var courseId: Int?
    public var sessionId: Int?
    public var summary: String
    /// For a refused call, the error it got.
    public var error: String?
}

/// A score recorded for a course.
public struct OutcomeRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var scale: String
    public var timepoint: Timepoint
    public var date: CivilDate
    public var total: Int
    public var items: [Int]?
    public var recordedBy: String
}

/// Something a clinician must see and acknowledge.
public struct AlertRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var patientId: Int
    public var kind: String
    public var detail: String
    public var createdAt: Date
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var note: String?
}

/// A motor threshold measurement.
public struct ThresholdRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var date: CivilDate
    public var method: ThresholdMethod
    public var muscle: String
    /// % of machine output.
    public var value: Double
    public var `operator`: String
}

/// An adverse event recorded in a course.
public struct AdverseEventRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var sessionId: Int?
    public var kind: String
    public var severity: Severity
    public var date: CivilDate
    public var details: String
    /// It put the course on hold.
    public var held: Bool
    public var recordedBy: String
}

/// A course's safety screen and its sign-off.
public struct ScreenRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var date: CivilDate
    public var answers: [String: Bool]
    public var result: ScreenResult
    /// The questions answered yes that decide the result.
    public var findings: [String]
    public var recordedBy: String
    public var signedOffBy: String?
    public var signOffReason: String?
}

/// A drug a patient takes, from a start date to a stop date (a dose change
/// stops one record and starts the next, which `replaces` it).
public struct MedicationRecord: Sendable, Hashable {
    public var id: Int
    public var patientId: Int
    public var drug: String
    public var dose: Double
    public var unit: String
    public var startDate: CivilDate
    public var stopDate: CivilDate?
    public var replaces: Int?
    /// The medication strategy it is taken in, if any.
    public var strategy: Int?
}

/// A finding a treatment went ahead with: a warning, or a rule a clinician
/// overrode with a reason; on the session it was for, or on the course.
public struct FindingRecord: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var sessionId: Int?
    public var rule: String
    public var severity: Finding.Severity
    public var message: String
    public var reason: String?
    public var recordedBy: String
    public var at: Date
}

/// A course's safety screens, the findings that stand, and their clearances.
public struct ScreenHistory: Sendable {
    public var screens: [ScreenRecord]
    public var standing: [StandingFinding]
    public var clearances: [ScreenClearance]

    public var latest: ScreenRecord? { screens.last }
}

/// A session nobody came to by the day's close.
public struct NoShowRecord: Sendable, Hashable {
    public var session: Int
    public var course: Int
    public var patient: Int
    public var time: LocalTime
    public var chair: String?
    /// Where its replacement was booked.
    public var replacementDate: CivilDate?
    /// The course's no-shows in all, this one among them.
    public var courseNoShows: Int
}
