import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

// Whose database a file is, checked before tmsd writes a byte into it: a new
// or empty file becomes tmsd's (marked with SQLite's application_id); a file
// of tmsd's is opened if every migration it holds is one this build knows; a
// file of a release from before the mark is recognised by its migrations and
// marked. Anything else is refused and left as it was.

/// Why a file is not a database tmsd may open. The file was not changed.
public struct ForeignDatabase: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// Another application's: its application_id is not tmsd's.
        case otherApplication(Int32)
        /// Not empty and not tmsd's: these tables (the first few).
        case notTMSD(tables: [String])
        /// A newer tmsd's: migrations this build does not know.
        case newer(migrations: [String])
    }

    public let reason: Reason

    public var description: String {
        switch reason {
        case .otherApplication(let id):
            "it belongs to another application (SQLite application_id \(id), 0x\(String(UInt32(bitPattern: id), radix: 16)); tmsd's is "
                + "0x\(String(UInt32(bitPattern: ClinicStore.applicationID), radix: 16))); nothing was changed"
        case .notTMSD(let tables):
            "it is not empty and not tmsd's (it holds \(tables.joined(separator: ", "))); nothing was changed"
        case .newer(let migrations):
            "it was written by a newer tmsd: it holds migrations this tmsd does not know (\(migrations.joined(separator: ", "))); "
                + "start that release or a newer one, or restore a backup this one wrote; nothing was changed"
        }
    }
}

extension ClinicStore {
    /// SQLite's application_id of a tmsd database: "TMSD" in ASCII.
    public static let applicationID: Int32 = 0x544D_5344

    /// Reads, without writing, whose database the file at `path` is; throws
    /// `ForeignDatabase` for one tmsd must not open. No file yet: tmsd's to create.
    static func checkIdentity(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        try queue.read { db in
            let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            if id != 0, id != applicationID { throw ForeignDatabase(reason: .otherApplication(id)) }
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if tables.isEmpty { return }
            guard tables.contains("grdb_migrations") else {
                throw ForeignDatabase(reason: .notTMSD(tables: Array(tables.prefix(5))))
            }
            let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            let known = Set(migrator.migrations)
            let unknown = applied.filter { !known.contains($0) }
            if id == applicationID {
                if !unknown.isEmpty { throw ForeignDatabase(reason: .newer(migrations: unknown)) }
                return
            }
            // Unmarked: tmsd's from before the mark only if it holds tmsd's first migration and
            // no other application's; an unknown one here is as likely someone else's as ours.
            guard let first = migrator.migrations.first, applied.contains(first), unknown.isEmpty else {
                throw ForeignDatabase(reason: .notTMSD(tables: Array(tables.prefix(5))))
            }
        }
    }
}

/// The database's files can no longer take a write: the file at its path is
/// not the one tmsd opened (removed, or another put there by a restore into
/// the running service or a mistaken `mv`), or a file cannot be written
/// (`chattr +i`, a read-only remount). A write now would be lost after a
/// restart, or kill the process (SQLite writes its -shm through a mapping).
public struct DatabaseFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case removed, replaced
        /// Not writable: immutable, on a read-only file system, or its mode.
        case unwritable
    }

    public let path: String
    public let kind: Kind
    /// For `unwritable`: why, as the system says it.
    public let reason: String?

    public var description: String {
        switch kind {
        case .removed: "the database file \(path) was removed while tmsd ran"
        case .replaced: "the database file \(path) was replaced by another file while tmsd ran"
        case .unwritable: "the database file \(path) cannot be written (\(reason ?? "?"))"
        }
    }
}

/// Which file a path names (device and inode), and which version of it
/// (size and change time): a file replaced, as `useradd` renames a new
/// /etc/passwd over the old, differs in inode; one written in place, in size
/// or change time.
public struct FileVersion: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let changed: Int
    public let changedNanoseconds: Int

    public init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0 else { return nil }
        device = UInt64(s.st_dev)
        inode = UInt64(s.st_ino)
        size = Int64(s.st_size)
        changed = s.st_ctim.tv_sec
        changedNanoseconds = s.st_ctim.tv_nsec
    }

    /// Whether both name the same file, whatever was written to it since.
    public func isSameFile(as other: FileVersion) -> Bool { device == other.device && inode == other.inode }
}

extension ClinicStore {
    /// Throws unless the file at `path` is still the one tmsd opened and
    /// (`writable`) it, its -wal and its -shm can be written: a stat, and three
    /// access calls. Checked before every write, so none is tried on files
    /// that refuse it, and after it, the file alone (a write that succeeded
    /// was taken), so none into a removed or replaced file is acknowledged.
    public func checkFile(writable: Bool = true) throws(DatabaseFileProblem) {
        let now = FileVersion(path)
        guard let now, let opened, now.isSameFile(as: opened) else {
            throw DatabaseFileProblem(path: path, kind: now == nil ? .removed : .replaced, reason: nil)
        }
        guard writable else { return }
        for file in [path, path + "-wal", path + "-shm"] { try Self.checkWritable(file) }
    }

    /// Throws unless a read is safe: a reader too writes to the -shm (its read
    /// mark) through SQLite's mapping, which the kernel answers with SIGBUS
    /// once the file cannot be written. One access call.
    public func checkReadable() throws(DatabaseFileProblem) { try Self.checkWritable(path + "-shm") }

    /// Throws unless `file` can be written or does not exist yet (SQLite creates the -wal and -shm).
    private static func checkWritable(_ file: String) throws(DatabaseFileProblem) {
        if access(file, W_OK) != 0, errno != ENOENT {
            throw DatabaseFileProblem(path: file, kind: .unwritable, reason: String(cString: strerror(errno)))
        }
    }
}
