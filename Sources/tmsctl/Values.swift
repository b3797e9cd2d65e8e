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
extension Clinic.ContactPreference: ExpressibleByArgument {}
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
extension PatientStage: ExpressibleByArgument {
    public init?(argument: String) {
        guard let stage = Self(rawValue: argument) ?? (argument == "in-course" ? .inCourse : nil) else { return nil }
        self = stage
    }
}

extension ConsultationOutcome: ExpressibleByArgument {
    public init?(argument: String) {
        let aliases: [String: Self] = ["not-candidate": .notCandidate, "referred-elsewhere": .referredElsewhere]
        guard let outcome = Self(rawValue: argument) ?? aliases[argument] else { return nil }
        self = outcome
    }
}

extension Strategy.Kind: ExpressibleByArgument {}


extension Format {
    /// A weekday's short name: "Mon".
    static func day(_ date: CivilDate) -> String { String(describing: date.weekday).prefix(3).capitalized }

    /// "deviation-intensity overridden by dr-a: intensity 130% MT delivered, 120% MT prescribed (a reason)".
    static func finding(_ f: Clinic.Finding) -> String {
        let how = switch f.severity {
        case .override: "overridden" + (f.recordedBy.map { " by \($0)" } ?? "")
        case .warn: "noted"
        case .refuse: "refused"
        }
        return "\(f.rule) \(how)" + (f.sessionId.map { " (session \($0))" } ?? "") + ": \(f.message)" + (f.reason.map { " (\($0))" } ?? "")
    }
}

/// A clinician's overrides, as commands that treat take them: --override
/// RULE=REASON once per rule, or one --override REASON for the one rule that needs it.
struct Overrides: ParsableArguments {
    @Option(name: .customLong("override"), help: ArgumentHelp(
        "A clinician's reason to go ahead although RULE asks for one (clinician role; repeat for each rule tmsd names).",
        valueName: "RULE=REASON"))
    var given: [String] = []

    func validate() throws {
        if given.filter({ Clinic.Override(argument: $0) == nil }).count > 1 {
            throw ValidationError("Give each --override its rule: --override RULE=REASON.")
        }
    }

    var byRule: [Clinic.Override]? {
        let rules = given.compactMap(Clinic.Override.init(argument:))
        return rules.isEmpty ? nil : rules
    }

    /// A reason given without a rule.
    var reason: String? { given.first { Clinic.Override(argument: $0) == nil } }
}
