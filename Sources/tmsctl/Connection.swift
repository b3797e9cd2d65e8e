import ArgumentParser
import TMSCore
import TMSInterface
import Varlink

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Options every command takes, before or after its name.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("tmsd's socket (default: $TMSD_SOCKET, else /run/tmsd/tmsd.sock).", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's reply as JSON.")
    var json = false

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["TMSD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/tmsd/tmsd.sock"
    }

    /// Options that take a value, and flags, as they may stand before the command's name.
    static let valued: Set<String> = ["--socket"]
    static let flags: Set<String> = ["--json"]

    /// `tmsctl --socket PATH session list` as `tmsctl session list --socket PATH`: global
    /// options before the command (as systemctl and chronyc take them) move after it, where
    /// every command reads them. Anything else is left as it stands.
    static func moveLeading(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first {
            let name = first.split(separator: "=", maxSplits: 1).first.map(String.init) ?? first
            if flags.contains(first) || (valued.contains(name) && first.contains("=")) {
                leading.append(first)
                rest = rest.dropFirst()
            } else if valued.contains(first), rest.count >= 2 {
                leading += rest.prefix(2)
                rest = rest.dropFirst(2)
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return arguments }
        // Before a `--` that ends the options, if there is one.
        if let end = rest.firstIndex(of: "--") {
            return Array(rest[..<end]) + leading + Array(rest[end...])
        }
        return Array(rest) + leading
    }
}

/// Exit statuses, after sysexits.h.
enum Status {
    static let usage: Int32 = 64  // EX_USAGE: the command line is wrong
    static let refused: Int32 = 65  // EX_DATAERR: tmsd said no
    static let unavailable: Int32 = 69  // EX_UNAVAILABLE: no daemon
    static let software: Int32 = 70  // EX_SOFTWARE: a reply we cannot read
    static let cantCreate: Int32 = 73  // EX_CANTCREAT: an output file cannot be made
}

/// One line on stderr, then the exit status.
func fail(_ message: String, status: Int32) -> ExitCode {
    printError(message)
    return ExitCode(status)
}

/// `tmsctl: message` on stderr, one line (its control characters escaped).
func printError(_ message: String) {
    let line = Array("tmsctl: \(Format.text(message))\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// A connection to tmsd that calls the methods declared in TMSInterface and
/// turns every failure into a message and a status.
struct Daemon {
    let options: GlobalOptions
    private let client: VarlinkClient

    init(_ options: GlobalOptions) throws {
        self.options = options
        do {
            client = try VarlinkClient(path: options.socketPath)
        } catch {
            throw fail("\(error)", status: Status.unavailable)
        }
    }

    /// The command's own call: with --json, prints the reply as tmsd sent it
    /// and returns nil, so the command prints nothing else.
    func ask<M: ClinicMethod>(_ method: M.Type, _ input: M.Input) throws -> M.Output? {
        let reply = try raw(method, input)
        if options.json {
            print(JSON.object(reply).text)
            return nil
        }
        return try decode(method, reply)
    }

    func ask<M: ClinicMethod>(_ method: M.Type) throws -> M.Output? where M.Input == Nothing { try ask(method, Nothing()) }

    /// A call a command makes on the way (today's date, the screen's
    /// questions): its reply, never printed.
    func fetch<M: ClinicMethod>(_ method: M.Type, _ input: M.Input) throws -> M.Output {
        try decode(method, try raw(method, input))
    }

    func fetch<M: ClinicMethod>(_ method: M.Type) throws -> M.Output where M.Input == Nothing { try fetch(method, Nothing()) }

    /// One member of the reply as tmsd sent it, not escaped for a terminal:
    /// a document for a file or a program (a FHIR bundle), which its JSON
    /// writes with control characters as escapes.
    func document<M: ClinicMethod>(_ method: M.Type, _ input: M.Input, member: String) throws -> JSON {
        guard let value = try raw(method, input)[member] else { throw fail("bad reply from tmsd to \(M.name): no \(member)", status: Status.software) }
        return value
    }

    /// Today in the clinic's time zone, as the daemon sees it (the default date of commands).
    func today() throws -> CivilDate {
        try fetch(Clinic.ListSessions.self, .init()).date
    }

    /// A subscription (`M.streams`): `each` gets every reply as it comes (or,
    /// with --json, each is printed as a line), until tmsd ends it, closes,
    /// or `each` returns false.
    func watch<M: ClinicMethod>(_ method: M.Type, _ input: M.Input, each: (M.Output) throws -> Bool) throws {
        let parameters = try encode(method, input)
        try mapFailures(method) {
            try client.stream(M.qualifiedName, parameters) { reply in
                if options.json {
                    print(JSON.object(reply).text)
                    fflush(nil)  // (every stream: stdout is a C global Swift 6 will not touch)
                    return true
                }
                return try each(try decode(method, reply))
            }
        }
    }

    private func raw<M: ClinicMethod>(_ method: M.Type, _ input: M.Input) throws -> [String: JSON] {
        let parameters = try encode(method, input)
        return try mapFailures(method) { try client.call(M.qualifiedName, parameters) }
    }

    private func encode<M: ClinicMethod>(_ method: M.Type, _ input: M.Input) throws -> [String: JSON] {
        do {
            return try VarlinkEncoder().encodeObject(input)
        } catch {
            throw fail("cannot write the call \(M.name): \(error)", status: Status.software)
        }
    }

    /// `body`'s failures as a message and a status.
    private func mapFailures<M: ClinicMethod, T>(_ method: M.Type, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as VarlinkError where error.name == VarlinkError.permissionDenied.name {
            throw fail(permissionDenied(M.name), status: Status.refused)
        } catch let error as VarlinkError {
            throw fail(Self.explain(error), status: Status.refused)
        } catch let error as VarlinkClient.Failure {
            if case .closedBeforeReply = error { throw fail("\(error)", status: Status.unavailable) }
            throw fail("\(error)", status: Status.software)
        } catch {
            throw fail("\(error)", status: Status.software)
        }
    }

    /// The reply as the command reads it: every string in it escaped for the
    /// terminal (`Format.text`), here, once, so nothing stored reaches the
    /// screen raw whichever way a command prints it. (--json prints the reply
    /// as JSON, where control characters are escapes already.)
    private func decode<M: ClinicMethod>(_ method: M.Type, _ reply: [String: JSON]) throws -> M.Output {
        do {
            return try VarlinkDecoder().decode(M.Output.self, from: reply.mapValues(Format.escaped))
        } catch {
            throw fail("bad reply from tmsd to \(M.name): \(Self.describe(error))", status: Status.software)
        }
    }

    /// Which role the refused method needs, who we are, and who holds it.
    private func permissionDenied(_ method: String) -> String {
        guard let me = try? VarlinkDecoder().decode(
            Clinic.WhoAmI.Output.self, from: client.call(Clinic.WhoAmI.qualifiedName)) else { return "permission denied." }
        let needed = me.required[method]?.rawValue ?? "another"
        let groups = me.roleGroups[needed] ?? []
        return "permission denied: \(method) needs the \(needed) role; \(me.user) "
            + (me.roles.isEmpty ? "has no role" : "has \(me.roles.map(\.rawValue).joined(separator: ", "))")
            + (groups.isEmpty ? "." : " (the \(needed) role comes with membership of \(groups.joined(separator: " or "))).")
    }

    static func explain(_ error: VarlinkError) -> String {
        if case .string(let message)? = error.parameters["message"] { return message }
        switch error.name {
        case VarlinkError.invalidParameter("").name:
            if case .string(let p)? = error.parameters["parameter"] { return "tmsd rejected the parameter '\(p)'." }
        case VarlinkError.permissionDenied.name:
            return "permission denied."
        case VarlinkError.methodNotFound("").name, VarlinkError.interfaceNotFound("").name:
            return "this tmsd does not know that command (\(error.name)); is it an older version?"
        default: break
        }
        return error.description
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c), DecodingError.dataCorrupted(let c):
            return "\(varlinkPath(c.codingPath)): \(c.debugDescription)"
        case DecodingError.keyNotFound(let key, let c):
            return "\(varlinkPath(c.codingPath + [key])) is missing"
        default:
            return "\(error)"
        }
    }
}

/// A reply's warnings, one line each, after what the command printed.
func printWarnings(_ warnings: [String]) {
    for warning in warnings { print("WARNING: \(warning)") }
}
