/// The CPT codes a delivered session bills, from the clinical data's
/// `[billing]` (CLINICAL.md, Billing): one code a session.
public struct BillingRules: Sendable, Hashable {
    /// The course's first delivered session: cortical mapping, MT determination, delivery.
    public var initial = "90867"
    /// A later session.
    public var delivery = "90868"
    /// A later session on a day the MT was determined again.
    public var redetermination = "90869"
    /// At most one re-determination billed in this many days (0: no limit).
    public var redeterminationDays = 7

    public init() {}

    /// The code of a session delivered on `date`. `first` is the course's
    /// first delivered session; `measured` every day the course's MT was
    /// measured and a session delivered, in any order; `firstOfDay` whether
    /// this is the course's first session delivered that day (an accelerated
    /// course gives several a day, and only the first bills the re-determination).
    public func code(
        session: Int, on date: CivilDate, first: (id: Int, date: CivilDate)?, measured: [CivilDate], firstOfDay: Bool = true
    ) -> String {
        if first?.id == session { return initial }
        guard firstOfDay, measured.contains(date) else { return delivery }
        // Walk the re-determinations in time order, billing each that is far
        // enough from the last one billed; the first session's day is the initial's.
        var lastBilled: CivilDate?
        for day in Set(measured).sorted() where day != first?.date && day <= date {
            if let last = lastBilled, redeterminationDays > 0, day.dayNumber - last.dayNumber < redeterminationDays { continue }
            lastBilled = day
        }
        return lastBilled == date ? redetermination : delivery
    }

    /// The code of every session a course delivered: `delivered` in time
    /// order, `measured` the days its MT was measured.
    public func codes(delivered: [(id: Int, date: CivilDate)], measured: Set<CivilDate>) -> [Int: String] {
        guard let first = delivered.first else { return [:] }
        let days = Array(measured.intersection(delivered.map(\.date)))
        var seen: Set<CivilDate> = []
        var out: [Int: String] = [:]
        for session in delivered {
            let firstOfDay = seen.insert(session.date).inserted
            out[session.id] = code(session: session.id, on: session.date, first: first, measured: days, firstOfDay: firstOfDay)
        }
        return out
    }
}
