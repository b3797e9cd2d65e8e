import ArgumentParser

@main
struct TMSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tmsctl",
        abstract: "Talk to tmsd, the treatment-course service of a TMS clinic.",
        discussion: """
            Every command takes --socket PATH (default: $TMSD_SOCKET, else /run/tmsd/tmsd.sock) and --json \
            (the daemon's reply as JSON, for scripts). Dates are YYYY-MM-DD in the clinic's time zone.

            Exit status: 0 done; 64 usage error; 65 refused by tmsd (the message says why); \
            69 tmsd cannot be reached; 70 tmsd sent something unexpected.
            """,
        version: "0.1.0",
        subcommands: [PatientCommand.self, ProtocolCommand.self, CourseCommand.self, SessionCommand.self, AuditCommand.self])
}
