import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Parses and runs a command. Every failure is one line on stderr and an exit
/// status by kind (see `Status`): ArgumentParser's own usage errors included,
/// which it would otherwise follow with the usage text.
@main
enum Main {
    static func main() {
        do {
            var command = try TMSCtl.parseAsRoot(GlobalOptions.moveLeading(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)  // already reported
        } catch {
            let code = TMSCtl.exitCode(for: error)
            if code == .success {  // --help, --version
                print(TMSCtl.fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = TMSCtl.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "\(error)"
            printError("\(message) (see --help)")
            Glibc.exit(code.rawValue)
        }
    }
}

struct TMSCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tmsctl",
        abstract: "Talk to tmsd, the treatment-course service of a TMS clinic.",
        discussion: """
            Every command takes --socket PATH (default: $TMSD_SOCKET, else /run/tmsd/tmsd.sock) and --json \
            (the daemon's reply as JSON, for scripts), before the command's name or after it. Dates are \
            YYYY-MM-DD in the clinic's time zone.

            Exit status: 0 done; 64 usage error; 65 refused by tmsd (the message says why); \
            69 tmsd cannot be reached or closed the connection unanswered; 70 tmsd sent something unexpected; \
            73 an output file cannot be created.
            """,
        version: "0.1.0",
        subcommands: [
            PatientCommand.self, ProtocolCommand.self, CourseCommand.self, SessionCommand.self, BoardCommand.self, ScheduleCommand.self,
            RescheduleCommand.self, ChairCommand.self, OutcomesCommand.self, AlertsCommand.self, ThresholdCommand.self, EventsCommand.self, ScreenCommand.self, MedicationCommand.self,
            TrialCommand.self, EligibilityCommand.self, ReferralCommand.self, ConsultCommand.self, EvaluationCommand.self,
            StrategyCommand.self, HistoryCommand.self, ExportCommand.self, ImportCommand.self, NetworkCommand.self, AuthorizationCommand.self, ReportCommand.self, RemindCommand.self,
            AuditCommand.self, BackupCommand.self,
            WhoAmICommand.self,
        ])
}
