/// An adverse event type a session can record (clinical data).
public struct AdverseEventKind: Sendable, Hashable {
    public var id: String
    public var name: String
    /// The event puts the course on hold at once.
    public var hold: Bool

    public init(id: String, name: String, hold: Bool = false) {
        self.id = id
        self.name = name
        self.hold = hold
    }
}

public enum Severity: String, Sendable, CaseIterable {
    case mild, moderate, severe
}
