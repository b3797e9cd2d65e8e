import ArgumentParser
import Varlink

struct AuthorizationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth", abstract: "Payers' prior authorizations of a course: record, extend, list.",
        discussion: """
            A course's sessions are weighed against all its authorizations: booking past the authorized count or \
            outside the authorized dates prints a WARNING here and in every command that books (session miss, abort, \
            cancel; reschedule; course resume, time; chair out-of-service), and the nightly report shows each course's use.
            """,
        subcommands: [List.self, Add.self, Extend.self], defaultSubcommand: List.self)

    static func printAuthorizations(_ reply: Reply) {
        let rows = (reply["authorizations"]?.array ?? reply["authorization"].map { [$0] } ?? [])
        print(Format.table(["ID", "PAYER", "REFERENCE", "SESSIONS", "FROM", "TO", "EXTENSIONS"], rows.map { a in
            [a.at("id"), a.at("payer"), a.at("reference"), a.at("sessions"), a.at("from"), a.at("to"),
             "\((a["extensions"]?.array ?? []).count)"]
        }), terminator: "")
        let use = reply["use"] ?? .null
        let expires = use["expires"].map { ", authorized to \($0.string)" } ?? ""
        print("Used \(use.at("used")) of \(use.at("authorized")) authorized; \(use.at("booked")) booked\(expires).")
        printWarnings(reply)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A course's authorizations, their extensions and their use.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The course's id.") var course: Int

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ListAuthorizations", ["courseId": .int(course)])
            if daemon.printedJSON(reply) { return }
            let authorizations = reply["authorizations"]?.array ?? []
            if authorizations.isEmpty { print("Course \(course) has no authorization on file.") } else {
                AuthorizationCommand.printAuthorizations(reply)
                for a in authorizations {
                    for e in a["extensions"]?.array ?? [] {
                        print("  \(a.at("id")): +\(e.at("sessions")) sessions" + (e["to"].map { ", to \($0.string)" } ?? "")
                            + " by \(e.at("recordedBy")) at \(e.at("at")): \(e.at("reason"))")
                    }
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
        @Option(help: ArgumentHelp("The first day covered.", valueName: "YYYY-MM-DD")) var from: String
        @Option(help: ArgumentHelp("The last day covered.", valueName: "YYYY-MM-DD")) var to: String

        func validate() throws {
            try checkDate(from)
            try checkDate(to)
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("AddAuthorization", [
                "courseId": .int(course), "payer": .string(payer), "reference": .string(reference), "sessions": .int(sessions),
                "from": .string(from), "to": .string(to),
            ])
            if daemon.printedJSON(reply) { return }
            AuthorizationCommand.printAuthorizations(reply)
        }
    }

    struct Extend: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extend",
            abstract: "Extend an authorization: more sessions, a later end date, or both.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The authorization's id (tmsctl auth list COURSE).") var id: Int
        @Option(help: "Sessions added (0-200).") var sessions: Int = 0
        @Option(help: ArgumentHelp("The new last day covered.", valueName: "YYYY-MM-DD")) var to: String?
        @Option(help: "Why (the payer's letter, the call, ...).") var reason: String

        func validate() throws {
            try checkDate(to)
            if sessions == 0, to == nil { throw ValidationError("Give --sessions N, --to DATE, or both.") }
        }

        func run() throws {
            let daemon = try Daemon(global)
            let reply = try daemon.call("ExtendAuthorization", [
                "id": .int(id), "sessions": .int(sessions), "to": to.map(JSON.string) ?? .null, "reason": .string(reason),
            ])
            if daemon.printedJSON(reply) { return }
            AuthorizationCommand.printAuthorizations(reply)
        }
    }
}
