#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A rule of the treatment gate, by its id in the clinical data's `[rules]`.
///
/// Every rule that allows or refuses a treatment is one of these, decided in
/// one place (`TreatmentGate`). Hard stops refuse whatever the clinical data
/// says; the others refuse, ask for a clinician's override, or warn, as the
/// clinical data sets them.
public enum GateRule: String, CaseIterable, Sendable, Hashable, Codable {
    case courseActive = "course-active"
    case screen
    case sessionDay = "session-day"
    case dailyLimit = "daily-limit"
    case holdThreshold = "hold-threshold"
    case machineOutput = "machine-output"
    case pulsesPrescribed = "pulses-prescribed"
    case mtRecheck = "mt-recheck"
    case doseLimit = "dose-limit"
    case doseLimitUnknown = "dose-limit-unknown"
    case deviationIntensity = "deviation-intensity"
    case deviationFrequency = "deviation-frequency"
    case deviationTrains = "deviation-trains"
    case deviationPulsesPerTrain = "deviation-pulses-per-train"
    case deviationTrainDuration = "deviation-train-duration"
    case deviationInterval = "deviation-interval"
    case deviationCoil = "deviation-coil"
    case deviationTarget = "deviation-target"
    case deviationMotorThreshold = "deviation-motor-threshold"

    /// Refuses whatever the clinical data says (CLINICAL.md: "Hard stops").
    public var isHardStop: Bool {
        switch self {
        case .courseActive, .screen, .sessionDay, .dailyLimit, .holdThreshold, .machineOutput, .pulsesPrescribed: true
        default: false
        }
    }

    /// Whether it compares a delivered value with the prescription, within a tolerance.
    public var isDeviation: Bool { rawValue.hasPrefix("deviation-") }

    /// What it does when the clinical data does not say.
    public var defaultSeverity: Finding.Severity { isHardStop ? .refuse : .override }
}

/// What the gate found: a rule, how it weighs, and why.
public struct Finding: Sendable, Equatable {
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
        /// No treatment.
        case refuse
        /// Treatment only with a clinician's reason, kept with the rule.
        case override
        /// Treatment goes on; the finding is recorded.
        case warn
    }

    public var rule: GateRule
    public var severity: Severity
    /// One sentence for a person, naming the object and the reason.
    public var message: String
    /// The refusal the finding is when it blocks.
    public var error: ClinicError

    public init(rule: GateRule, severity: Severity, message: String, error: ClinicError) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.error = error
    }
}

/// A finding the act went ahead with: warned of, or overridden by a clinician with a reason.
public struct AcceptedFinding: Sendable, Equatable {
    public var rule: GateRule
    public var severity: Finding.Severity
    public var message: String
    /// The clinician's reason, for an override.
    public var reason: String?

    public init(rule: GateRule, severity: Finding.Severity, message: String, reason: String?) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.reason = reason
    }
}

/// How the clinic weighs the rules (clinical data `[rules]` and the tables they use).
public struct GatePolicy: Sendable, Hashable {
    public var recheck = RecheckRules()
    public var trainLimits: [TrainLimit] = []
    /// Each rule's severity where the data sets one; hard stops are never weakened.
    public var severities: [GateRule: Finding.Severity] = [:]
    /// How far a delivered value may stray from the prescription (in the value's own unit) before its rule fires.
    public var tolerances: [GateRule: Double] = [:]

    public init() {}

    public func severity(_ rule: GateRule) -> Finding.Severity {
        rule.isHardStop ? .refuse : severities[rule] ?? rule.defaultSeverity
    }

    public func tolerance(_ rule: GateRule) -> Double { tolerances[rule] ?? 0 }
}

/// What the gate knows of a course: its state, its prescription, and every
/// record a rule reads, with the instants they happened.
public struct TreatmentFacts: Sendable {
    public struct Prescription: Sendable, Hashable {
        public var dose: PrescribedDose
        public var coil: String
        public var target: String
        public var sessionsPerDay: Int

        public init(dose: PrescribedDose, coil: String, target: String, sessionsPerDay: Int) {
            self.dose = dose
            self.coil = coil
            self.target = target
            self.sessionsPerDay = sessionsPerDay
        }
    }

    /// The session an act is for.
    public struct Session: Sendable, Hashable {
        public var id: Int
        public var date: CivilDate
        public var status: SessionStatus
        public var startedAt: Date?

        public init(id: Int, date: CivilDate, status: SessionStatus, startedAt: Date?) {
            self.id = id
            self.date = date
            self.status = status
            self.startedAt = startedAt
        }
    }

    public var course: Int
    public var status: CourseStatus
    /// When the course's hold began (the holding event's instant), while it is on hold.
    public var heldAt: Date?
    public var prescription: Prescription
    public var session: Session?
    public var screens: [ScreenFacts] = []
    public var clearances: [ScreenClearance] = []
    public var thresholds: [ThresholdReading] = []
    public var changes: [(drug: String, at: Date)] = []
    public var seizures: [Date] = []
    /// The latest session delivered before this one.
    public var lastDelivered: (date: CivilDate, at: Date)?
    /// The rules a clinician overrode when prescribing the course: a session
    /// delivered as prescribed does not need them overridden again.
    public var prescriptionOverrides: Set<GateRule> = []
    /// The course's other sessions given (or under way) on the session's day.
    public var givenThatDay = 0

    public init(course: Int, status: CourseStatus, heldAt: Date? = nil, prescription: Prescription, session: Session? = nil) {
        self.course = course
        self.status = status
        self.heldAt = heldAt
        self.prescription = prescription
        self.session = session
    }

    /// The latest measurement.
    public var lastMeasured: ThresholdReading? { thresholds.max { ($0.at, $0.value) < ($1.at, $1.value) } }
}

/// What is about to happen.
public enum TreatmentAct: Sendable {
    /// A course prescribed with this dose on this coil.
    case prescribe(PrescribedDose, coil: String)
    /// A session started.
    case start
    /// A session completed with this delivery.
    case complete(Delivery)
    /// A hold lifted.
    case resume
}

/// The one place that decides whether a treatment may go ahead: a pure
/// function of the course's facts, the clinic's policy and the time, that
/// returns every finding with its rule, its severity and its message.
/// CreateCourse, StartSession, CompleteSession and ResumeHeldCourse go
/// through it and nothing else decides.
public struct TreatmentGate: Sendable {
    public var policy: GatePolicy
    public var calendar: ClinicCalendar
    public var now: Date

    public init(policy: GatePolicy, calendar: ClinicCalendar, now: Date) {
        self.policy = policy
        self.calendar = calendar
        self.now = now
    }

    /// Every rule the act breaks, gravest first in the order a person fixes them.
    public func findings(_ act: TreatmentAct, _ facts: TreatmentFacts) -> [Finding] {
        var out: [Finding] = []
        func add(_ rule: GateRule, _ message: String, _ error: ClinicError) {
            out.append(Finding(rule: rule, severity: policy.severity(rule), message: message, error: error))
        }
        switch act {
        case .prescribe(let dose, let coil):
            doseLimits(dose.intensityPercentMT, dose.frequencyHz, dose.trainDurationSeconds, coil: coil, add)
        case .resume:
            if let held = facts.heldAt, !facts.thresholds.contains(where: { $0.at > held }) {
                let since = calendar.date(at: held)
                add(.holdThreshold, "no motor threshold has been measured since the hold began (\(since))",
                    .thresholdRequired(course: facts.course, since: since))
            }
        case .start, .complete:
            treatment(act, facts, add)
        }
        return out
    }

    private func treatment(_ act: TreatmentAct, _ facts: TreatmentFacts, _ add: (GateRule, String, ClinicError) -> Void) {
        if facts.status != .active {
            add(.courseActive, "course \(facts.course) is \(facts.status.rawValue)", .courseNotActive(facts.course, status: facts.status.rawValue))
        }
        screen(facts, add)
        if let session = facts.session {
            let today = calendar.date(at: now)
            // A session under way was started on its day; it may end after midnight.
            if session.startedAt == nil, session.date != today {
                add(.sessionDay, "session \(session.id) is booked for \(session.date), not today (\(today))",
                    .notTodaysSession(session.id, date: session.date, today: today))
            }
            if session.startedAt == nil, facts.givenThatDay >= facts.prescription.sessionsPerDay {
                add(.dailyLimit, "course \(facts.course) has had its \(facts.prescription.sessionsPerDay) session(s) on \(session.date)",
                    .dailyLimitReached(course: facts.course, date: session.date, perDay: facts.prescription.sessionsPerDay))
            }
        }
        guard case .complete(let d) = act else { return }
        let rx = facts.prescription
        let output = d.outputPercent
        if output > 100 {
            add(.machineOutput, "\(d.intensityPercentMT.clinical)% of MT \(d.motorThreshold.clinical)% is \(output.clinical)% of machine output",
                DeliveryRules.aboveMachineOutput(intensityPercentMT: d.intensityPercentMT, motorThreshold: d.motorThreshold))
        }
        if d.pulsesDelivered > rx.dose.pulsesPerSession {
            add(.pulsesPrescribed, "\(d.pulsesDelivered) pulses is more than the \(rx.dose.pulsesPerSession) prescribed",
                DeliveryRules.abovePrescription(d.pulsesDelivered, prescribed: rx.dose.pulsesPerSession))
        }
        let date = facts.session?.date ?? calendar.date(at: now)
        if let reason = policy.recheck.due(
            at: now, on: date, lastMeasured: facts.lastMeasured, lastDelivered: facts.lastDelivered, seizures: facts.seizures,
            changes: facts.changes, calendar: calendar) {
            add(.mtRecheck, reason, .recheckDue(course: facts.course, reason: reason))
        }
        // A dose the prescriber already took beyond the table, with a reason, needs no new one when given as prescribed.
        let asPrescribed = d.intensityPercentMT == rx.dose.intensityPercentMT && d.frequencyHz == rx.dose.frequencyHz
            && d.trainDurationSeconds == rx.dose.trainDurationSeconds && d.coil.lowercased() == rx.coil.lowercased()
        doseLimits(d.intensityPercentMT, d.frequencyHz, d.trainDurationSeconds, coil: d.coil) { rule, message, error in
            if asPrescribed, facts.prescriptionOverrides.contains(rule) { return }
            add(rule, message, error)
        }
        deviations(d, facts, add)
    }

    /// What completing a session as prescribed would need a clinician's
    /// override for (or would warn of), as the facts stand: told when it starts.
    public func pending(_ facts: TreatmentFacts) -> [Finding] {
        let rx = facts.prescription.dose
        let delivery = Delivery(
            motorThreshold: facts.lastMeasured?.value ?? 0, intensityPercentMT: rx.intensityPercentMT, frequencyHz: rx.frequencyHz,
            pulsesPerTrain: rx.pulsesPerTrain, trainDurationSeconds: rx.trainDurationSeconds,
            interTrainIntervalSeconds: rx.interTrainIntervalSeconds, trains: rx.trains, pulsesDelivered: rx.pulsesPerSession,
            coil: facts.prescription.coil, target: facts.prescription.target)
        return findings(.complete(delivery), facts).filter { $0.severity != .refuse }
    }

    private func screen(_ facts: TreatmentFacts, _ add: (GateRule, String, ClinicError) -> Void) {
        guard !facts.screens.isEmpty else {
            let reason = "no safety screen has been recorded"
            add(.screen, reason, .screenRequired(course: facts.course, state: "none", reason: reason))
            return
        }
        let standing = StandingFinding.standing(facts.screens, facts.clearances)
        func named(_ findings: [StandingFinding]) -> String {
            findings.map { "\($0.question) (screen \($0.screen), \($0.date))" }.joined(separator: ", ")
        }
        let absolute = standing.filter { $0.weight == .absolute }
        if !absolute.isEmpty {
            let reason = "the safety screen found an absolute contraindication (\(named(absolute))), "
                + "which stands until a clinician clears it"
            add(.screen, reason, .screenRequired(course: facts.course, state: "absolute", reason: reason))
            return
        }
        let unsigned = standing.filter { $0.weight == .relative && !$0.signedOff }
        if !unsigned.isEmpty {
            let reason = "the safety screen found \(named(unsigned)): a clinician must sign it off"
            add(.screen, reason, .screenRequired(course: facts.course, state: "relative", reason: reason))
        }
    }

    private func doseLimits(
        _ percentMT: Double, _ frequencyHz: Double, _ trainSeconds: Double, coil: String, _ add: (GateRule, String, ClinicError) -> Void
    ) {
        switch TrainLimit.check(policy.trainLimits, coil: coil, frequencyHz: frequencyHz, percentMT: percentMT, trainSeconds: trainSeconds) {
        case .within: break
        case .exceeds(let reason): add(.doseLimit, reason, .doseLimitExceeded(reason, rule: .doseLimit))
        case .unknown(let reason):
            let message = reason + ": no limit is on record, so a clinician must judge it"
            add(.doseLimitUnknown, message, .doseLimitExceeded(message, rule: .doseLimitUnknown))
        }
    }

    /// The delivered values against the prescription, each within its rule's tolerance.
    private func deviations(_ d: Delivery, _ facts: TreatmentFacts, _ add: (GateRule, String, ClinicError) -> Void) {
        let rx = facts.prescription.dose
        func number(_ rule: GateRule, _ what: String, _ prescribed: Double, _ delivered: Double, _ unit: String) {
            guard abs(delivered - prescribed) > policy.tolerance(rule) + 1e-9 else { return }
            let p = "\(prescribed.clinical)\(unit)", g = "\(delivered.clinical)\(unit)"
            add(rule, "\(what) \(g) delivered, \(p) prescribed", .deviation(rule, what: what, prescribed: p, delivered: g))
        }
        number(.deviationIntensity, "intensity", rx.intensityPercentMT, d.intensityPercentMT, "% MT")
        number(.deviationFrequency, "frequency", rx.frequencyHz, d.frequencyHz, " Hz")
        number(.deviationTrains, "trains", Double(rx.trains), Double(d.trains), "")
        number(.deviationPulsesPerTrain, "pulses per train", Double(rx.pulsesPerTrain), Double(d.pulsesPerTrain), "")
        number(.deviationTrainDuration, "train duration", rx.trainDurationSeconds, d.trainDurationSeconds, " s")
        number(.deviationInterval, "inter-train interval", rx.interTrainIntervalSeconds, d.interTrainIntervalSeconds, " s")
        func text(_ rule: GateRule, _ what: String, _ prescribed: String, _ delivered: String) {
            guard prescribed.lowercased() != delivered.lowercased() else { return }
            add(rule, "\(what) \(delivered) used, \(prescribed) prescribed", .deviation(rule, what: what, prescribed: prescribed, delivered: delivered))
        }
        text(.deviationCoil, "coil", facts.prescription.coil, d.coil)
        text(.deviationTarget, "target", facts.prescription.target, d.target)
        if let measured = facts.lastMeasured {
            let rule = GateRule.deviationMotorThreshold
            if abs(d.motorThreshold - measured.value) > policy.tolerance(rule) + 1e-9 {
                let p = "\(measured.value.clinical)%", g = "\(d.motorThreshold.clinical)%"
                add(rule, "a motor threshold of \(g) of output used, \(p) measured on \(measured.date)",
                    .deviation(rule, what: "motor threshold", prescribed: p, delivered: g))
            }
        }
    }

    /// Whether the act may go ahead with these findings and overrides; returns
    /// what it goes ahead with (warnings, and overrides with their reasons) or
    /// throws the refusal. `overrides` are a clinician's reasons by rule;
    /// `reason` is one reason given without a rule, as clients before per-rule
    /// overrides sent it, which stands for the one rule that needs it and for
    /// no more than one.
    public static func decide(
        _ findings: [Finding], overrides: [GateRule: String], reason: String?, clinician: Bool
    ) throws(ClinicError) -> [AcceptedFinding] {
        if let refusal = findings.first(where: { $0.severity == .refuse }) { throw refusal.error }
        let needing = findings.filter { $0.severity == .override }
        if (!overrides.isEmpty || reason != nil), !clinician {
            let rule = needing.first { overrides[$0.rule] != nil }?.rule ?? overrides.keys.sorted { $0.rawValue < $1.rawValue }.first
                ?? needing.first?.rule
            throw ClinicError.overrideNotPermitted(rule)
        }
        var accepted: [AcceptedFinding] = []
        for finding in findings where finding.severity != .refuse {
            guard finding.severity == .override else {
                accepted.append(AcceptedFinding(rule: finding.rule, severity: .warn, message: finding.message, reason: nil))
                continue
            }
            var given = overrides[finding.rule]
            if given == nil, let reason {
                guard needing.count == 1 else {
                    throw ClinicError.overridesNeeded(needing.map(\.rule), first: finding.error)
                }
                given = reason
            }
            guard let given else { throw finding.error }
            accepted.append(AcceptedFinding(rule: finding.rule, severity: .override, message: finding.message, reason: given))
        }
        return accepted
    }
}
