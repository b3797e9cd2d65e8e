public import TMSCore
public import Varlink

// Patients and the protocol library.

extension Clinic {
    /// A registered patient. The MRN is the clinic's medical record number.
    public struct Patient: Codable, Sendable, Equatable {
        public var id: Int
        public var mrn: String
        public var familyName: String
        public var givenName: String
        public var birthDate: CivilDate
        /// An instant, `YYYY-MM-DDTHH:MM:SSZ`.
        public var createdAt: String
        /// False once the front desk marked the patient inactive.
        public var active: Bool

        public init(id: Int, mrn: String, familyName: String, givenName: String, birthDate: CivilDate, createdAt: String, active: Bool) {
            self.id = id
            self.mrn = mrn
            self.familyName = familyName
            self.givenName = givenName
            self.birthDate = birthDate
            self.createdAt = createdAt
            self.active = active
        }
    }

    /// A correction of one field of a patient's identity, with the value it replaced.
    public struct PatientCorrection: Codable, Sendable, Equatable {
        public var field: PatientField
        public var old: String
        public var new: String
        public var reason: String
        /// An instant, `YYYY-MM-DDTHH:MM:SSZ`.
        public var at: String
        public var user: String

        public init(field: PatientField, old: String, new: String, reason: String, at: String, user: String) {
            self.field = field
            self.old = old
            self.new = new
            self.reason = reason
            self.at = at
            self.user = user
        }
    }

    /// How a phase of a course is laid out: every clinic day, or so many days a week.
    public enum Rhythm: String, Codable, Sendable, CaseIterable {
        case daily, weekly
    }

    /// One phase of a course.
    public struct Phase: Codable, Sendable, Equatable {
        public var name: String
        public var rhythm: Rhythm
        public var days: Int
        public var perWeek: Int?
        public var weeks: Int?

        public init(name: String, rhythm: Rhythm, days: Int, perWeek: Int? = nil, weeks: Int? = nil) {
            self.name = name
            self.rhythm = rhythm
            self.days = days
            self.perWeek = perWeek
            self.weeks = weeks
        }
    }

    /// A stimulation protocol from the library (the IDL's `Protocol`): its
    /// session dose is the domain's `PrescribedDose`, whose fields stand
    /// beside the others on the wire.
    @dynamicMemberLookup
    public struct StimulationProtocol: Codable, Sendable, Equatable {
        public struct Description: Codable, Sendable, Equatable {
            public var id: String
            public var name: String
            public var indication: String
            public var coil: String
            public var target: String
            public var source: String
            public var burstFrequencyHz: Double?
            public var pulsesPerBurst: Int?
            public var sessionSeconds: Double
            public var sessionsPerDay: Int
            public var minimumIntervalMinutes: Int
            public var totalSessions: Int
            public var phases: [Phase]

            public init(
                id: String, name: String, indication: String, coil: String, target: String, source: String,
                burstFrequencyHz: Double?, pulsesPerBurst: Int?, sessionSeconds: Double, sessionsPerDay: Int,
                minimumIntervalMinutes: Int, totalSessions: Int, phases: [Phase]
            ) {
                self.id = id
                self.name = name
                self.indication = indication
                self.coil = coil
                self.target = target
                self.source = source
                self.burstFrequencyHz = burstFrequencyHz
                self.pulsesPerBurst = pulsesPerBurst
                self.sessionSeconds = sessionSeconds
                self.sessionsPerDay = sessionsPerDay
                self.minimumIntervalMinutes = minimumIntervalMinutes
                self.totalSessions = totalSessions
                self.phases = phases
            }
        }

        public var description: Description
        public var dose: PrescribedDose

        public init(_ description: Description, dose: PrescribedDose) {
            self.description = description
            self.dose = dose
        }

        public subscript<T>(dynamicMember field: KeyPath<Description, T>) -> T { description[keyPath: field] }
        public subscript<T>(dynamicMember field: KeyPath<PrescribedDose, T>) -> T { dose[keyPath: field] }

        public init(from decoder: any Decoder) throws {
            description = try Description(from: decoder)
            dose = try PrescribedDose(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            try description.encode(to: encoder)
            try dose.encode(to: encoder)
        }
    }

    /// A record named by its id.
    public struct ByID: ClinicInput, Equatable {
        public var id: Int
        public init(id: Int) { self.id = id }
        public static var constraints: [String: Constraint] { ["id": .id] }
    }

    /// A course named by its id, as `courseId`.
    public struct ByCourse: ClinicInput, Equatable {
        public var courseId: Int
        public init(courseId: Int) { self.courseId = courseId }
        public static var constraints: [String: Constraint] { ["courseId": .id] }
    }

    /// A patient named by its id, as `patientId`.
    public struct ByPatient: ClinicInput, Equatable {
        public var patientId: Int
        public init(patientId: Int) { self.patientId = patientId }
        public static var constraints: [String: Constraint] { ["patientId": .id] }
    }

    /// A day, today in the clinic's zone when left out.
    public struct OnDay: ClinicInput, Equatable {
        public var date: CivilDate?
        public init(date: CivilDate? = nil) { self.date = date }
    }

    public enum AddPatient: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
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

            public static var constraints: [String: Constraint] {
                ["mrn": .text(max: 64), "familyName": .text(max: 200), "givenName": .text(max: 200),
                 "birthDate": .date(daysAhead: 0, from: 1900)]
            }
        }
        public struct Output: Codable, Sendable {
            public var patient: Patient
            public init(patient: Patient) { self.patient = patient }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    /// Patients in a reply.
    public struct PatientsReply: Codable, Sendable {
        public var patients: [Patient]
        public init(patients: [Patient]) { self.patients = patients }
    }

    /// A patient alone.
    public struct PatientReply: Codable, Sendable {
        public var patient: Patient
        public init(patient: Patient) { self.patient = patient }
    }

    public enum ListPatients: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            /// Also the patients marked inactive.
            public var inactive: Bool?
            /// Only the patients at this stage.
            public var stage: PatientStage?
            public init(inactive: Bool? = nil, stage: PatientStage? = nil) {
                self.inactive = inactive
                self.stage = stage
            }
        }
        public typealias Output = PatientsReply
    }

    public enum FindPatients: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var query: String
            public var limit: Int?
            public init(query: String, limit: Int? = nil) {
                self.query = query
                self.limit = limit
            }
            public static let largestLimit = 500
            public static var constraints: [String: Constraint] { ["query": .text(max: 200), "limit": .int(1...largestLimit)] }
        }
        public struct Output: Codable, Sendable {
            public var patients: [Patient]
            /// More patients matched than `limit`.
            public var more: Bool
            public init(patients: [Patient], more: Bool) {
                self.patients = patients
                self.more = more
            }
        }
    }

    public enum GetPatient: ClinicMethod {
        public static var quick: Bool { true }
        /// One of the three names the patient.
        public struct Input: ClinicInput, Equatable {
            public var id: Int?
            public var mrn: String?
            /// An MRN or an id, as the front desk types it.
            public var ref: String?
            public init(id: Int? = nil, mrn: String? = nil, ref: String? = nil) {
                self.id = id
                self.mrn = mrn
                self.ref = ref
            }
            public static var constraints: [String: Constraint] { ["id": .id, "mrn": .text(max: 64), "ref": .text(max: 64)] }
        }
        public struct Output: Codable, Sendable {
            public var patient: Patient
            public var stage: PatientStage
            public var courses: [Course]
            public var contact: Contact
            public var corrections: [PatientCorrection]
            public var referrals: [Referral]
            public init(
                patient: Patient, stage: PatientStage, courses: [Course], contact: Contact, corrections: [PatientCorrection],
                referrals: [Referral]
            ) {
                self.patient = patient
                self.stage = stage
                self.courses = courses
                self.contact = contact
                self.corrections = corrections
                self.referrals = referrals
            }
        }
    }

    public enum CorrectPatient: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var mrn: String?
            public var familyName: String?
            public var givenName: String?
            public var birthDate: CivilDate?
            public var reason: String

            public init(id: Int, mrn: String? = nil, familyName: String? = nil, givenName: String? = nil, birthDate: CivilDate? = nil,
                        reason: String) {
                self.id = id
                self.mrn = mrn
                self.familyName = familyName
                self.givenName = givenName
                self.birthDate = birthDate
                self.reason = reason
            }

            public static var constraints: [String: Constraint] {
                AddPatient.Input.constraints.merging(["id": .id, "reason": .text(max: 2000)]) { $1 }
            }
        }
        public struct Output: Codable, Sendable {
            public var patient: Patient
            public var corrections: [PatientCorrection]
            public init(patient: Patient, corrections: [PatientCorrection]) {
                self.patient = patient
                self.corrections = corrections
            }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum SetPatientActive: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            public var active: Bool
            public var reason: String
            public init(id: Int, active: Bool, reason: String) {
                self.id = id
                self.active = active
                self.reason = reason
            }
            public static var constraints: [String: Constraint] { ["id": .id, "reason": .text(max: 2000)] }
        }
        public typealias Output = PatientReply
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    /// A day-before reminder: where it goes and the times it gives.
    public struct Reminder: Codable, Sendable, Equatable {
        public var patientId: Int
        public var email: String
        public var times: [LocalTime]
        public init(patientId: Int, email: String, times: [LocalTime]) {
            self.patientId = patientId
            self.email = email
            self.times = times
        }
    }

    public enum ListReminders: ClinicMethod {
        public typealias Input = OnDay
        public struct Output: Codable, Sendable {
            public var date: CivilDate
            public var clinic: String
            public var reminders: [Reminder]
            public init(date: CivilDate, clinic: String, reminders: [Reminder]) {
                self.date = date
                self.clinic = clinic
                self.reminders = reminders
            }
        }
    }

    /// How a patient prefers to be reached, as a change gives it: `none` clears it.
    public enum ContactPreference: String, Codable, Sendable, CaseIterable {
        case phone, email, none
    }

    public enum SetPatientContact: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var id: Int
            /// An empty string removes the phone number.
            public var phone: String?
            /// An empty string removes the address.
            public var email: String?
            public var preferred: ContactPreference?
            public var reminders: Bool?
            public init(id: Int, phone: String? = nil, email: String? = nil, preferred: ContactPreference? = nil, reminders: Bool? = nil) {
                self.id = id
                self.phone = phone
                self.email = email
                self.preferred = preferred
                self.reminders = reminders
            }
            public static var constraints: [String: Constraint] { ["id": .id, "phone": .note(max: 40), "email": .note(max: 254)] }
        }
        public struct Output: Codable, Sendable {
            public var contact: Contact
            public init(contact: Contact) { self.contact = contact }
        }
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ListProtocols: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var protocols: [StimulationProtocol]
            public init(protocols: [StimulationProtocol]) { self.protocols = protocols }
        }
    }

    public enum GetProtocol: ClinicMethod {
        public static var quick: Bool { true }
        public struct Input: ClinicInput, Equatable {
            public var id: String
            public init(id: String) { self.id = id }
            public static var constraints: [String: Constraint] { ["id": .text(max: 100)] }
        }
        public struct Output: Codable, Sendable {
            public var `protocol`: StimulationProtocol
            public init(protocol: StimulationProtocol) { self.protocol = `protocol` }
        }
    }
}

extension Clinic.AddPatient.Output: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("patient", patient)
    }
}

extension Clinic.Patient: JSONWritable {
    public func write(to object: inout JSONObjectWriter) {
        object.member("id", id)
        object.member("mrn", mrn)
        object.member("familyName", familyName)
        object.member("givenName", givenName)
        object.member("birthDate", birthDate)
        object.member("createdAt", createdAt)
        object.member("active", active)
    }
}
