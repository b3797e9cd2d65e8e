/// A stimulation protocol: the dose of one session and the shape of the course.
///
/// The library below is data, transcribed from CLINICAL.md; a clinic corrects or
/// extends it, and every entry must pass `validate()`.
@dynamicMemberLookup
public struct TreatmentProtocol: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var indication: String
    public var coil: String
    public var target: String
    public var source: String

    /// The dose of one session: frequency (for theta burst, within a burst,
    /// 50 Hz), intensity in % of the resting motor threshold, pulses in one
    /// train (for theta burst, all pulses of one train of bursts), train
    /// duration, inter-train interval, trains and pulses per session. Its
    /// fields read as the protocol's own (`p.frequencyHz`).
    public var dose: PrescribedDose
    /// Theta burst only: bursts per second within a train, and pulses per burst.
    public var burstFrequencyHz: Double?
    public var pulsesPerBurst: Int?

    /// Sessions given on one treatment day, and the least time between them.
    public var sessionsPerDay: Int
    public var minimumIntervalMinutes: Int
    /// The course: phases in order.
    public var phases: [CoursePhase]

    public init(
        id: String, name: String, indication: String = "major depressive disorder", coil: String,
        target: String, source: String, frequencyHz: Double, burstFrequencyHz: Double? = nil,
        pulsesPerBurst: Int? = nil, intensityPercentMT: Double,
        pulsesPerTrain: Int, trainDurationSeconds: Double, interTrainIntervalSeconds: Double, trains: Int,
        pulsesPerSession: Int, sessionsPerDay: Int = 1, minimumIntervalMinutes: Int = 0, phases: [CoursePhase]
    ) {
        self.id = id
        self.name = name
        self.indication = indication
        self.coil = coil
        self.target = target
        self.source = source
        dose = PrescribedDose(
            frequencyHz: frequencyHz, intensityPercentMT: intensityPercentMT, pulsesPerTrain: pulsesPerTrain,
            trainDurationSeconds: trainDurationSeconds, interTrainIntervalSeconds: interTrainIntervalSeconds, trains: trains,
            pulsesPerSession: pulsesPerSession)
        self.burstFrequencyHz = burstFrequencyHz
        self.pulsesPerBurst = pulsesPerBurst
        self.sessionsPerDay = sessionsPerDay
        self.minimumIntervalMinutes = minimumIntervalMinutes
        self.phases = phases
    }

    public subscript<T>(dynamicMember field: WritableKeyPath<PrescribedDose, T>) -> T {
        get { dose[keyPath: field] }
        set { dose[keyPath: field] = newValue }
    }

    /// Treatment days in the whole course.
    public var totalDays: Int { phases.reduce(0) { $0 + $1.days } }

    /// Sessions in the whole course.
    public var totalSessions: Int { totalDays * sessionsPerDay }

    /// Stimulation time of one session: every train and every interval but the last.
    public var sessionSeconds: Double {
        Double(dose.trains) * dose.trainDurationSeconds + Double(max(dose.trains - 1, 0)) * dose.interTrainIntervalSeconds
    }

    /// Every way the numbers can disagree with each other; empty when consistent.
    public func validate() -> [String] {
        var problems: [String] = []
        if dose.pulsesPerSession != dose.trains * dose.pulsesPerTrain {
            problems.append("\(id): pulses per session \(dose.pulsesPerSession) is not dose.trains \(dose.trains) x pulses per train \(dose.pulsesPerTrain)")
        }
        if dose.frequencyHz <= 0 || dose.trainDurationSeconds <= 0 || dose.trains <= 0 || dose.pulsesPerTrain <= 0 {
            problems.append("\(id): frequency, train duration, dose.trains and pulses per train must be positive")
        }
        if dose.interTrainIntervalSeconds < 0 { problems.append("\(id): inter-train interval is negative") }
        if !(1...200).contains(dose.intensityPercentMT) { problems.append("\(id): intensity \(dose.intensityPercentMT)% MT is outside 1-200") }
        if sessionsPerDay < 1 { problems.append("\(id): sessions per day must be at least 1") }
        if sessionsPerDay > 1, Double(minimumIntervalMinutes * 60) < sessionSeconds {
            problems.append("\(id): \(minimumIntervalMinutes) min between sessions is shorter than one session")
        }
        if phases.isEmpty { problems.append("\(id): the course has no phase") }
        for phase in phases where phase.days <= 0 { problems.append("\(id): phase \(phase.name) has no treatment day") }
        // Pulses in a train follow from its rhythm and its duration.
        let expected: Double
        if let bursts = burstFrequencyHz, let perBurst = pulsesPerBurst {
            expected = bursts * Double(perBurst) * dose.trainDurationSeconds
        } else {
            expected = dose.frequencyHz * dose.trainDurationSeconds
        }
        if abs(expected - Double(dose.pulsesPerTrain)) > 0.5 {
            problems.append("\(id): the train's rhythm over \(dose.trainDurationSeconds) s gives \(Int(expected.rounded())) pulses, not \(dose.pulsesPerTrain)")
        }
        return problems
    }

    public var isThetaBurst: Bool { burstFrequencyHz != nil }
}

/// A stretch of a course with one rhythm.
public enum CoursePhase: Sendable, Hashable {
    /// `days` treatment days in a row, on every clinic day.
    case daily(name: String, days: Int)
    /// `perWeek` treatment days in each of `weeks` weeks, spread over the week.
    case weekly(name: String, perWeek: Int, weeks: Int)

    public var name: String {
        switch self {
        case .daily(let name, _), .weekly(let name, _, _): return name
        }
    }

    /// Treatment days in the phase (the protocol's sessions per day multiply them).
    public var days: Int {
        switch self {
        case .daily(_, let n): return n
        case .weekly(_, let perWeek, let weeks): return perWeek * weeks
        }
    }
}
