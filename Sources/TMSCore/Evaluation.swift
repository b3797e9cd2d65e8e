/// The pre-TMS evaluation: items of the clinical data ([evaluation.ID]),
/// each recorded per patient with its result, date and who recorded it.

/// One thing the evaluation checks, as the clinical data defines it.
public struct EvaluationItem: Sendable, Hashable, Codable {
    public enum Section: String, Sendable, CaseIterable, Codable {
        /// The diagnosis re-checked: MDD, and what presents like it.
        case diagnosis
        /// Medical contributors.
        case medical
        /// Lifestyle factors.
        case lifestyle
        /// Other treatments tried.
        case treatments
    }

    public var id: String
    public var section: Section
    public var name: String
    /// The results it may be recorded with.
    public var results: [String]
    /// Whether the evaluation is complete only with it recorded.
    public var required: Bool

    public init(id: String, section: Section, name: String, results: [String], required: Bool = true) {
        self.id = id
        self.section = section
        self.name = name
        self.results = results
        self.required = required
    }
}

/// An evaluation item as recorded for a patient.
public struct EvaluationEntry: Sendable, Hashable, Codable {
    public var id: Int
    public var patientId: Int
    public var item: String
    public var result: String
    /// The instrument used (MDQ, AUDIT-C, TSH), where one was.
    public var instrument: String?
    /// Its score or value, where it has one.
    public var score: Double?
    /// What else was found: the episode's severity and length, a reference
    /// range, a psychotherapy's kind and length, sessions and response.
    public var detail: String?
    public var date: CivilDate
    public var recordedBy: String

    public init(
        id: Int, patientId: Int, item: String, result: String, instrument: String?, score: Double?, detail: String?,
        date: CivilDate, recordedBy: String
    ) {
        self.id = id
        self.patientId = patientId
        self.item = item
        self.result = result
        self.instrument = instrument
        self.score = score
        self.detail = detail
        self.date = date
        self.recordedBy = recordedBy
    }
}

/// The evaluation's items, in the order they are shown: by section, then
/// in the order given (the clinical data's).
public struct EvaluationRules: Sendable, Hashable {
    public var items: [EvaluationItem]

    public init(items: [EvaluationItem] = []) {
        let sections = EvaluationItem.Section.allCases
        self.items = items.enumerated().sorted {
            (sections.firstIndex(of: $0.element.section)!, $0.offset) < (sections.firstIndex(of: $1.element.section)!, $1.offset)
        }.map(\.element)
    }

    public func item(_ id: String) throws(ClinicError) -> EvaluationItem {
        guard let item = items.first(where: { $0.id == id }) else { throw ClinicError.evaluationItemNotFound(id) }
        return item
    }

    /// Checks a result against its item: one of the item's results.
    public func check(item id: String, result: String) throws(ClinicError) -> EvaluationItem {
        let item = try item(id)
        guard item.results.contains(result) else {
            throw ClinicError.invalidValue("result", "\(item.id) is recorded as one of \(item.results.joined(separator: ", "))")
        }
        return item
    }

    /// The latest entry of each item (a later recording replaces an earlier
    /// one: the date, then the order recorded, decides), by item id.
    public static func latest(_ entries: [EvaluationEntry]) -> [String: EvaluationEntry] {
        var latest: [String: EvaluationEntry] = [:]
        for entry in entries {
            if let seen = latest[entry.item], (seen.date, seen.id) > (entry.date, entry.id) { continue }
            latest[entry.item] = entry
        }
        return latest
    }

    /// The required items not recorded: the evaluation is complete when there are none.
    public func missing(_ latest: [String: EvaluationEntry]) -> [EvaluationItem] {
        items.filter { $0.required && latest[$0.id] == nil }
    }
}
