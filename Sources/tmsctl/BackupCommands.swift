import ArgumentParser
import TMSInterface

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Have tmsd copy the database while it serves, check the copy, and say what it wrote.",
        discussion: """
            tmsd takes the copy with SQLite's online backup (the database as of one commit; writers are not held \
            up), runs integrity_check and walks the copy's change log, and only then gives it its name; it never \
            writes over an existing file. The copy is one self-contained SQLite file, mode 0600, owned by tmsd. \
            tmsd writes only into its backup directory ([backup] directory in tmsd.conf; by default `backups` \
            beside the database, /var/lib/tmsd/backups): PATH is a file name there, or a path in it; by default \
            tmsd-YYYYMMDDTHHMMSSZ.sqlite (UTC). --keep N then removes all but the newest N of the backups tmsd named \
            itself (the nightly tmsd-backup.timer runs `tmsctl backup --keep 14`). Needs the backup role. To \
            restore, see the README ("Backup and restore").
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The copy's name in the backup directory, or its path there.") var path: String?
    @Option(help: "Afterwards keep only the newest N of the backups tmsd named itself (1-1000).") var keep: Int?

    func run() throws {
        guard let reply = try Daemon(global).ask(Clinic.Backup.self, .init(path: path, keep: keep)) else { return }
        let head = reply.head.map { "through entry \($0.sequence) (\($0.sequence):\($0.hash))" } ?? "empty"
        print("Wrote \(reply.path): \(reply.bytes) bytes in \(Format.number(reply.seconds)) s; integrity_check ok, "
            + "change log intact \(head), \(reply.entries) entries.")
        for name in reply.removed { print("Removed the older backup \(name).") }
    }
}
