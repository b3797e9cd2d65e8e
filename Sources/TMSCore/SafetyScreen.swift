#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

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
    /// question must be answered and no other. The findings are every
    /// question answered yes, with its weight; the result, the gravest of them.
    public static func judge(
        _ answers: [String: Bool], _ questions: [ScreenQuestion]
    ) throws(ClinicError) -> (result: ScreenResult, findings: [String: ScreenQuestion.Weight]) {
        if let unknown = answers.keys.sorted().first(where: { key in !questions.contains { $0.id == key } }) {
            throw ClinicError.invalidValue("answers", "'\(unknown)' is not a screen question")
        }
        if let missing = questions.first(where: { answers[$0.id] == nil }) {
            throw ClinicError.invalidValue("answers", "'\(missing.id)' is not answered: every question must be")
        }
        let yes = Dictionary(uniqueKeysWithValues: questions.filter { answers[$0.id] == true }.map { ($0.id, $0.weight) })
        let result: ScreenResult = yes.values.contains(.absolute) ? .absolute : yes.isEmpty ? .clear : .relative
        return (result, yes)
    }
}

/// A screen as the treatment gate reads it: when it was recorded, what it
/// found, and when a clinician signed off its relative findings.
public struct ScreenFacts: Sendable, Hashable {
    public var id: Int
    public var date: CivilDate
    public var at: Date
    public var findings: [String: ScreenQuestion.Weight]
    public var signedOffAt: Date?

    public init(id: Int, date: CivilDate, at: Date, findings: [String: ScreenQuestion.Weight], signedOffAt: Date?) {
        self.id = id
        self.date = date
        self.at = at
        self.findings = findings
        self.signedOffAt = signedOffAt
    }
}

/// A clinician's clearance of one finding, with the reason.
public struct ScreenClearance: Sendable, Hashable {
    public var question: String
    public var at: Date
    public var by: String
    public var reason: String

    public init(question: String, at: Date, by: String, reason: String) {
        self.question = question
        self.at = at
        self.by = by
        self.reason = reason
    }
}

/// A contraindication a screen found that still stands: no later screen
/// answering "no" erases it, only a clinician's clearance does.
public struct StandingFinding: Sendable, Hashable {
    public var question: String
    public var weight: ScreenQuestion.Weight
    /// The screen that found it (the first since any clearance of it).
    public var screen: Int
    public var date: CivilDate
    /// A relative finding a clinician signed off after it was found.
    public var signedOff: Bool

    /// The findings that stand after `screens` and `clearances`, in the order found.
    public static func standing(_ screens: [ScreenFacts], _ clearances: [ScreenClearance]) -> [StandingFinding] {
        enum Event { case screen(ScreenFacts), signOff(Date), clearance(ScreenClearance) }
        var events: [(at: Date, order: Int, event: Event)] = []
        for s in screens {
            events.append((s.at, 0, .screen(s)))
            if let signed = s.signedOffAt { events.append((signed, 1, .signOff(signed))) }
        }
        for c in clearances { events.append((c.at, 2, .clearance(c))) }
        var standing: [StandingFinding] = []
        for (_, _, event) in events.sorted(by: { ($0.at, $0.order) < ($1.at, $1.order) }) {
            switch event {
            case .screen(let s):
                for (question, weight) in s.findings.sorted(by: { $0.key < $1.key }) where !standing.contains(where: { $0.question == question }) {
                    standing.append(StandingFinding(question: question, weight: weight, screen: s.id, date: s.date, signedOff: false))
                }
            case .signOff:
                for i in standing.indices where standing[i].weight == .relative { standing[i].signedOff = true }
            case .clearance(let c):
                standing.removeAll { $0.question == c.question }
            }
        }
        return standing
    }
}
