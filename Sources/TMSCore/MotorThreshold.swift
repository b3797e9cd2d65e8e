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
