// Who is calling, and the audit trail.

extension Clinic {
    /// One change, who made it and when.
    public struct AuditEntry: Codable, Sendable, Equatable {
        public var id: Int
        public var at: String
        public var uid: Int
        public var user: String
        public var pid: Int
        public var method: String
        public var patientId: Int?
        public var courseId: Int?
        public var sessionId: Int?
        public var summary: String
        /// For a refused call, the error it got.
        public var error: String?

        public init(
            id: Int, at: String, uid: Int, user: String, pid: Int, method: String, patientId: Int?, courseId: Int?,
            sessionId: Int?, summary: String, error: String?
        ) {
            self.id = id
            self.at = at
            self.uid = uid
            self.user = user
            self.pid = pid
            self.method = method
            self.patientId = patientId
            self.courseId = courseId
            self.sessionId = sessionId
            self.summary = summary
            self.error = error
        }
    }

    public enum WhoAmI: ClinicMethod {
        public static var quick: Bool { true }
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            public var user: String
            public var uid: Int
            public var groups: [String]
            public var roles: [Role]
            /// The role each changing method needs, by method name.
            public var required: [String: Role]
            /// The Unix groups that hold each role, by role name.
            public var roleGroups: [String: [String]]

            public init(user: String, uid: Int, groups: [String], roles: [Role], required: [String: Role], roleGroups: [String: [String]]) {
                self.user = user
                self.uid = uid
                self.groups = groups
                self.roles = roles
                self.required = required
                self.roleGroups = roleGroups
            }
        }
    }

    public enum ListAudit: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            public var courseId: Int?
            public var limit: Int?
            public init(courseId: Int? = nil, limit: Int? = nil) {
                self.courseId = courseId
                self.limit = limit
            }
            public static var constraints: [String: Constraint] { ["courseId": .id, "limit": .int(1...10_000)] }
        }
        public struct Output: Codable, Sendable {
            public var entries: [AuditEntry]
            public init(entries: [AuditEntry]) { self.entries = entries }
        }
        public static var role: Role? { .auditor }
    }

    /// The change log's newest entry: its sequence number and SHA-256 hash.
    public struct AuditHead: Codable, Sendable, Equatable {
        public var sequence: Int
        public var hash: String
        public init(sequence: Int, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    /// The first entry of the change log that does not match, and how.
    public struct AuditBreak: Codable, Sendable, Equatable {
        public var sequence: Int
        public var reason: String
        public init(sequence: Int, reason: String) {
            self.sequence = sequence
            self.reason = reason
        }
    }

    /// A record whose row is not what the entry that last changed it recorded.
    public struct AuditRecordDifference: Codable, Sendable, Equatable {
        public var table: String
        public var id: Int
        public var sequence: Int
        public init(table: String, id: Int, sequence: Int) {
            self.table = table
            self.id = id
            self.sequence = sequence
        }
    }

    public enum VerifyAudit: ClinicMethod {
        public struct Input: ClinicInput, Equatable {
            /// A head an earlier nightly report printed, `SEQ:HASH`.
            public var anchor: String?
            /// Also compare every record the log names with its row now.
            public var records: Bool?
            public init(anchor: String? = nil, records: Bool? = nil) {
                self.anchor = anchor
                self.records = records
            }
            public static var constraints: [String: Constraint] { ["anchor": .text(max: 100)] }
        }
        public struct Output: Codable, Sendable {
            /// Entries read.
            public var entries: Int
            /// The last entry that checked.
            public var head: AuditHead?
            public var broken: AuditBreak?
            /// With `records`: how many records were compared, and the first whose row differs.
            public var recordsChecked: Int?
            public var recordDiffers: AuditRecordDifference?
            public init(
                entries: Int, head: AuditHead?, broken: AuditBreak?, recordsChecked: Int? = nil, recordDiffers: AuditRecordDifference? = nil
            ) {
                self.entries = entries
                self.head = head
                self.broken = broken
                self.recordsChecked = recordsChecked
                self.recordDiffers = recordDiffers
            }
        }
        public static var role: Role? { .auditor }
    }
}
