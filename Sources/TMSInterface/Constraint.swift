#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import TMSCore
public import Varlink

/// The rule one parameter keeps, beyond its IDL type: a client's numbers are
/// bounded, so no arithmetic on them can overflow; its text is bounded and
/// trimmed; its dates fall near today. The daemon checks them before a
/// handler sees the call.
public enum Constraint: Sendable, Equatable {
    /// A whole number in the range.
    case int(ClosedRange<Int>)
    /// A number in the range; with `aboveLowest`, the lower bound itself is refused.
    case float(ClosedRange<Double>, aboveLowest: Bool = false)
    /// Text that is not blank, of at most `max` characters, without control
    /// characters (`isControl`); white space around it is dropped.
    case text(max: Int)
    /// Free text (a note or a reason that may be left out) of at most `max`
    /// characters: line breaks (CRLF kept as LF) and tabs, but no other
    /// control character.
    case note(max: Int)
    /// One of these words.
    case oneOf([String])
    /// A document sent whole (a CSV file): kept byte for byte, at most
    /// `maxBytes` bytes of UTF-8, with no control character but tab, carriage
    /// return and line feed.
    case document(maxBytes: Int)
    /// A date no more than `daysAhead` days after today (nil: any), no more
    /// than `daysBack` days before it (nil: any), and not before the year `from`.
    case date(daysAhead: Int?, daysBack: Int? = nil, from: Int? = nil)

    /// The largest id a client may send: the largest integer every JSON peer carries exactly.
    public static let largestID = (1 << 53) - 1
    /// A record's id.
    public static let id = Constraint.int(1...largestID)
    /// A date on or before today.
    public static let pastOrToday = Constraint.date(daysAhead: 0)

    /// A character that makes a terminal, a spreadsheet or a log do something
    /// instead of showing it (`UntrustedText.isControl`).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool { UntrustedText.isControl(scalar) }

    /// Why `value` breaks the rule, or nil; `value` comes back trimmed for text.
    func check(_ value: inout JSON, today: CivilDate) -> String? {
        switch (self, value) {
        case (.int(let range), .int(let i)):
            return range.contains(i) ? nil : "must be \(range.lowerBound) to \(range.upperBound)"
        case (.float(let range, let above), .int(let i)):
            var number = JSON.double(Double(i))
            let reason = Constraint.float(range, aboveLowest: above).check(&number, today: today)
            return reason
        case (.float(let range, let above), .double(let d)):
            let ok = range.contains(d) && !(above && d == range.lowerBound)
            if ok { return nil }
            let low = range.lowerBound.clinical, high = range.upperBound.clinical
            return above ? "must be above \(low) and at most \(high)" : "must be \(low) to \(high)"
        case (.text(let max), .string(let s)):
            let trimmed = UntrustedText.trimmed(s)
            value = .string(trimmed)
            if trimmed.isEmpty { return "must not be empty" }
            if trimmed.count > max { return "must be at most \(max) characters" }
            if trimmed.unicodeScalars.contains(where: { Constraint.isControl($0) }) {
                return "must not contain control characters"
            }
            return nil
        case (.note(let max), .string(let s)):
            let text = s.replacing("\r\n", with: "\n")
            value = .string(text)
            if text.count > max { return "must be at most \(max) characters" }
            if text.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && Constraint.isControl($0) }) {
                return "must not contain control characters other than line breaks and tabs"
            }
            return nil
        case (.document(let max), .string(let s)):
            if s.utf8.count > max { return "must be at most \(max) bytes" }
            if s.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\r" && $0 != "\t" && Constraint.isControl($0) }) {
                return "must not contain control characters other than tabs and line breaks"
            }
            return nil
        case (.oneOf(let words), .string(let s)):
            return words.contains(s) ? nil : "'\(s)' is not one of \(words.joined(separator: ", "))"
        case (.date(let ahead, let back, let from), .string(let s)):
            guard let date = CivilDate(s) else { return nil }  // decoding names it InvalidDate
            if let ahead, date.dayNumber - today.dayNumber > ahead {
                return ahead <= 1 ? "is in the future" : "is more than \(ahead) days ahead"
            }
            if let back, today.dayNumber - date.dayNumber > back { return "is more than \(back) days in the past" }
            if let from, date.year < from { return "is before \(from)" }
            return nil
        default:
            return nil  // another type: the IDL's check names it
        }
    }
}

/// A parameter that breaks its method's constraints.
public struct ConstraintViolation: Error, Sendable, Equatable {
    public let parameter: String
    public let reason: String
}

/// A method's constraints in the order they are checked, each path split
/// once: made when the method is registered, not on every call.
public struct ConstraintRules: Sendable {
    let rules: [(segments: [String], rule: Constraint)]

    public init(_ constraints: [String: Constraint]) {
        rules = constraints.sorted { $0.key < $1.key }.map { (path, rule) in (path.split(separator: ".").map(String.init), rule) }
    }

    /// Checks `parameters`, trimming text as it goes; throws for the first
    /// parameter (by path, in order) that breaks its rule. A value is
    /// written back only when its rule changed it.
    public func check(_ parameters: inout [String: JSON], today: CivilDate) throws(ConstraintViolation) {
        for (segments, rule) in rules {
            var root = JSON.object(parameters)
            let (breach, changed) = Self.apply(rule, &root, segments[...], prefix: "", today: today)
            if let (where_, reason) = breach { throw ConstraintViolation(parameter: where_, reason: reason) }
            if changed, case .object(let updated) = root { parameters = updated }
        }
    }

    /// Applies `rule` at `segments` under `value`: the first breach's path
    /// and reason, and whether a value was changed (text trimmed).
    private static func apply(
        _ rule: Constraint, _ value: inout JSON, _ segments: ArraySlice<String>, prefix: String, today: CivilDate
    ) -> (breach: (String, String)?, changed: Bool) {
        guard let segment = segments.first else {
            var checked = value
            let reason = rule.check(&checked, today: today)
            let changed = checked != value
            if changed { value = checked }
            return (reason.map { (prefix, $0) }, changed)
        }
        let eachElement = segment.hasSuffix("[]")
        let name = eachElement ? String(segment.dropLast(2)) : segment
        guard case .object(let members) = value, var member = members[name] else { return (nil, false) }
        let path = prefix.isEmpty ? name : prefix + "." + name
        var breach: (String, String)?, changed = false
        if eachElement {
            guard case .array(var elements) = member else { return (nil, false) }
            for index in elements.indices {
                let (b, c) = apply(rule, &elements[index], segments.dropFirst(), prefix: "\(path)[\(index)]", today: today)
                changed = changed || c
                breach = b
                if breach != nil { break }
            }
            if changed { member = .array(elements) }
        } else {
            (breach, changed) = apply(rule, &member, segments.dropFirst(), prefix: path, today: today)
        }
        if changed {
            var updated = members
            updated[name] = member
            value = .object(updated)
        }
        return (breach, changed)
    }
}
