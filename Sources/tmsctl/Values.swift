public import ArgumentParser
public import TMSCore
import TMSInterface

// The interface's values as command-line arguments: dates YYYY-MM-DD, times
// HH:MM (through Parse), enumerations by their names (listed in --help).

/// Dates and times from the command line, refused with what they should look like.
enum Parse {
    static func date(_ text: String) throws -> CivilDate {
        guard let date = CivilDate(text) else { throw ValidationError("'\(text)' is not a date (YYYY-MM-DD).") }
        return date
    }

    static func time(_ text: String) throws -> LocalTime {
        guard let time = LocalTime(text) else { throw ValidationError("'\(text)' is not a time (HH:MM).") }
        return time
    }
}

extension ThresholdMethod: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {}
extension Timepoint: ExpressibleByArgument {}
extension CourseStatus: ExpressibleByArgument {}
extension TargetSite.Method: ExpressibleByArgument {
    /// The methods' short names, as clinics say them.
    static let aliases: [String: TargetSite.Method] = [
        "5cm": .fiveCM, "5cm-rule": .fiveCM, "beam-f3": .beamF3, "f3": .beamF3, "neuronav": .neuronavigation,
        "fmri": .fmriGuided, "fmri-guided": .fmriGuided, "cap": .capPosition,
    ]

    public init?(argument: String) {
        guard let method = Self(rawValue: argument) ?? Self.aliases[argument] else { return nil }
        self = method
    }
}
extension Trial.Adherence: ExpressibleByArgument {}
extension Trial.Outcome: ExpressibleByArgument {}

extension Format {
    /// A weekday's short name: "Mon".
    static func day(_ date: CivilDate) -> String { String(describing: date.weekday).prefix(3).capitalized }
}
