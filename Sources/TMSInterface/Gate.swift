public import TMSCore

// What the treatment gate found, and a clinician's override of a rule.

extension Clinic {
    /// A finding of the treatment gate: a rule, its severity, why; for an
    /// override, the clinician's reason.
    public struct Finding: Codable, Sendable, Equatable {
        public var rule: String
        public var severity: TMSCore.Finding.Severity
        public var message: String
        public var sessionId: Int?
        public var reason: String?
        public var recordedBy: String?
        public var at: String?

        public init(
            rule: String, severity: TMSCore.Finding.Severity, message: String, sessionId: Int? = nil, reason: String? = nil,
            recordedBy: String? = nil, at: String? = nil
        ) {
            self.rule = rule
            self.severity = severity
            self.message = message
            self.sessionId = sessionId
            self.reason = reason
            self.recordedBy = recordedBy
            self.at = at
        }
    }

    /// A clinician's reason to treat although `rule` asks for one.
    public struct Override: Codable, Sendable, Equatable {
        public var rule: String
        public var reason: String

        public init(rule: String, reason: String) {
            self.rule = rule
            self.reason = reason
        }

        /// `RULE=REASON`, as tmsctl's --override takes it; nil when `text` names no rule.
        public init?(argument text: String) {
            guard let equals = text.firstIndex(of: "=") else { return nil }
            let rule = String(text[..<equals])
            guard let first = rule.first, first.isLetter, first.isLowercase,
                  rule.allSatisfy({ ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }) else { return nil }
            self.init(rule: rule, reason: String(text[text.index(after: equals)...]))
        }
    }

    /// The bounds of an override's rule and reason, by path under `prefix`.
    static func overrideConstraints(_ prefix: String) -> [String: Constraint] {
        [prefix + "[].rule": .text(max: 100), prefix + "[].reason": .text(max: 2000)]
    }
}
