import Crypto
import Foundation
import GRDB
import Synchronization
import TMSCore

// The change log: the audit trail as a hash chain. Every committed write
// appends, in its own transaction, one entry: a gap-free sequence number,
// who, when, the method, the records the transaction changed with their new
// values, the previous entry's hash and its own. A refusal is an entry with no
// records. Editing, deleting, inserting or reordering entries breaks the chain
// where it happened; the head (sequence and hash) mailed every night anchors
// it off the machine, so even the newest entries cannot be dropped unseen.

/// The rows a write transaction changed, as the writer connection's own
/// TEMP triggers report them (one per table and kind of change, calling
/// `tmsd_touched(table, rowid)`), until `writeAudit` takes them into the
/// entry. A transaction that changed rows and wrote no entry does not commit.
///
/// Triggers, not GRDB's row events: GRDB holds a transaction observer's row
/// events back inside a savepoint until it is released, which is after the
/// entry written inside it would have taken them; a trigger reports each row
/// as it changes. (A change rolled back to a savepoint must be dropped with
/// `rollBack(to:)`; the observer remains only for the commit's check.)
final class ChangeTracker: TransactionObserver, @unchecked Sendable {
    // Used only on the writer connection's queue.
    struct Touch: Hashable {
        let table: String
        let rowID: Int64
    }

    /// A write that changed records without an entry in the change log: a defect.
    struct UnloggedChange: Error, CustomStringConvertible {
        let tables: [String]
        var description: String { "a write to \(tables.joined(separator: ", ")) has no change-log entry" }
    }

    private var touched: [Touch] = []
    private var seen: Set<Touch> = []
    /// Each table's statement that reads one row as its canonical JSON, made once.
    var rowSQL = RowJSONSQL()

    /// No row events: the triggers report rows.
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}

    func touch(_ table: String, _ rowID: Int64) {
        let touch = Touch(table: table, rowID: rowID)
        if seen.insert(touch).inserted { touched.append(touch) }
    }

    /// Where the touched rows stand now, to roll back to (`rollBack(to:)`).
    var mark: Int { touched.count }

    /// Forgets the rows touched since `mark`: their changes were rolled back to a savepoint.
    func rollBack(to mark: Int) {
        // (An entry written in the rolled-back part took rows already: nothing is left past the mark then.)
        let mark = min(mark, touched.count)
        for touch in touched[mark...] { seen.remove(touch) }
        touched.removeSubrange(mark...)
    }

    /// The tables whose changes are logged: all but the log itself, SQLite's
    /// and GRDB's own, and patient_search, which holds no record: it is made
    /// from the patient's names, as an index is.
    static func loggedTables(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
              AND name NOT IN ('audit', 'grdb_migrations', 'patient_search') ORDER BY name
            """)
    }

    /// On the writer connection: `tmsd_touched` and, for each logged table,
    /// TEMP triggers after insert, update and delete that call it.
    func install(_ db: Database) throws {
        db.add(function: DatabaseFunction("tmsd_touched", argumentCount: 2, pure: false) { [unowned self] values in
            if let table = String.fromDatabaseValue(values[0]), let rowID = Int64.fromDatabaseValue(values[1]) {
                touch(table, rowID)
            }
            return nil
        })
        for table in try Self.loggedTables(db) {
            let quoted = table.replacingOccurrences(of: "\"", with: "\"\""), literal = table.replacingOccurrences(of: "'", with: "''")
            for (kind, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                try db.execute(sql: """
                    CREATE TEMP TRIGGER IF NOT EXISTS "tmsd_log_\(quoted)_\(kind.lowercased())" AFTER \(kind) ON main."\(quoted)"
                    BEGIN SELECT tmsd_touched('\(literal)', \(row).rowid); END
                    """)
            }
        }
    }

    func databaseWillCommit() throws {
        guard touched.isEmpty else { throw UnloggedChange(tables: Array(Set(touched.map(\.table))).sorted()) }
    }

    func databaseDidCommit(_ db: Database) { reset() }
    func databaseDidRollback(_ db: Database) { reset() }

    /// What changed since the last entry, and forgets it.
    func take() -> [Touch] {
        defer { reset() }
        return touched
    }

    private func reset() {
        touched.removeAll(keepingCapacity: true)
        seen.removeAll(keepingCapacity: true)
    }

    // The tracker of each store's writer connection, found from the
    // connection a write is given. Registered when a store opens, so a
    // connection at the address of a closed one never finds the old tracker.
    private static let byConnection = Mutex<[ObjectIdentifier: ChangeTracker]>([:])

    static func register(_ tracker: ChangeTracker, for db: Database) {
        byConnection.withLock { $0[ObjectIdentifier(db)] = tracker }
    }

    static func of(_ db: Database) -> ChangeTracker? {
        byConnection.withLock { $0[ObjectIdentifier(db)] }
    }
}

/// Where the chain stands: its last entry.
public struct ChainHead: Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int
    public var hash: String
    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// `SEQ:HASH`, as the nightly report prints it and `audit verify --anchor` reads it.
    public var description: String { "\(sequence):\(hash)" }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int(parts[0]), sequence >= 0,
              parts[1].count == 64, parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { return nil }
        self.init(sequence: sequence, hash: String(parts[1]))
    }
}

/// What a walk of the chain found.
public struct ChainVerification: Sendable, Hashable {
    /// The first entry that does not match, and how.
    public struct Break: Sendable, Hashable {
        public var sequence: Int
        public var reason: String
    }

    /// The last entry that checked (nil: the log is empty, or its first entry is broken).
    public var intactThrough: ChainHead?
    public var broken: Break?
    /// How many entries were read.
    public var entries = 0
}

extension ClinicStore {
    /// The change log's newest entry (nil while it is empty).
    public func chainHead() throws -> ChainHead? {
        try read { db in try Self.chainHead(db) }
    }

    static func chainHead(_ db: Database) throws -> ChainHead? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM audit WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1"))
            .map { ChainHead(sequence: $0[0], hash: $0[1]) }
    }

    /// Walks the chain from `sequence` on (1: all of it), recomputing each
    /// entry's hash and its link to the one before; names the first entry that
    /// does not match. With `anchor`, also that the entry at the anchor's
    /// sequence still has the anchor's hash, so history up to it was not
    /// rewritten and nothing after it was cut off.
    public func verifyChain(from sequence: Int = 1, anchor: ChainHead? = nil) throws -> ChainVerification {
        try read { db in try Self.verifyChain(db, from: sequence, anchor: anchor) }
    }

    /// `verifyChain` in `db`, which may be another file's (a backup's).
    static func verifyChain(_ db: Database, from sequence: Int = 1, anchor: ChainHead? = nil) throws -> ChainVerification {
        var result = ChainVerification()
        let unnumbered = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE seq IS NULL") ?? 0
        var previous: ChainHead?
        if sequence > 1 {
            previous = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit WHERE seq = ?", arguments: [sequence - 1])
                .map { ChainHead(sequence: $0[0], hash: $0[1]) }
            if previous == nil {
                result.broken = .init(sequence: sequence - 1, reason: "entry \(sequence - 1) is missing: deleted")
                return result
            }
        }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, at, uid, user, pid, method, patient_id, course_id, session_id, summary, error, changes, prev_hash, hash
            FROM audit WHERE seq >= ? ORDER BY seq
            """, arguments: [sequence])
        while let row = try rows.next() {
            result.entries += 1
            let seq: Int = row[0]
            let expected = (previous?.sequence ?? (sequence - 1)) + 1
            if seq != expected {
                result.broken = .init(sequence: expected, reason: "entry \(expected) is missing: deleted (the next entry is \(seq))")
                return result
            }
            let prev: String = row[12]
            if prev != (previous?.hash ?? "") {
                result.broken = .init(sequence: seq, reason: "entry \(seq) does not follow entry \(seq - 1): inserted, reordered or its link edited")
                return result
            }
            let hash: String = row[13]
            let recomputed = Self.entryHash(
                seq: seq, at: row[1], uid: row[2], user: row[3], pid: row[4], method: row[5], patient: row[6], course: row[7],
                session: row[8], summary: row[9], error: row[10], changes: row[11], prev: prev)
            if recomputed != hash {
                result.broken = .init(sequence: seq, reason: "entry \(seq) was edited: its contents do not give its hash")
                return result
            }
            previous = ChainHead(sequence: seq, hash: hash)
            result.intactThrough = previous
            if let anchor, anchor.sequence == seq, anchor.hash != hash {
                result.broken = .init(sequence: seq, reason: "entry \(seq) is not the one the anchor names: history up to it was rewritten")
                return result
            }
        }
        if unnumbered > 0 {
            let after = (previous?.sequence ?? 0) + 1
            result.broken = .init(sequence: after, reason: "\(unnumbered) entr\(unnumbered == 1 ? "y has" : "ies have") no sequence number: inserted")
            return result
        }
        if let anchor, anchor.sequence > (previous?.sequence ?? 0) {
            let last = previous?.sequence ?? 0
            result.broken = .init(sequence: last + 1, reason: "the anchor names entry \(anchor.sequence) but the log ends at \(last): newer entries were deleted")
        }
        return result
    }

    /// An entry's hash: SHA-256 over its canonical encoding, a JSON array of
    /// its fields in a fixed order, lowercase hex.
    static func entryHash(
        seq: Int, at: String, uid: Int, user: String, pid: Int, method: String, patient: Int?, course: Int?, session: Int?,
        summary: String, error: String?, changes: String?, prev: String
    ) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256 + summary.utf8.count + (changes?.utf8.count ?? 0))
        out.append(UInt8(ascii: "["))
        Canonical.int(seq, into: &out)
        out.append(UInt8(ascii: ","))
        Canonical.string(at, into: &out)
        out.append(UInt8(ascii: ","))
        Canonical.int(uid, into: &out)
        out.append(UInt8(ascii: ","))
        Canonical.string(user, into: &out)
        out.append(UInt8(ascii: ","))
        Canonical.int(pid, into: &out)
        out.append(UInt8(ascii: ","))
        Canonical.string(method, into: &out)
        for id in [patient, course, session] {
            out.append(UInt8(ascii: ","))
            if let id { Canonical.int(id, into: &out) } else { Canonical.null(into: &out) }
        }
        for text in [summary, error, changes, prev] as [String?] {
            out.append(UInt8(ascii: ","))
            if let text { Canonical.string(text, into: &out) } else { Canonical.null(into: &out) }
        }
        out.append(UInt8(ascii: "]"))
        return SHA256.hash(data: out).withUnsafeBytes(Hex.string)
    }

    /// One record as the change log holds it, its values as they are now:
    /// `{"id":…,"row":{column: value…},"table":…}`, `row` null when it is gone.
    static func recordElement(
        _ db: Database, table: String, id: Int64, _ rowSQL: inout RowJSONSQL, into out: inout [UInt8]
    ) throws {
        out.append(contentsOf: #"{"id":"#.utf8)
        Canonical.int(Int(id), into: &out)
        out.append(contentsOf: #","row":"#.utf8)
        let statement = try db.cachedStatement(sql: try rowSQL.of(table, db))
        if let row = try String.fetchOne(statement, arguments: [id]) {
            out.append(contentsOf: row.utf8)
        } else {
            Canonical.null(into: &out)
        }
        out.append(contentsOf: #","table":"#.utf8)
        Canonical.string(table, into: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// The records `db`'s transaction changed since the last entry, with their
    /// values now, as canonical JSON: an array of their elements ordered by
    /// table and id.
    static func takeChanges(_ db: Database) throws -> String {
        guard let tracker = ChangeTracker.of(db) else { return "[]" }
        let touched = tracker.take().sorted { ($0.table, $0.rowID) < ($1.table, $1.rowID) }
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, touch) in touched.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            try recordElement(db, table: touch.table, id: touch.rowID, &tracker.rowSQL, into: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Chains the entries that have no sequence number yet, in the order they
    /// were written, after the chain's head: the migration's one pass over
    /// the entries written before the change log (they record no changed rows).
    static func chainUnnumberedEntries(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, at, uid, user, pid, method, patient_id, course_id, session_id, summary, error FROM audit
            WHERE seq IS NULL ORDER BY id
            """)
        let head = try chainHead(db)
        var prev = head?.hash ?? ""
        let update = try db.makeStatement(sql: "UPDATE audit SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?")
        for (index, row) in rows.enumerated() {
            let seq = (head?.sequence ?? 0) + index + 1
            let hash = entryHash(
                seq: seq, at: row[1], uid: row[2], user: row[3], pid: row[4], method: row[5], patient: row[6], course: row[7],
                session: row[8], summary: row[9], error: row[10], changes: nil, prev: prev)
            try update.execute(arguments: [seq, prev, hash, row[0]])
            prev = hash
        }
    }

    /// For the benchmark's seeded history: chains the audit rows it wrote
    /// straight into the file, as the migration chains a previous release's.
    @_spi(Benchmark)
    public static func chainSeededEntries(path: String) throws {
        var config = Configuration()
        config.publicStatementArguments = false
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.write { db in try chainUnnumberedEntries(db) }
    }
}

/// `SELECT json_object(...) FROM table WHERE rowid = ?` for each table, made
/// once: a row as SQLite writes it in JSON, its columns in order of their
/// names (integers and reals as SQLite prints them, text escaped as JSON
/// requires; the schema holds no blobs, which JSON cannot). One text value to
/// read, however wide the row.
struct RowJSONSQL {
    private var byTable: [String: String] = [:]

    mutating func of(_ table: String, _ db: Database) throws -> String {
        if let known = byTable[table] { return known }
        let names = try db.columns(in: table).map(\.name).sorted()
        let members = names.map { "'\($0)', \"\($0)\"" }.joined(separator: ", ")
        let sql = "SELECT json_object(\(members)) FROM \"\(table)\" WHERE rowid = ?"
        byTable[table] = sql
        return sql
    }
}

/// The canonical JSON of the change log's own parts: no white space, strings
/// escaped only where JSON requires (quote, backslash, control characters as
/// \u00XX). A record's row is SQLite's json_object of its columns in name order.
enum Canonical {
    static func null(into out: inout [UInt8]) { out.append(contentsOf: "null".utf8) }

    static func int(_ value: Int, into out: inout [UInt8]) { out.append(contentsOf: String(value).utf8) }

    static func string(_ text: String, into out: inout [UInt8]) {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        out.append(quote)
        var text = text
        // The runs between escapes copied whole (a change log's text is JSON: full of quotes).
        text.withUTF8 { bytes in
            var run = 0
            for i in bytes.indices {
                let byte = bytes[i]
                guard byte < 0x20 || byte == quote || byte == backslash else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                if byte < 0x20 {
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(Hex.digit(byte >> 4))
                    out.append(Hex.digit(byte & 0xF))
                } else {
                    out.append(backslash)
                    out.append(byte)
                }
                run = i + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(quote)
    }
}

/// What a check of the records against the change log found.
public struct RecordVerification: Sendable, Hashable {
    /// A record whose row is not what the entry that last changed it recorded.
    public struct Difference: Sendable, Hashable {
        public var table: String
        public var id: Int
        public var sequence: Int
    }

    /// Records the log holds values for, each compared with its row now.
    public var checked = 0
    /// The first that differs.
    public var differing: Difference?
}

extension ClinicStore {
    /// Compares every record the change log names with its row now: the row
    /// must be as the entry that last changed it recorded it (absent, if that
    /// entry deleted it). Finds a record edited in the file without an entry.
    /// Records no entry names (written before the change log) are not checked.
    public func verifyRecords() throws -> RecordVerification {
        try read { db in
            struct Key: Hashable {
                let table: String
                let id: Int
            }
            var last: [Key: (sequence: Int, element: Substring)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, changes FROM audit WHERE changes IS NOT NULL ORDER BY seq")
            while let row = try rows.next() {
                let seq: Int = row[0]
                let text: String = row[1]
                for element in Self.elements(of: text) {
                    guard let key = Self.key(of: element) else { continue }
                    last[Key(table: key.table, id: key.id)] = (seq, element)
                }
            }
            var result = RecordVerification()
            var rowSQL = RowJSONSQL()
            var now: [UInt8] = []
            for (key, logged) in last.sorted(by: { ($0.key.table, $0.key.id) < ($1.key.table, $1.key.id) }) {
                result.checked += 1
                now.removeAll(keepingCapacity: true)
                try Self.recordElement(db, table: key.table, id: Int64(key.id), &rowSQL, into: &now)
                if !now.elementsEqual(logged.element.utf8) {
                    result.differing = .init(table: key.table, id: key.id, sequence: logged.sequence)
                    return result
                }
            }
            return result
        }
    }

    /// The top-level objects of a canonical `changes` array, as written.
    static func elements(of text: String) -> [Substring] {
        var out: [Substring] = []
        var depth = 0, inString = false, escaped = false
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let c = text.utf8[index]
            if inString {
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") {
                if depth == 0 { start = index }
                depth += 1
            } else if c == UInt8(ascii: "}") {
                depth -= 1
                if depth == 0 { out.append(text[start...index]) }
            }
            index = text.utf8.index(after: index)
        }
        return out
    }

    /// An element's table and id: `{"id":N,...,"table":"NAME"}`.
    static func key(of element: Substring) -> (table: String, id: Int)? {
        guard element.hasPrefix(#"{"id":"#), let tableMark = element.range(of: #","table":""#, options: .backwards) else { return nil }
        let digits = element.dropFirst(6).prefix { $0.isNumber }
        guard let id = Int(digits) else { return nil }
        let name = element[tableMark.upperBound...].dropLast(2)  // `"}`
        return (String(name), id)
    }
}

extension ClinicStore {
    private struct RolledBack: Error {}

    /// For the benchmark: what chaining adds to a write, in this process. For
    /// each session, two transactions that change its row and roll back (so
    /// the disk is not in it): one writes the change-log entry as every write
    /// does (the changed rows read as JSON, the head read, the hash, the
    /// entry's insert), the other the entry as it was before the chain (its
    /// insert alone). Seconds each.
    @_spi(Benchmark)
    public func chainingWork(sessions: [Int], audit: AuditContext) throws -> (chained: [Double], unchained: [Double]) {
        var chained: [Double] = [], unchained: [Double] = []
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        for id in sessions {
            do {
                try pool.write { db in
                    try db.execute(sql: "UPDATE session SET notes = notes WHERE id = ?", arguments: [id])
                    let start = clock.now
                    try Self.writeAudit(db, audit, session: id, summary: "session \(id) completed")
                    chained.append(seconds(clock.now - start))
                    throw RolledBack()
                }
            } catch is RolledBack {}
            do {
                try pool.write { db in
                    try db.execute(sql: "UPDATE session SET notes = notes WHERE id = ?", arguments: [id])
                    let start = clock.now
                    _ = ChangeTracker.of(db)?.take()
                    try db.cachedStatement(sql: """
                        INSERT INTO audit (at, uid, user, pid, method, session_id, summary) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """).execute(arguments: [
                            Timestamp.format(audit.at), audit.uid, audit.user, audit.pid, audit.method, id, "session \(id) completed",
                        ])
                    unchained.append(seconds(clock.now - start))
                    throw RolledBack()
                }
            } catch is RolledBack {}
        }
        return (chained, unchained)
    }
}
