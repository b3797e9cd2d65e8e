import ArgumentParser
import TMSCore
import TMSInterface

struct AuthorizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Payers' prior authorizations of a course: record, extend, list.",
        discussion: """
            A course's sessions are weighed against all its authorizations: booking past the authorized count or \
            outside the authorized dates prints a WARNING here and in every command that books (session miss, abort, \
            cancel; reschedule; course resume, time; chair out-of-service), and the nightly report shows each course's use.
            """,
        subcommands: [List.self, Add.self, Extend.self], defaultSubcommand: List.self)

    static func printStanding(_ rows: [Clinic.Authorization], _ use: Clinic.AuthorizationUse, _ warnings: [String]) {
        print(Format.table(["ID", "PAYER", "REFERENCE", "SESSIONS", "FROM", "TO", "EXTENSIONS"], rows.map { a in
            ["\(a.id)", a.payer, a.reference, "\(a.sessions)", "\(a.from)", "\(a.to)", "\(a.extensions.count)"]
        }), terminator: "")
        print("Used \(use.used) of \(use.authorized) authorized; \(use.booked) booked\(use.expires.map { ", authorized to \($0)" } ?? "").")
        printWarnings(warnings)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A course's authorizations, their extensions and their use.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListAuthorizations.self, .init(courseId: course)) else { return }
            if reply.authorizations.isEmpty {
                print("Course \(course) has no authorization on file.")
                return
            }
            AuthorizationCommand.printStanding(reply.authorizations, reply.use, reply.warnings)
            for a in reply.authorizations {
                for e in a.extensions {
                    print("  \(a.id): +\(e.sessions) sessions" + (e.to.map { ", to \($0)" } ?? "") + " by \(e.recordedBy) at \(e.at): \(e.reason)")
                }
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Record a payer's authorization for a course.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int
        @Option(help: "The payer (Medicare, the insurer's name, ...).") var payer: String
        @Option(help: "The payer's authorization number.") var reference: String
        @Option(help: "Sessions authorized (1-200).") var sessions: Int
        @Option(help: ArgumentHelp("The first day covered.", valueName: "YYYY-MM-DD"), transform: Parse.date) var from: CivilDate
        @Option(help: ArgumentHelp("The last day covered.", valueName: "YYYY-MM-DD"), transform: Parse.date) var to: CivilDate

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.AddAuthorization.self, .init(
                courseId: course, payer: payer, reference: reference, sessions: sessions, from: from, to: to)) else { return }
            AuthorizationCommand.printStanding([reply.authorization], reply.use, reply.warnings)
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extend",
            abstract: "Extend an authorization: more sessions, a later end date, or both.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The authorization's id (tmsctl auth list COURSE).") var id: Int
        @Option(help: "Sessions added (0-200).") var sessions: Int = 0
        @Option(help: ArgumentHelp("The new last day covered.", valueName: "YYYY-MM-DD"), transform: Parse.date) var to: CivilDate?
        @Option(help: "Why (the payer's letter, the call, ...).") var reason: String

        func validate() throws {
            if sessions == 0, to == nil { throw ValidationError("Give --sessions N, --to DATE, or both.") }
        }

        func run() throws {
            guard let reply = try Daemon(global).ask(
                Clinic.ExtendAuthorization.self, .init(id: id, sessions: sessions, to: to, reason: reason)) else { return }
            AuthorizationCommand.printStanding([reply.authorization], reply.use, reply.warnings)
        }
    }
}
