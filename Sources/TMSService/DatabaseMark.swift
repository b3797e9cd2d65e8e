public import Foundation

/// A database once created at a path is not silently created again: beside
/// it tmsd keeps `NAME.initialized`, written when it creates the database
/// (or first opens one that has none). If the database is gone and that file
/// is there, tmsd refuses to start an empty one in its place unless told to
/// (`--initialize`): a clinic that lost its file restores it from a backup;
/// it does not start over without noticing.
public enum DatabaseMark {
    public static func path(for database: String) -> String { database + ".initialized" }

    /// Checks, before the database opens, that opening it will not create an
    /// empty one where one was; returns whether the database exists.
    public static func check(_ database: String, initialize: Bool) throws -> Bool {
        let exists = FileManager.default.fileExists(atPath: database)
        let mark = path(for: database)
        if !exists, !initialize, let made = try? String(contentsOfFile: mark, encoding: .utf8) {
            throw StartupError(
                "The database \(database) is missing, but one was created there (\(mark): "
                    + "\(made.trimmingCharacters(in: .whitespacesAndNewlines))). Restore it from a backup (see the README), "
                    + "or start tmsd once with --initialize to begin an empty one.")
        }
        return exists
    }

    /// Writes the mark (mode 0600, as the database): after the database was
    /// created, or opened for the first time without one.
    public static func write(_ database: String, created: Bool, version: String, at date: Date = Date()) throws {
        let mark = path(for: database)
        if !created, FileManager.default.fileExists(atPath: mark) { return }
        let text = (created ? "created " : "first opened ") + "\(date.ISO8601Format()) by tmsd \(version)\n"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: mark), options: .atomic)
        } catch {
            throw StartupError("Could not write \(mark): \(error.localizedDescription)")
        }
    }
}
