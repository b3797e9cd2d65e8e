#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

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

    /// Why a re-check is due before a session at `instant` on `date`, or
    /// nil when it is not. "After" and "since" compare instants, never dates:
    /// a threshold measured in the morning comes before a seizure that
    /// afternoon, and a drug changed after the morning's measurement needs
    /// another, the same day. A change or a seizure at the very instant of
    /// the measurement (both recorded for a past day without a time) counts
    /// as after it: the doubt goes to measuring again.
    /// - Parameters:
    ///   - lastMeasured: the course's latest measurement.
    ///   - lastDelivered: the latest session delivered before this one.
    ///   - seizures: when the course's seizures (its holding events) happened.
    ///   - changes: when each threshold-relevant drug was started, changed or stopped.
    public func due(
        at instant: Date, on date: CivilDate, lastMeasured: ThresholdReading?, lastDelivered: (date: CivilDate, at: Date)?,
        seizures: [Date] = [], changes: [(drug: String, at: Date)] = [], calendar: ClinicCalendar
    ) -> String? {
        guard let measured = lastMeasured else { return "no motor threshold has been measured for this course" }
        if let change = changes.filter({ $0.at >= measured.at && $0.at <= instant }).max(by: { $0.at < $1.at }) {
            return "\(change.drug) changed on \(calendar.date(at: change.at)), after the last measurement (\(measured.date))"
        }
        if afterSeizure, let seizure = seizures.filter({ $0 >= measured.at }).max() {
            return "a seizure on \(calendar.date(at: seizure)) came after the last measurement (\(measured.date)); measure it again"
        }
        if let every = everyDays, date.dayNumber - measured.date.dayNumber >= every {
            return "the last measurement was on \(measured.date), \(date.dayNumber - measured.date.dayNumber) days ago (every \(every) days)"
        }
        if let gap = afterGapDays, let last = lastDelivered, date.dayNumber - last.date.dayNumber >= gap, measured.at <= last.at {
            return "\(date.dayNumber - last.date.dayNumber) days passed since the last session (\(last.date)) and the threshold was not measured since"
        }
        return nil
    }
}

/// A motor threshold as the rules read it: its value (% of machine output),
/// the instant it was measured, and that instant's day in the clinic.
public struct ThresholdReading: Sendable, Hashable {
    public var value: Double
    public var at: Date
    public var date: CivilDate

    public init(value: Double, at: Date, date: CivilDate) {
        self.value = value
        self.at = at
        self.date = date
    }
}
