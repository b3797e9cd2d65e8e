public import TMSCore

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

        public init(id: Int, mrn: String, familyName: String, givenName: String, birthDate: CivilDate, createdAt: String) {
            self.id = id
            self.mrn = mrn
            self.familyName = familyName
            self.givenName = givenName
            self.birthDate = birthDate
            self.createdAt = createdAt
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

    public enum ListPatients: ClinicMethod {
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var patients: [Patient]
            public init(patients: [Patient]) { self.patients = patients }
        }
    }

    public enum GetPatient: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = ByID
        public struct Output: Codable, Sendable {
            public var patient: Patient
            public var courses: [Course]
            public init(patient: Patient, courses: [Course]) {
                self.patient = patient
                self.courses = courses
            }
        }
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
