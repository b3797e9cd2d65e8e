import Foundation
import Logging
import TMSCore
import TMSInterface
import TMSStore

#if canImport(Glibc)
import Glibc
#endif

// Copies of the database, into the backup directory.
extension ClinicHandler {
    func registerBackups(_ table: inout MethodTable) {
        table.on(Clinic.Backup.self) { input, call in
            let directory = call.configuration.backupDirectory
            try BackupDirectory.prepare(directory)
            let name = try input.path.map { try BackupDirectory.name(of: $0, in: directory) } ?? BackupDirectory.name(at: call.audit.at)
            let copy: BackupCopy
            do {
                copy = try store.backup(to: directory + "/" + name)
            } catch let failure as BackupFailure {
                logger.error("backup failed", metadata: ["tmsd_backup": "\(name)", "tmsd_error": "\(failure.description)"])
                throw ClinicError.backupFailed(failure.description)
            }
            let removed = input.keep.map { BackupDirectory.prune(directory, keeping: $0, logger: logger) } ?? []
            let head = copy.head.map(String.init(describing:)) ?? "empty"
            try store.auditAct(call.audit, summary: "backup \(name) taken (\(copy.bytes) bytes, change log through \(head))")
            log("backup taken", call, [
                "tmsd_backup": "\(name)", "tmsd_bytes": "\(copy.bytes)", "tmsd_audit_head": "\(head)",
                "tmsd_seconds": "\(String(format: "%.3f", copy.seconds))", "tmsd_removed": "\(removed.count)",
            ])
            return .init(
                path: copy.path, bytes: copy.bytes, head: copy.head.map(Clinic.AuditHead.init), entries: copy.entries,
                seconds: copy.seconds, removed: removed)
        }
    }
}

/// The directory tmsd keeps backups in: its own (mode 0700), the names it
/// gives, and the pruning of the oldest of them.
enum BackupDirectory {
    /// Creates the directory (0700) when missing; refuses one others may enter.
    static func prepare(_ directory: String) throws {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw ClinicError.backupFailed("could not create the backup directory \(directory): \(String(cString: strerror(errno)))")
        }
        do {
            try checkClosed(directory: directory, "backup")
        } catch let refusal as StartupError {
            throw ClinicError.backupFailed(refusal.description.trimmingCharacters(in: CharacterSet(charactersIn: ".")))
        }
    }

    /// The name tmsd gives a backup taken at `instant`: tmsd-YYYYMMDDTHHMMSSZ.sqlite.
    static func name(at instant: Date) -> String {
        "tmsd-" + Timestamp.format(instant).filter { $0 != "-" && $0 != ":" } + ".sqlite"  // from YYYY-MM-DDTHH:MM:SSZ
    }

    /// Whether `name` is one tmsd gave (and so may prune).
    static func isOwn(_ name: String) -> Bool {
        name.wholeMatch(of: /tmsd-[0-9]{8}T[0-9]{6}Z\.sqlite/) != nil
    }

    /// The file name `path` asks for: a plain name, or a path in `directory`.
    static func name(of path: String, in directory: String) throws -> String {
        let name: String
        if path.contains("/") {
            let url = URL(fileURLWithPath: path)
            let parent = url.deletingLastPathComponent().standardizedFileURL.path
            guard parent == URL(fileURLWithPath: directory).standardizedFileURL.path else {
                throw ClinicError.invalidValue(
                    "path", "tmsd writes backups only into its backup directory \(directory) ([backup] directory in tmsd.conf)")
            }
            name = url.lastPathComponent
        } else {
            name = path
        }
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        guard !name.isEmpty, allowed, !name.hasPrefix("."), name.count <= 200 else {
            throw ClinicError.invalidValue("path", "a backup's name is letters, digits, '.', '-' and '_', not starting with '.', at most 200")
        }
        return name
    }

    /// Removes the oldest of the backups tmsd named, so `count` remain; returns their names, oldest first.
    static func prune(_ directory: String, keeping count: Int, logger: Logger) -> [String] {
        let own = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(isOwn).sorted()
        var removed: [String] = []
        for name in own.dropLast(count) {
            if unlink(directory + "/" + name) == 0 {
                removed.append(name)
            } else {
                logger.warning("could not remove an old backup", metadata: ["tmsd_backup": "\(name)", "tmsd_error": "\(String(cString: strerror(errno)))"])
            }
        }
        return removed
    }
}
