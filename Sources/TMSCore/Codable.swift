/// The domain's values as the interface writes them: dates `YYYY-MM-DD`,
/// times `HH:MM`, enumerations by their raw names.

extension CivilDate: Codable {
    /// A date that is not `YYYY-MM-DD`, or names no real day; the decoding
    /// error's underlying error, so the interface can answer InvalidDate.
    public struct Unreadable: Error, Sendable {
        public let text: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "not a date (YYYY-MM-DD)", underlyingError: Unreadable(text: text)))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension LocalTime: Codable {
    /// A time of day that is not `HH:MM` on a 24-hour clock.
    public struct Unreadable: Error, Sendable {
        public let text: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = LocalTime(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "not a time (HH:MM)", underlyingError: Unreadable(text: text)))
        }
        self = time
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CourseStatus: Codable {}
extension SessionStatus: Codable {}
extension ThresholdMethod: Codable {}
extension Severity: Codable {}
extension Timepoint: Codable {}
extension ScreenResult: Codable {}
extension ContactMethod: Codable {}
extension PatientField: Codable {}
extension ScreenQuestion.Weight: Codable {}
extension TargetSite.Method: Codable {}
extension Trial.Kind: Codable {}
extension Trial.Adherence: Codable {}
extension Trial.Outcome: Codable {}
