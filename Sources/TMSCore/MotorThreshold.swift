/// How a motor threshold was found. Visual thresholds run about 11% above
/// EMG ones, so the method is kept with the value.
public enum ThresholdMethod: String, Sendable, CaseIterable {
    case visual, emg, algorithm
}

/// When the motor threshold must be measured again (clinical data).
public struct RecheckRules: Sendable, Hashable {
    public var everyDays: Int?
    public var afterGapDays: Int?
    public var afterSeizure: Bool

    public init(everyDays: Int? = 7, afterGapDays: Int? = 7, afterSeizure: Bool = true) {
        self.everyDays = everyDays
        self.afterGapDays = afterGapDays
        self.afterSeizure = afterSeizure
    }

    /// Why a re-check is due for a session on `date`, or nil when it is not.
    /// - Parameters:
    ///   - lastMeasured: the course's latest measurement.
    ///   - lastDelivered: the latest session completed before `date`.
    ///   - lastSeizure: the latest seizure recorded in the course.
    public func due(
        on date: CivilDate, lastMeasured: CivilDate?, lastDelivered: CivilDate?, lastSeizure: CivilDate?,
        lastMedicationChange: (date: CivilDate, drug: String)? = nil
    ) -> String? {
        guard let measured = lastMeasured else { return "no motor threshold has been measured for this course" }
        if let change = lastMedicationChange, change.date > measured, change.date <= date {
            return "\(change.drug) changed on \(change.date), after the last measurement (\(measured))"
        }
        if afterSeizure, let seizure = lastSeizure, seizure > measured {
            return "a seizure on \(seizure) came after the last measurement (\(measured)); measure it again (the same day counts)"
        }
        if let every = everyDays, date.dayNumber - measured.dayNumber >= every {
            return "the last measurement was on \(measured), \(date.dayNumber - measured.dayNumber) days ago (every \(every) days)"
        }
        if let gap = afterGapDays, let last = lastDelivered, date.dayNumber - last.dayNumber >= gap, measured <= last {
            return "\(date.dayNumber - last.dayNumber) days passed since the last session (\(last)) and the threshold was not measured since"
        }
        return nil
    }
}

/// An adverse event type a session can record (clinical data).
public struct AdverseEventKind: Sendable, Hashable {
    public var id: String
    public var name: String
    /// The event puts the course on hold at once.
    public var hold: Bool

    public init(id: String, name: String, hold: Bool = false) {
        self.id = id
        self.name = name
        self.hold = hold
    }
}

public enum Severity: String, Sendable, CaseIterable {
    case mild, moderate, severe
}

/// One row of the train-duration limits: for a coil at a frequency, the
/// longest single train up to an intensity.
public struct TrainLimit: Sendable, Hashable {
    public var coil: String
    public var frequencyHz: Double
    public var upToPercentMT: Double
    public var seconds: Double

    public init(coil: String, frequencyHz: Double, upToPercentMT: Double, seconds: Double) {
        self.coil = coil
        self.frequencyHz = frequencyHz
        self.upToPercentMT = upToPercentMT
        self.seconds = seconds
    }

    /// Why a train breaks the table, or nil when it keeps it (or the table
    /// has no row for its coil and frequency).
    public static func check(
        _ limits: [TrainLimit], coil: String, frequencyHz: Double, percentMT: Double, trainSeconds: Double
    ) -> String? {
        let rows = limits.filter { $0.coil == coil && abs($0.frequencyHz - frequencyHz) < 0.01 }.sorted { $0.upToPercentMT < $1.upToPercentMT }
        guard !rows.isEmpty else { return nil }
        guard let row = rows.first(where: { percentMT <= $0.upToPercentMT + 1e-9 }) else {
            return "\(percentMT.clinical)% MT at \(frequencyHz.clinical) Hz on the \(coil) coil is above every row of the limits table"
                + " (highest: \(rows.last!.upToPercentMT.clinical)%)"
        }
        guard trainSeconds <= row.seconds + 1e-9 else {
            return "\(trainSeconds.clinical) s trains at \(frequencyHz.clinical) Hz and \(percentMT.clinical)% MT on the \(coil) coil exceed"
                + " the \(row.seconds.clinical) s limit"
        }
        return nil
    }
}

/// A safety screen question (clinical data).
public struct ScreenQuestion: Sendable, Hashable {
    public enum Weight: String, Sendable, CaseIterable { case absolute, relative }
    public var id: String
    public var question: String
    public var weight: Weight

    public init(id: String, question: String, weight: Weight) {
        self.id = id
        self.question = question
        self.weight = weight
    }
}

/// What a completed screen says.
public enum ScreenResult: String, Sendable, CaseIterable {
    /// No contraindication.
    case clear
    /// A relative contraindication: treatment after a clinician's sign-off.
    case relative
    /// An absolute contraindication: no treatment.
    case absolute

    /// Judges `answers` (question id -> yes) against `questions`; every
    /// question must be answered and no other.
    public static func judge(_ answers: [String: Bool], _ questions: [ScreenQuestion]) throws(ClinicError) -> (ScreenResult, [String]) {
        if let unknown = answers.keys.sorted().first(where: { key in !questions.contains { $0.id == key } }) {
            throw ClinicError.invalidValue("answers", "'\(unknown)' is not a screen question")
        }
        if let missing = questions.first(where: { answers[$0.id] == nil }) {
            throw ClinicError.invalidValue("answers", "'\(missing.id)' is not answered: every question must be")
        }
        let yes = questions.filter { answers[$0.id] == true }
        if yes.contains(where: { $0.weight == .absolute }) { return (.absolute, yes.filter { $0.weight == .absolute }.map(\.id)) }
        if !yes.isEmpty { return (.relative, yes.map(\.id)) }
        return (.clear, [])
    }
}

/// What the clinical data says of a drug.
public struct DrugClass: Sendable, Hashable {
    public enum Hazard: String, Sendable { case strong, relative }
    public var name: String
    public var drugClass: String
    public var seizure: Hazard?
    public var raisesMT: Bool
    public var blunts: Bool

    public init(name: String, drugClass: String, seizure: Hazard? = nil, raisesMT: Bool = false, blunts: Bool = false) {
        self.name = name
        self.drugClass = drugClass
        self.seizure = seizure
        self.raisesMT = raisesMT
        self.blunts = blunts
    }

    /// The warnings a start or change of this drug raises.
    public var warnings: [String] {
        var out: [String] = []
        if let seizure { out.append("\(name) lowers the seizure threshold (\(seizure.rawValue) hazard)") }
        if raisesMT { out.append("\(name) raises the motor threshold") }
        if blunts { out.append("\(name) may blunt the response to TMS") }
        return out
    }

    /// Whether a change of it marks the MT re-check due under `rule`
    /// (property names: seizure, raises-mt, blunts).
    public func triggersRecheck(_ rule: Set<String>) -> Bool {
        (rule.contains("seizure") && seizure != nil) || (rule.contains("raises-mt") && raisesMT) || (rule.contains("blunts") && blunts)
    }
}
