/// A rating scale, as the clinical data file defines it.
public struct OutcomeScale: Sendable, Hashable {
    public var id: String
    public var name: String
    public var minimum: Int
    public var maximum: Int
    /// Recorded item by item when set: this many items, each 0...itemMaximum.
    public var items: Int?
    public var itemMaximum: Int?
    public var remissionAtMost: Int
    /// The fraction of the baseline total a response takes off it (0.5: half).
    public var responseDrop: Double
    /// An item (1-based) whose score above `alertAbove` raises an alert.
    public var alertItem: Int?
    public var alertAbove: Int

    public init(id: String, name: String, minimum: Int, maximum: Int, items: Int? = nil, itemMaximum: Int? = nil,
                remissionAtMost: Int, responseDrop: Double, alertItem: Int? = nil, alertAbove: Int = 0) {
        self.id = id
        self.name = name
        self.minimum = minimum
        self.maximum = maximum
        self.items = items
        self.itemMaximum = itemMaximum
        self.remissionAtMost = remissionAtMost
        self.responseDrop = responseDrop
        self.alertItem = alertItem
        self.alertAbove = alertAbove
    }

    /// Every way the definition contradicts itself; empty when consistent.
    public func validate() -> [String] {
        var problems: [String] = []
        if minimum >= maximum { problems.append("\(id): minimum \(minimum) is not below maximum \(maximum)") }
        if !(minimum...maximum).contains(remissionAtMost) { problems.append("\(id): remission-at-most is outside the range") }
        if !(responseDrop > 0 && responseDrop <= 1) { problems.append("\(id): response-drop must be above 0 and at most 1") }
        if (items == nil) != (itemMaximum == nil) { problems.append("\(id): items and item-maximum go together") }
        if let items, let itemMaximum, items * itemMaximum != maximum - minimum {
            problems.append("\(id): \(items) items of 0-\(itemMaximum) do not make \(minimum)-\(maximum)")
        }
        if let alertItem, !(1...(items ?? 0)).contains(alertItem) { problems.append("\(id): alert-item is not one of its items") }
        return problems
    }

    /// Checks a recording and returns its total: item by item for scales
    /// that have items (every item present and in range), else the total.
    public func score(items given: [Int]?, total: Int?) throws(ClinicError) -> Int {
        if let count = items, let itemMaximum {
            guard let given else { throw ClinicError.missingItem(scale: name, item: 1) }
            if given.count < count { throw ClinicError.missingItem(scale: name, item: given.count + 1) }
            if given.count > count { throw ClinicError.invalidValue("items", "\(name) has \(count) items, not \(given.count)") }
            for (index, value) in given.enumerated() where !(0...itemMaximum).contains(value) {
                throw ClinicError.scoreOutOfRange(scale: name, item: index + 1, value: value, minimum: 0, maximum: itemMaximum)
            }
            let sum = minimum + given.reduce(0, +)
            if let total, total != sum {
                throw ClinicError.invalidValue("total", "\(total) is not the sum of the items, \(sum)")
            }
            return sum
        }
        if given != nil { throw ClinicError.invalidValue("items", "\(name) is recorded as a total") }
        guard let total else { throw ClinicError.invalidValue("total", "\(name) needs its total") }
        guard (minimum...maximum).contains(total) else {
            throw ClinicError.scoreOutOfRange(scale: name, item: nil, value: total, minimum: minimum, maximum: maximum)
        }
        return total
    }

    /// Whether `items` raise this scale's alert.
    public func alert(items: [Int]?) -> Int? {
        guard let alertItem, let items, items.count >= alertItem, items[alertItem - 1] > alertAbove else { return nil }
        return items[alertItem - 1]
    }

    public func isRemission(_ total: Int) -> Bool { total <= remissionAtMost }

    public func isResponse(baseline: Int, latest: Int) -> Bool {
        baseline > minimum && Double(baseline - latest) >= responseDrop * Double(baseline - minimum)
    }
}

/// When in the course a score was taken.
public enum Timepoint: String, Sendable, CaseIterable {
    case baseline, weekly, end
}
