import ArgumentParser
import TMSCore

#if canImport(Glibc)
import Glibc
#endif

/// A patient's identifiers, kept off the command line: any local user can read
/// a process's arguments in /proc/PID/cmdline, and shells keep them in their
/// history. They come, in this order, from the options (still accepted, for
/// scripts that know the risk), from `--identity FILE` (`-`: standard input),
/// and, at a terminal, from asking for each one still missing.
///
/// The file holds one `field: value` per line; blank lines and lines starting
/// with `#` are skipped:
///
///     mrn: 000123
///     family-name: Rivera
///     given-name: Ana
///     birth-date: 1979-04-12
struct IdentityInput: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read the identifiers from FILE (- for standard input): lines 'mrn: ...', 'family-name: ...', "
            + "'given-name: ...', 'birth-date: YYYY-MM-DD'.", valueName: "FILE"))
    var identity: String?

    /// A file's fields, in the order they are asked for.
    enum Field: String, CaseIterable {
        case mrn, familyName = "family-name", givenName = "given-name", birthDate = "birth-date"

        var prompt: String {
            switch self {
            case .mrn: "MRN"
            case .familyName: "Family name"
            case .givenName: "Given name"
            case .birthDate: "Date of birth (YYYY-MM-DD)"
            }
        }
    }

    /// The identifiers: `given` (from the options) completed from the file,
    /// then from the terminal. A field given twice, a line that is not a
    /// field, or a field still missing without a terminal is a usage error.
    func resolve(_ given: [Field: String]) throws -> [Field: String] {
        var values = try collect(given)
        let missing = Field.allCases.filter { values[$0] == nil }
        guard !missing.isEmpty else { return values }
        guard identity != "-", isatty(STDIN_FILENO) == 1 else {
            throw ValidationError(
                "No \(missing.map { $0.rawValue }.joined(separator: ", ")): give them in --identity FILE "
                    + "(- for standard input), or run at a terminal to be asked.")
        }
        for field in missing {
            values[field] = try Self.ask(field)
        }
        return values
    }

    /// `given` (from the options) with the fields of the file, asking for
    /// none: what a correction changes. A field given twice is a usage error.
    func collect(_ given: [Field: String]) throws -> [Field: String] {
        var values = given
        if let identity {
            for (field, value) in try Self.parse(try Self.read(identity), source: identity == "-" ? "standard input" : identity) {
                guard values[field] == nil else {
                    throw ValidationError("--\(field.rawValue) is given both on the command line and in --identity.")
                }
                values[field] = value
            }
        }
        return values
    }

    /// `field: value` lines, checked: every line a known field, each at most once.
    static func parse(_ text: String, source: String) throws -> [(Field, String)] {
        var fields: [(Field, String)] = []
        var seen: [Field: Int] = [:]
        // (A CR LF is one Character in Swift, and a newline.)
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw ValidationError("\(source) line \(number): not 'field: value'.")
            }
            let name = trimmed[..<colon].trimmingSpaces
            guard let field = Field(rawValue: String(name)) else {
                throw ValidationError(
                    "\(source) line \(number): '\(Format.text(String(name.prefix(40))))' is not a field "
                        + "(\(Field.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            if let first = seen[field] {
                throw ValidationError("\(source) line \(number): \(field.rawValue) is given again (first on line \(first)).")
            }
            seen[field] = number
            fields.append((field, String(trimmed[trimmed.index(after: colon)...].trimmingSpaces)))
        }
        return fields
    }

    /// At most this much is read: an identity is four short lines.
    static let limit = 64 * 1024

    private static func read(_ path: String) throws -> String { try LocalFile.read(path, limit: limit, option: "--identity ") }

    /// One field from the terminal: the prompt on stderr, the answer from stdin.
    private static func ask(_ field: Field) throws -> String { try askLine(field.prompt, naming: field.rawValue) }

    /// One line from standard input, trimmed, after `prompt` on stderr when
    /// it is a terminal: what a search or a reference reads when it is kept
    /// off the command line.
    static func askLine(_ prompt: String, naming name: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            let bytes = Array("\(prompt): ".utf8)
            _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        guard let answer = readLine(strippingNewline: true) else {
            throw ValidationError("No \(name) given (end of input).")
        }
        let value = answer.trimmingSpaces
        guard !value.isEmpty else { throw ValidationError("No \(name) given.") }
        return String(value)
    }
}

extension StringProtocol {
    /// Without the spaces and tabs at either end.
    fileprivate var trimmingSpaces: SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
