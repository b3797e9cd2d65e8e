// Copies of the database, taken while tmsd serves.

extension Clinic {
    public enum Backup: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            /// The copy's file name in the backup directory, or its whole path there.
            public var path: String?
            /// Afterwards, keep only this many of the backups tmsd named itself.
            public var keep: Int?
            public init(path: String? = nil, keep: Int? = nil) {
                self.path = path
                self.keep = keep
            }
            public static var constraints: [String: Constraint] { ["path": .text(max: 1000), "keep": .int(1...1000)] }
        }
        public struct Output: Codable, Sendable {
            /// Where the copy is.
            public var path: String
            public var bytes: Int
            /// The copy's change-log head, checked.
            public var head: AuditHead?
            /// Change-log entries the check walked.
            public var entries: Int
            public var seconds: Double
            /// Older backups removed to keep `keep`, oldest first.
            public var removed: [String]
            public init(path: String, bytes: Int, head: AuditHead?, entries: Int, seconds: Double, removed: [String]) {
                self.path = path
                self.bytes = bytes
                self.head = head
                self.entries = entries
                self.seconds = seconds
                self.removed = removed
            }
        }
        public static var role: Role? { .backup }
        /// It writes its own audit entry, and blocks for as long as the copy takes.
        public static var writes: Bool { true }
    }
}
