public import Varlink

/// The one definition of `io.tmsd.Clinic`, shared by tmsd and tmsctl (as
/// chrony keeps one protocol header for its daemon and its client).
///
/// The IDL file beside this one is what the wire carries and what
/// `GetInterfaceDescription` serves. Each method is declared once, as a type
/// conforming to `ClinicMethod`: its input and output as Swift structs whose
/// property names are the IDL's field names, the role it needs, whether it
/// writes, and the bounds of what a client may send. The daemon's dispatcher,
/// role check and audit, tmsctl's calls and the IDL agreement test all read
/// these declarations; no field name is spelled anywhere else.
public enum Clinic {
    public static let interfaceName = "io.tmsd.Clinic"

    /// The interface definition, as served.
    public static let interface: VarlinkInterface = {
        let text = String(decoding: PackageResources.io_tmsd_Clinic_varlink, as: UTF8.self)
        do {
            return try VarlinkInterface(description: text)
        } catch {
            fatalError("io.tmsd.Clinic.varlink does not parse: \(error)")  // a build defect; the tests catch it
        }
    }()

    /// Every method, in the IDL's order of topics.
    public static let methods: [any ClinicMethod.Type] = [
        // Patients and protocols
        AddPatient.self, ListPatients.self, FindPatients.self, GetPatient.self, CorrectPatient.self, SetPatientActive.self,
        SetPatientContact.self, ListReminders.self, ListProtocols.self, GetProtocol.self,
        // Courses
        CreateCourse.self, GetCourse.self, ListCourses.self, CancelCourse.self, PauseCourse.self, ResumeCourse.self,
        ChangePreferredTime.self,
        // Sessions
        ListSessions.self, GetSession.self, StartSession.self, CompleteSession.self, AbortSession.self, MissSession.self,
        CloseDay.self,
        // Booking
        GetDaySchedule.self, PostponeSession.self, RescheduleSession.self, SetChairOutOfService.self,
        ReturnChairToService.self,
        // Safety
        RecordThreshold.self, ListThresholds.self, RecordAdverseEvent.self, ListAdverseEvents.self, ResumeHeldCourse.self,
        ListScreenQuestions.self, RecordScreen.self, SignOffScreen.self, GetScreen.self, ClearScreenFinding.self,
        // Medications and trials
        StartMedication.self, ChangeMedicationDose.self, StopMedication.self, ListMedications.self, ListUnclassifiedDrugs.self,
        RecordTrial.self, GetEligibility.self,
        // The path before a course
        RecordReferral.self, BookConsultation.self, RecordConsultationOutcome.self, ListConsultations.self,
        RecordEvaluationItem.self, GetEvaluation.self, RecordStrategy.self, StopStrategy.self, ListStrategies.self,
        GetHistory.self, ExportFHIR.self, ImportPatients.self, ImportTrials.self,
        // Outcomes and alerts
        ListScales.self, RecordOutcome.self, GetOutcomes.self, ListAlerts.self, AcknowledgeAlert.self,
        // Authorizations and reports
        AddAuthorization.self, ExtendAuthorization.self, ListAuthorizations.self, GetDailyReport.self, GetCourseSummary.self,
        // Who and what
        WhoAmI.self, ListAudit.self, VerifyAudit.self, Backup.self, GetNetworkStatus.self,
    ]

    /// The declarations by method name.
    public static let byName: [String: any ClinicMethod.Type] = Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
}

/// One method of `io.tmsd.Clinic`.
public protocol ClinicMethod: Sendable {
    associatedtype Input: ClinicInput
    associatedtype Output: Codable & Sendable
    /// The role a caller needs; nil: anyone who can reach the socket may call it.
    static var role: Role? { get }
    /// Whether it changes records: its reply waits for the commit to reach
    /// the disk, and a refusal of it is audited.
    static var writes: Bool { get }
    /// A read whose work is bounded by one day, course, patient or session,
    /// never by the clinic's history: tmsd answers it on the event loop that
    /// read it, on a read connection of that loop's own, without a hop to the
    /// call threads. Reports, listings of everything and the audit are not.
    static var quick: Bool { get }
    /// A read that, called with `more`, is a subscription: answered again
    /// (with `continues`) after every write that commits, until the client
    /// closes.
    static var streams: Bool { get }
}

extension ClinicMethod {
    /// The method's name in the IDL: the declaration's own name.
    public static var name: String { String(describing: self) }
    /// `io.tmsd.Clinic.Name`.
    public static var qualifiedName: String { Clinic.interfaceName + "." + name }
    public static var role: Role? { nil }
    public static var writes: Bool { false }
    public static var quick: Bool { false }
    public static var streams: Bool { false }
}

/// A method's parameters: what a client may send, within what bounds.
public protocol ClinicInput: Codable, Sendable {
    /// The rule of each number and text a client sends, by parameter path
    /// (`delivery.trains`, `items[]` for every element). Every int and float
    /// in the IDL's input has one; the IDL's comments state them.
    static var constraints: [String: Constraint] { get }
}

extension ClinicInput {
    public static var constraints: [String: Constraint] { [:] }
}

/// A method without parameters, or a reply without fields.
public struct Nothing: ClinicInput, Equatable {
    public init() {}
}

/// What a caller may do. Reading the clinic's records needs no role
/// (reaching the socket is already limited to the staff group); recording
/// the day's work needs the operator role; prescribing, changing a course,
/// overriding a rule and acknowledging alerts need the clinician role, which
/// includes the operator's. Reading the audit trail and taking a backup are
/// roles of their own, held by no one else.
public enum Role: String, Sendable, CaseIterable, Comparable, Codable {
    case `operator`
    case clinician
    /// Reads the audit trail and checks its chain.
    case auditor
    /// Takes copies of the whole database.
    case backup

    /// In the order of `allCases`.
    public static func < (a: Role, b: Role) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}
