import ArgumentParser
import Varlink

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("tmsd's socket (default: $TMSD_SOCKET, else /run/tmsd/tmsd.sock).", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's reply as JSON.")
    var json = false

    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["TMSD_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/tmsd/tmsd.sock"
    }
}

/// Exit statuses, after sysexits.h.
enum Status {
    static let refused: Int32 = 65  // EX_DATAERR: tmsd said no
    static let unavailable: Int32 = 69  // EX_UNAVAILABLE: no daemon
    static let software: Int32 = 70  // EX_SOFTWARE: a reply we cannot read
}

/// One line on stderr, then the exit status.
func fail(_ message: String, status: Int32) -> ExitCode {
    printError(message)
    return ExitCode(status)
}

/// `tmsctl: message` on stderr, one line.
func printError(_ message: String) {
    let line = Array("tmsctl: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// A connection to tmsd that turns every failure into a message and a status.
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

    /// Calls `io.tmsd.Clinic.<method>`.
    func call(_ method: String, _ parameters: [String: JSON] = [:]) throws -> Reply {
        do {
            return Reply(try client.call("io.tmsd.Clinic." + method, parameters))
        } catch let error as VarlinkError where error.name == "org.varlink.service.PermissionDenied" {
            throw fail(permissionDenied(method), status: Status.refused)
        } catch let error as VarlinkError {
            throw fail(Self.explain(error), status: Status.refused)
        } catch let error as VarlinkClient.Failure {
            if case .closedBeforeReply = error { throw fail("\(error)", status: Status.unavailable) }
            throw fail("\(error)", status: Status.software)
        } catch {
            throw fail("\(error)", status: Status.software)
        }
    }

    /// Today in the clinic's time zone, as the daemon sees it (the default date of commands).
    func today() throws -> String {
        try call("GetDaySchedule")["date"]?.string ?? ""
    }

    /// Which role the refused method needs, who we are, and who holds it.
    private func permissionDenied(_ method: String) -> String {
        guard let me = try? client.call("io.tmsd.Clinic.WhoAmI") else { return "permission denied." }
        let needed = me["required"]?[method]?.string ?? "another"
        let roles = (me["roles"]?.array ?? []).map(\.string)
        let groups = (me["roleGroups"]?[needed]?.array ?? []).map(\.string)
        return "permission denied: \(method) needs the \(needed) role; \(me["user"]?.string ?? "you") "
            + (roles.isEmpty ? "has no role" : "has \(roles.joined(separator: ", "))")
            + (groups.isEmpty ? "." : " (the \(needed) role comes with membership of \(groups.joined(separator: " or "))).")
    }

    /// Prints the reply as JSON when --json was given; returns whether it did.
    func printedJSON(_ reply: Reply) -> Bool {
        guard options.json else { return false }
        print(JSON.object(reply.values).text)
        return true
    }

    static func explain(_ error: VarlinkError) -> String {
        if case .string(let message)? = error.parameters["message"] { return message }
        switch error.name {
        case "org.varlink.service.InvalidParameter":
            if case .string(let p)? = error.parameters["parameter"] { return "tmsd rejected the parameter '\(p)'." }
        case "org.varlink.service.PermissionDenied":
            return "permission denied."
        case "org.varlink.service.MethodNotFound", "org.varlink.service.InterfaceNotFound":
            return "this tmsd does not know that command (\(error.name)); is it an older version?"
        default: break
        }
        return error.description
    }
}

/// Typed reads of a reply's parameters.
struct Reply {
    let values: [String: JSON]
    init(_ values: [String: JSON]) { self.values = values }

    subscript(key: String) -> JSON? { values[key] }
    func at(_ key: String) -> String { values[key]?.string ?? "" }
}

extension JSON {
    var string: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): Format.number(d)
        case .bool(let b): b ? "yes" : "no"
        case .null: ""
        default: text
        }
    }
    var int: Int? { if case .int(let i) = self { i } else { nil } }
    var double: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    var array: [JSON] { if case .array(let a) = self { a } else { [] } }
    func at(_ key: String) -> String { self[key]?.string ?? "" }
}
