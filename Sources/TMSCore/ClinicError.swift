/// A refusal: a request the clinic's rules or records do not allow.
///
/// `code` is stable and names a Varlink error of `io.tmsd.Clinic`;
/// `parameters` are what a program acts on; `message` is one sentence for a
/// person, naming the object and the reason. Equality is by code only.
public struct ClinicError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case patientNotFound = "PatientNotFound"
        case protocolNotFound = "ProtocolNotFound"
        case courseNotFound = "CourseNotFound"
        case sessionNotFound = "SessionNotFound"
        case duplicateMRN = "DuplicateMRN"
        case invalidDate = "InvalidDate"
        case invalidValue = "InvalidValue"
        case courseNotActive = "CourseNotActive"
        case sessionAlreadyFinished = "SessionAlreadyFinished"
        case intensityAboveMachineOutput = "IntensityAboveMachineOutput"
        case pulsesAbovePrescription = "PulsesAbovePrescription"
        case noFreeSlot = "NoFreeSlot"
        case closedDay = "ClosedDay"
        case dateInPast = "DateInPast"
        case chairNotFound = "ChairNotFound"
        case chairUnsuitable = "ChairUnsuitable"
        case outsideOpeningHours = "OutsideOpeningHours"
        case slotTaken = "SlotTaken"
        case scaleNotFound = "ScaleNotFound"
        case scoreOutOfRange = "ScoreOutOfRange"
        case missingItem = "MissingItem"
        case alertNotFound = "AlertNotFound"
        case alertAlreadyAcknowledged = "AlertAlreadyAcknowledged"
        case recheckDue = "RecheckDue"
        case eventKindNotFound = "EventKindNotFound"
        case thresholdRequired = "ThresholdRequired"
        case doseLimitExceeded = "DoseLimitExceeded"
        case screenRequired = "ScreenRequired"
        case authorizationNotFound = "AuthorizationNotFound"
        case notTodaysSession = "NotTodaysSession"
        case dailyLimitReached = "DailyLimitReached"
        case deviationFromPrescription = "DeviationFromPrescription"
        case overrideNotPermitted = "OverrideNotPermitted"
        case patientBooked = "PatientBooked"
        case findingNotStanding = "FindingNotStanding"
        case backupFailed = "BackupFailed"
        case patientInactive = "PatientInactive"
        case patientInCourse = "PatientInCourse"
        case patientAmbiguous = "PatientAmbiguous"
        case mrnNotFound = "MRNNotFound"
        case roomNotFound = "RoomNotFound"
        case consultationNotFound = "ConsultationNotFound"
        case consultationClash = "ConsultationClash"
        case evaluationItemNotFound = "EvaluationItemNotFound"
        case notAnAntidepressant = "NotAnAntidepressant"
        case strategyNotFound = "StrategyNotFound"
        case importInvalid = "ImportInvalid"
    }

    /// A parameter value: the few JSON types errors carry.
    public enum Value: Sendable, Hashable {
        case string(String)
        case int(Int)
        case double(Double)
    }

    public let code: Code
    public let message: String
    public let parameters: [(String, Value)]

    public init(_ code: Code, _ message: String, _ parameters: [(String, Value)] = []) {
        self.code = code
        self.message = message
        self.parameters = parameters
    }

    public var description: String { message }

    public static func == (a: ClinicError, b: ClinicError) -> Bool { a.code == b.code }

    // MARK: The errors, one constructor each, so messages stay uniform.

    public static func patientNotFound(_ id: Int) -> ClinicError {
        ClinicError(.patientNotFound, "No patient has id \(id).", [("id", .int(id))])
    }
    public static func protocolNotFound(_ id: String) -> ClinicError {
        ClinicError(.protocolNotFound, "No protocol is named \(UntrustedText.quoted(id)); 'tmsctl protocol list' shows them.", [("id", .string(id))])
    }
    public static func courseNotFound(_ id: Int) -> ClinicError {
        ClinicError(.courseNotFound, "No course has id \(id).", [("id", .int(id))])
    }
    public static func sessionNotFound(_ id: Int) -> ClinicError {
        ClinicError(.sessionNotFound, "No session has id \(id).", [("id", .int(id))])
    }
    /// (Without the MRN: it is patient data.)
    public static let mrnNotFound = ClinicError(.mrnNotFound, "No patient has that MRN.")
    public static func patientInactive(_ id: Int) -> ClinicError {
        ClinicError(
            .patientInactive, "Patient \(id) is marked inactive; make them active again first (tmsctl patient reactivate).",
            [("patient", .int(id))])
    }
    public static func patientInCourse(patient: Int, course: Int) -> ClinicError {
        ClinicError(
            .patientInCourse, "Patient \(patient) has course \(course) under way; complete or cancel it first.",
            [("patient", .int(patient)), ("course", .int(course))])
    }
    /// (The message does not repeat the reference: an MRN is patient data.)
    public static func patientAmbiguous(mrnOf: Int, id: Int) -> ClinicError {
        ClinicError(
            .patientAmbiguous, "That is the MRN of patient \(mrnOf) and the id of patient \(id); say which (--mrn or --id).",
            [("mrnOf", .int(mrnOf)), ("id", .int(id))])
    }
    public static func roomNotFound(_ room: String) -> ClinicError {
        ClinicError(.roomNotFound, "No consultation room is named \(UntrustedText.quoted(room)) ([clinic] rooms).", [("room", .string(room))])
    }
    public static func consultationNotFound(_ id: Int) -> ClinicError {
        ClinicError(.consultationNotFound, "No consultation has id \(id).", [("id", .int(id))])
    }
    /// `what`: the room, the clinician or the patient that is taken then.
    public static func consultationClash(with other: Int, what: String, date: CivilDate, range: TimeRange) -> ClinicError {
        ClinicError(
            .consultationClash, "\(what) is in consultation \(other) at \(range) on \(date).",
            [("consultation", .int(other)), ("what", .string(what)), ("date", .string(date.description)),
             ("time", .string(LocalTime(minutes: range.start)!.description))])
    }
    public static func evaluationItemNotFound(_ item: String) -> ClinicError {
        ClinicError(
            .evaluationItemNotFound, "No evaluation item is named \(UntrustedText.quoted(item)); 'tmsctl evaluation PATIENT' lists them.",
            [("item", .string(item))])
    }
    /// `parameter`: base, or the drug a switch or a combination brings in.
    public static func notAnAntidepressant(_ drug: String, parameter: String) -> ClinicError {
        ClinicError(
            .notAnAntidepressant,
            "\(parameter): \(UntrustedText.quoted(drug)) is not an antidepressant in the drug table (antidepressant = true in [drugs]).",
            [("drug", .string(drug)), ("parameter", .string(parameter))])
    }
    public static func strategyNotFound(_ id: Int) -> ClinicError {
        ClinicError(.strategyNotFound, "No strategy has id \(id).", [("id", .int(id))])
    }
    public static func importInvalid(problems: Int, line: Int, column: String?, reason: String) -> ClinicError {
        ClinicError(
            .importInvalid,
            "Nothing was imported: \(problems) problem\(problems == 1 ? "" : "s") in the file, the first on line \(line)"
                + (column.map { ", column \($0)" } ?? "") + ": \(reason) (--dry-run lists them all).",
            [("problems", .int(problems)), ("line", .int(line))] + (column.map { [("column", .string($0))] } ?? []) + [("reason", .string(reason))])
    }
    public static func duplicateMRN(existing: Int) -> ClinicError {
        ClinicError(.duplicateMRN, "That MRN is already registered, to patient \(existing).", [("patient", .int(existing))])
    }
    public static func invalidDate(_ parameter: String, _ value: String) -> ClinicError {
        ClinicError(
            .invalidDate, "\(parameter) \(UntrustedText.quoted(value)) is not a date; write it as YYYY-MM-DD.",
            [("parameter", .string(parameter)), ("value", .string(value))])
    }
    public static func invalidValue(_ parameter: String, _ reason: String) -> ClinicError {
        ClinicError(.invalidValue, "\(parameter): \(reason).", [("parameter", .string(parameter)), ("reason", .string(reason))])
    }
    public static func courseNotActive(_ course: Int, status: String) -> ClinicError {
        ClinicError(
            .courseNotActive, "Course \(course) is \(status), not active; its sessions cannot change.",
            [("course", .int(course)), ("status", .string(status))])
    }
    public static func closedDay(_ date: CivilDate) -> ClinicError {
        ClinicError(.closedDay, "The clinic is closed on \(date) (\(date.weekday)).", [("date", .string(date.description))])
    }
    public static func dateInPast(_ date: CivilDate, today: CivilDate) -> ClinicError {
        ClinicError(
            .dateInPast, "\(date) is in the past (today is \(today)).",
            [("date", .string(date.description)), ("today", .string(today.description))])
    }
    public static func chairNotFound(_ chair: String) -> ClinicError {
        ClinicError(.chairNotFound, "No chair is named \(UntrustedText.quoted(chair)).", [("chair", .string(chair))])
    }
    public static func chairUnsuitable(_ chair: String, coil: String) -> ClinicError {
        ClinicError(
            .chairUnsuitable, "Chair \(chair) does not carry the \(coil) coil this course needs.",
            [("chair", .string(chair)), ("coil", .string(coil))])
    }
    public static func outsideOpeningHours(_ date: CivilDate, _ range: TimeRange) -> ClinicError {
        ClinicError(
            .outsideOpeningHours, "\(range) on \(date) is outside the clinic's opening hours.",
            [("date", .string(date.description)), ("time", .string(LocalTime(minutes: range.start)!.description))])
    }
    public static func slotTaken(by session: Int, chair: String, date: CivilDate, range: TimeRange) -> ClinicError {
        ClinicError(
            .slotTaken, "Chair \(chair) is booked \(range) on \(date) by session \(session).",
            [("session", .int(session)), ("chair", .string(chair)), ("date", .string(date.description)),
             ("time", .string(LocalTime(minutes: range.start)!.description))])
    }
    public static func noFreeSlot(_ date: CivilDate?, coil: String) -> ClinicError {
        guard let date else {
            return ClinicError(.noFreeSlot, "No chair carrying the \(coil) coil has room within a year.", [("coil", .string(coil))])
        }
        return ClinicError(
            .noFreeSlot, "No chair carrying the \(coil) coil is free on \(date).",
            [("coil", .string(coil)), ("date", .string(date.description))])
    }

    public static func scaleNotFound(_ scale: String) -> ClinicError {
        ClinicError(.scaleNotFound, "No outcome scale is named \(UntrustedText.quoted(scale)).", [("scale", .string(scale))])
    }
    public static func scoreOutOfRange(scale: String, item: Int?, value: Int, minimum: Int, maximum: Int) -> ClinicError {
        var parameters: [(String, Value)] = [
            ("scale", .string(scale)), ("value", .int(value)), ("minimum", .int(minimum)), ("maximum", .int(maximum)),
        ]
        if let item { parameters.append(("item", .int(item))) }
        let what = item.map { "\(scale) item \($0)" } ?? "\(scale) total"
        return ClinicError(.scoreOutOfRange, "\(what) \(value) is outside \(minimum)-\(maximum).", parameters)
    }
    public static func missingItem(scale: String, item: Int) -> ClinicError {
        ClinicError(.missingItem, "\(scale) item \(item) is missing; every item must be scored.",
                    [("scale", .string(scale)), ("item", .int(item))])
    }
    public static func alertNotFound(_ id: Int) -> ClinicError {
        ClinicError(.alertNotFound, "No alert has id \(id).", [("id", .int(id))])
    }
    public static func authorizationNotFound(_ id: Int) -> ClinicError {
        ClinicError(.authorizationNotFound, "No authorization has id \(id).", [("id", .int(id))])
    }
    public static func alertAlreadyAcknowledged(_ id: Int, by user: String) -> ClinicError {
        ClinicError(.alertAlreadyAcknowledged, "Alert \(id) was already acknowledged by \(user).",
                    [("id", .int(id)), ("by", .string(user))])
    }

    public static func recheckDue(course: Int, reason: String) -> ClinicError {
        ClinicError(
            .recheckDue,
            "Course \(course) needs its motor threshold measured again: \(reason). Measure it, or have a clinician override it "
                + "(--override \(GateRule.mtRecheck.rawValue)=REASON).",
            [("course", .int(course)), ("reason", .string(reason))])
    }
    public static func eventKindNotFound(_ kind: String) -> ClinicError {
        ClinicError(.eventKindNotFound, "No adverse event kind is named \(UntrustedText.quoted(kind)).", [("kind", .string(kind))])
    }
    public static func thresholdRequired(course: Int, since: CivilDate) -> ClinicError {
        ClinicError(
            .thresholdRequired, "Course \(course) resumes only after a motor threshold measured on or after \(since).",
            [("course", .int(course)), ("since", .string(since.description))])
    }

    public static func doseLimitExceeded(_ reason: String, rule: GateRule = .doseLimit) -> ClinicError {
        ClinicError(
            .doseLimitExceeded, "\(reason). A clinician may override it (--override \(rule.rawValue)=REASON).",
            [("reason", .string(reason)), ("rule", .string(rule.rawValue))])
    }

    public static func notTodaysSession(_ session: Int, date: CivilDate, today: CivilDate) -> ClinicError {
        ClinicError(
            .notTodaysSession,
            "Session \(session) is booked for \(date), not today (\(today)); a session is given on its own day, or moved to today first (tmsctl reschedule).",
            [("session", .int(session)), ("date", .string(date.description)), ("today", .string(today.description))])
    }

    public static func dailyLimitReached(course: Int, date: CivilDate, perDay: Int) -> ClinicError {
        ClinicError(
            .dailyLimitReached,
            "Course \(course) has had its \(perDay == 1 ? "session" : "\(perDay) sessions") on \(date); its protocol gives "
                + "\(perDay == 1 ? "one" : "\(perDay)") a day.",
            [("course", .int(course)), ("date", .string(date.description)), ("perDay", .int(perDay))])
    }

    public static func deviation(_ rule: GateRule, what: String, prescribed: String, delivered: String) -> ClinicError {
        ClinicError(
            .deviationFromPrescription,
            "The \(what) delivered, \(delivered), is not the \(prescribed) prescribed; a clinician may accept it "
                + "(--override \(rule.rawValue)=REASON).",
            [("rule", .string(rule.rawValue)), ("prescribed", .string(prescribed)), ("delivered", .string(delivered))])
    }

    public static func overrideNotPermitted(_ rule: GateRule?) -> ClinicError {
        let what = rule.map { "the \($0.rawValue) rule" } ?? "a rule"
        return ClinicError(
            .overrideNotPermitted, "Permission denied: overriding \(what) needs the clinician role.",
            [("rule", .string(rule?.rawValue ?? "")), ("role", .string("clinician"))])
    }

    /// One reason was given for several rules that each need their own.
    public static func overridesNeeded(_ rules: [GateRule], first: ClinicError) -> ClinicError {
        ClinicError(
            first.code,
            first.message + " One reason was given for \(rules.count) rules (\(rules.map(\.rawValue).joined(separator: ", "))); "
                + "give each its own (--override RULE=REASON).",
            first.parameters)
    }

    public static func patientBooked(_ session: Int, date: CivilDate, range: TimeRange) -> ClinicError {
        ClinicError(
            .patientBooked, "The patient is booked \(range) on \(date) in session \(session); a patient is in one session at a time.",
            [("session", .int(session)), ("date", .string(date.description)), ("time", .string(LocalTime(minutes: range.start)!.description))])
    }

    public static func findingNotStanding(course: Int, question: String) -> ClinicError {
        ClinicError(
            .findingNotStanding, "Course \(course) has no standing safety-screen finding \(UntrustedText.quoted(question)) to clear.",
            [("course", .int(course)), ("question", .string(question))])
    }

    public static func backupFailed(_ reason: String) -> ClinicError {
        ClinicError(.backupFailed, "No backup was kept: \(reason).", [])
    }

    public static func screenRequired(course: Int, state: String, reason: String) -> ClinicError {
        ClinicError(
            .screenRequired, "Course \(course) may not be treated yet: \(reason).",
            [("course", .int(course)), ("state", .string(state)), ("reason", .string(reason))])
    }

    public static func sessionAlreadyFinished(_ session: Int, status: String) -> ClinicError {
        ClinicError(
            .sessionAlreadyFinished, "Session \(session) is already \(status).",
            [("session", .int(session)), ("status", .string(status))])
    }
}

extension Double {
    /// A measurement as people write it: 120, 4.2, 62.45 (two decimals at most).
    public var clinical: String {
        let rounded = (self * 100).rounded() / 100
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
