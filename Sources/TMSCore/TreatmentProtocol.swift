/// A stimulation protocol: the dose of one session and the shape of the course.
///
/// The library below is data, transcribed from CLINICAL.md; a clinic corrects or
/// extends it, and every entry must pass `validate()`.
public struct TreatmentProtocol: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var indication: String
    public var coil: String
    public var target: String
    public var source: String

    /// Pulse frequency within a train (for theta burst: within a burst, 50 Hz).
    public var frequencyHz: Double
    /// Theta burst only: bursts per second within a train, and pulses per burst.
    public var burstFrequencyHz: Double?
    public var pulsesPerBurst: Int?
    /// Intensity prescribed, as a percentage of the resting motor threshold.
    public var intensityPercentMT: Double
    /// Pulses in one train (for theta burst: all pulses of one train of bursts).
    public var pulsesPerTrain: Int
    public var trainDurationSeconds: Double
    public var interTrainIntervalSeconds: Double
    public var trains: Int
    public var pulsesPerSession: Int

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
        self.frequencyHz = frequencyHz
        self.burstFrequencyHz = burstFrequencyHz
        self.pulsesPerBurst = pulsesPerBurst
        self.intensityPercentMT = intensityPercentMT
        self.pulsesPerTrain = pulsesPerTrain
        self.trainDurationSeconds = trainDurationSeconds
        self.interTrainIntervalSeconds = interTrainIntervalSeconds
        self.trains = trains
        self.pulsesPerSession = pulsesPerSession
        self.sessionsPerDay = sessionsPerDay
        self.minimumIntervalMinutes = minimumIntervalMinutes
        self.phases = phases
    }

    /// Treatment days in the whole course.
    public var totalDays: Int { phases.reduce(0) { $0 + $1.days } }

    /// Sessions in the whole course.
    public var totalSessions: Int { totalDays * sessionsPerDay }

    /// Stimulation time of one session: every train and every interval but the last.
    public var sessionSeconds: Double {
        Double(trains) * trainDurationSeconds + Double(max(trains - 1, 0)) * interTrainIntervalSeconds
    }

    /// Every way the numbers can disagree with each other; empty when consistent.
    public func validate() -> [String] {
        var problems: [String] = []
        if pulsesPerSession != trains * pulsesPerTrain {
            problems.append("\(id): pulses per session \(pulsesPerSession) is not trains \(trains) x pulses per train \(pulsesPerTrain)")
        }
        if frequencyHz <= 0 || trainDurationSeconds <= 0 || trains <= 0 || pulsesPerTrain <= 0 {
            problems.append("\(id): frequency, train duration, trains and pulses per train must be positive")
        }
        if interTrainIntervalSeconds < 0 { problems.append("\(id): inter-train interval is negative") }
        if !(1...200).contains(intensityPercentMT) { problems.append("\(id): intensity \(intensityPercentMT)% MT is outside 1-200") }
        if sessionsPerDay < 1 { problems.append("\(id): sessions per day must be at least 1") }
        if sessionsPerDay > 1, Double(minimumIntervalMinutes * 60) < sessionSeconds {
            problems.append("\(id): \(minimumIntervalMinutes) min between sessions is shorter than one session")
        }
        if phases.isEmpty { problems.append("\(id): the course has no phase") }
        for phase in phases where phase.days <= 0 { problems.append("\(id): phase \(phase.name) has no treatment day") }
        // Pulses in a train follow from its rhythm and its duration.
        let expected: Double
        if let bursts = burstFrequencyHz, let perBurst = pulsesPerBurst {
            expected = bursts * Double(perBurst) * trainDurationSeconds
        } else {
            expected = frequencyHz * trainDurationSeconds
        }
        if abs(expected - Double(pulsesPerTrain)) > 0.5 {
            problems.append("\(id): the train's rhythm over \(trainDurationSeconds) s gives \(Int(expected.rounded())) pulses, not \(pulsesPerTrain)")
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
