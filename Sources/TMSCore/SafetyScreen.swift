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
