/// What the clinical data says of a drug.
public struct DrugClass: Sendable, Hashable {
    public enum Hazard: String, Sendable { case strong, relative }
    public var name: String
    public var drugClass: String
    public var seizure: Hazard?
    public var raisesMT: Bool
    public var blunts: Bool
    /// Whether it is an antidepressant: what a strategy builds on, switches
    /// between and combines.
    public var antidepressant: Bool

    public init(
        name: String, drugClass: String, seizure: Hazard? = nil, raisesMT: Bool = false, blunts: Bool = false, antidepressant: Bool = false
    ) {
        self.name = name
        self.drugClass = drugClass
        self.seizure = seizure
        self.raisesMT = raisesMT
        self.blunts = blunts
        self.antidepressant = antidepressant
    }

    /// The warnings a start or change of `drug` raises, by what `table`
    /// (the clinical data's drugs, by generic name) says of it: a drug the
    /// table does not know is a warning of its own.
    public static func warnings(_ drug: String, in table: [String: DrugClass]) -> [String] {
        table[drug]?.warnings ?? ["\(drug) is not in the drug table: a clinician must classify it; it does not count as safe"]
    }

    /// The warnings a start or change of this drug raises.
    public var warnings: [String] {
        var out: [String] = []
        if let seizure { out.append("\(name) lowers the seizure threshold (\(seizure.rawValue) hazard)") }
        if raisesMT { out.append("\(name) raises the motor threshold") }
        if blunts { out.append("\(name) may blunt the response to TMS") }
        return out
    }

    /// Whether a change of it marks the MT re-check due under `rule`
    /// (property names: seizure, raises-mt, blunts).
    public func triggersRecheck(_ rule: Set<String>) -> Bool {
        (rule.contains("seizure") && seizure != nil) || (rule.contains("raises-mt") && raisesMT) || (rule.contains("blunts") && blunts)
    }
}
