import ArgumentParser
import TMSCore
import TMSInterface

#if canImport(Glibc)
import Glibc
#endif

struct RemindCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remind", abstract: "Day-before reminders: list them, or write them as e-mails for sendmail -t.",
        discussion: """
            A reminder goes to each active patient who asked for reminders (patient contact --reminders) and has a \
            session still scheduled on the day (default: tomorrow). It says the clinic's name, the day and the \
            time, nothing clinical. Without --output-dir, lists them. With --output-dir DIR, writes each as a \
            complete message (DIR/reminder-PATIENT.eml, mode 0600) for sendmail -t; config/tmsd-mail-reminders \
            (installed as LIBEXECDIR/tmsd/mail-reminders, run by /etc/cron.d/tmsd) sends them.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The day of the sessions (default: tomorrow in the clinic's zone).", valueName: "YYYY-MM-DD"),
            transform: Parse.date)
    var date: CivilDate?
    @Option(help: ArgumentHelp("Write each reminder as an e-mail into this directory (it must exist).", valueName: "DIR"))
    var outputDir: String?
    @Option(help: ArgumentHelp("With --output-dir: the sender.", valueName: "address")) var from: String = "tmsd@localhost"

    func validate() throws {
        if !MailMessage.isAddress(from) { throw ValidationError("\(String(reflecting: from)) is not an e-mail address.") }
    }

    func run() throws {
        var options = global
        if outputDir != nil { options.json = false }
        guard let reply = try Daemon(options).ask(Clinic.ListReminders.self, .init(date: date)) else { return }
        guard let outputDir else {
            if reply.reminders.isEmpty {
                print("No reminders for \(reply.date).")
                return
            }
            print(Format.table(
                ["PATIENT", "E-MAIL", "TIMES"],
                reply.reminders.map { ["\($0.patientId)", $0.email, $0.times.map(\.description).joined(separator: ", ")] }),
                terminator: "")
            return
        }
        for reminder in reply.reminders {
            let message = Self.message(reminder, clinic: reply.clinic, date: reply.date, from: from)
            try LocalFile.createPrivate(message.render(), at: "\(outputDir)/reminder-\(reminder.patientId).eml")
        }
        print("\(reply.reminders.count) reminder\(reply.reminders.count == 1 ? "" : "s") for \(reply.date) written to \(outputDir).")
    }

    /// What a reminder says: the clinic, the day and the time; nothing clinical.
    static func message(_ reminder: Clinic.Reminder, clinic: String, date: CivilDate, from: String) -> MailMessage {
        let day = "\(date.weekday.name) \(date)"
        let times = reminder.times.map(\.description)
        let at = times.count == 1 ? times[0] : times.dropLast().joined(separator: ", ") + " and " + times.last!
        return MailMessage(
            from: from, to: [reminder.email], subject: "Reminder: your appointment at \(clinic) on \(day)",
            text: "This is a reminder of your appointment at \(clinic) on \(day) at \(at).\n\n"
                + "If you cannot come, please let the clinic know.\n",
            html: nil, attachments: [])
    }
}
