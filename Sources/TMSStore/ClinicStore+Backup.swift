import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// A copy of the database taken while it served, as checked before it took its name.
public struct BackupCopy: Sendable, Hashable {
    public var path: String
    public var bytes: Int
    /// The change log's newest entry in the copy (nil: an empty log).
    public var head: ChainHead?
    /// How many change-log entries the check walked.
    public var entries: Int
    public var seconds: Double
}

/// Why a copy was not kept.
public struct BackupFailure: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension ClinicStore {
    /// Copies the database to `path` with SQLite's online backup, in one read
    /// transaction: the copy is the database as of one commit, and writers go
    /// on meanwhile. The copy is written beside `path` under a hidden name,
    /// checked (`integrity_check`, and the whole change log walked), synced,
    /// and only then linked to `path`, which must not exist: a copy that fails
    /// its check never takes the name, and no backup is ever overwritten.
    /// The copy is a single file in rollback-journal mode, ready to restore.
    public func backup(to path: String) throws -> BackupCopy {
        let start = Date()
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let partial = directory + "/." + url.lastPathComponent + ".partial"
        guard !FileManager.default.fileExists(atPath: path) else { throw BackupFailure("\(path) exists; a backup never replaces one") }
        unlink(partial)  // a copy left by a failed attempt
        defer { unlink(partial) }

        // Created for tmsd's user alone before SQLite opens it, whatever the umask.
        let fd = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupFailure("could not create \(partial): \(String(cString: strerror(errno)))") }
        close(fd)
        var head: ChainHead?
        do {
            let copy = try DatabaseQueue(path: partial)
            try copy.writeWithoutTransaction { destination in
                try read { source in
                    head = try Self.chainHead(source)
                    try source.backup(to: destination)
                }
                try destination.execute(sql: "PRAGMA journal_mode = DELETE")
            }
            try copy.close()
        }
        let check = try Self.check(copyAt: partial)
        guard check.head == head else {
            throw BackupFailure("the copy's change log ends at \(check.head.map(String.init(describing:)) ?? "nothing"), not at \(head.map(String.init(describing:)) ?? "nothing")")
        }
        try Self.sync(partial)
        guard link(partial, path) == 0 else {
            throw BackupFailure("could not name the copy \(path): \(String(cString: strerror(errno)))")
        }
        try Self.sync(directory)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return BackupCopy(path: path, bytes: bytes, head: head, entries: check.entries, seconds: Date().timeIntervalSince(start))
    }

    /// Checks a copy of the database: SQLite's `integrity_check`, then the
    /// change log from its first entry. Opened read-only; changes nothing.
    public static func check(copyAt path: String) throws -> (head: ChainHead?, entries: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard integrity == ["ok"] else {
                throw BackupFailure("integrity_check: \(integrity.prefix(3).joined(separator: "; "))")
            }
            let chain = try verifyChain(db)
            if let broken = chain.broken { throw BackupFailure("change log: \(broken.reason)") }
            return (chain.intactThrough, chain.entries)
        }
    }

    /// Flushes `path` (a file or a directory) to disk.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupFailure("could not open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw BackupFailure("could not sync \(path): \(String(cString: strerror(errno)))") }
    }
}
