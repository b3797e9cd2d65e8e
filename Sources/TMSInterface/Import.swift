import TMSCore

// Importing patients and trial histories from CSV files.

extension Clinic {
    /// One thing wrong in an import's file: its line (the header is line 1),
    /// the column (none: the whole line or the file), and what.
    public struct ImportProblem: Codable, Sendable, Equatable {
        public var line: Int
        public var column: String?
        public var message: String
        public init(line: Int, column: String?, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }
    }

    /// A CSV file to import, and whether only to check it.
    public struct ImportInput: ClinicInput, Equatable {
        public var csv: String
        public var dryRun: Bool?
        public init(csv: String, dryRun: Bool? = nil) {
            self.csv = csv
            self.dryRun = dryRun
        }
        public static var constraints: [String: Constraint] { ["csv": .document(maxBytes: 900_000)] }
    }

    /// What an import found and did.
    public struct ImportReply: Codable, Sendable {
        /// Records in the file (the header aside).
        public var rows: Int
        /// Records imported: all of them, or none.
        public var imported: Int
        public var problems: [ImportProblem]
        /// The SHA-256 of the file as sent (lowercase hex), as the audit trail records it.
        public var sha256: String
        /// The ids the records were given, in the file's order.
        public var ids: [Int]
        public init(rows: Int, imported: Int, problems: [ImportProblem], sha256: String, ids: [Int]) {
            self.rows = rows
            self.imported = imported
            self.problems = problems
            self.sha256 = sha256
            self.ids = ids
        }
    }

    public enum ImportPatients: ClinicMethod {
        public typealias Input = ImportInput
        public typealias Output = ImportReply
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }

    public enum ImportTrials: ClinicMethod {
        public typealias Input = ImportInput
        public typealias Output = ImportReply
        public static var role: Role? { .operator }
        public static var writes: Bool { true }
    }
}
