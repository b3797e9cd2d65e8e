/// How a patient prefers to be reached.
public enum ContactMethod: String, Sendable, CaseIterable {
    case phone, email
}

/// A patient's contact details: patient data, kept with the record, never
/// logged and never in the nightly report. Reminders go by e-mail, and only
/// to a patient who asked for them.
public struct Contact: Sendable, Hashable {
    public var phone: String?
    public var email: String?
    public var preferred: ContactMethod?
    /// Day-before reminders by e-mail: the time and the clinic's name, nothing clinical.
    public var reminders: Bool

    public init(phone: String? = nil, email: String? = nil, preferred: ContactMethod? = nil, reminders: Bool = false) {
        self.phone = phone
        self.email = email
        self.preferred = preferred
        self.reminders = reminders
    }

    /// What a patient with no details recorded has.
    public static let none = Contact()

    /// The first field that cannot stand, and why; nil when all can.
    public var problem: (field: String, reason: String)? {
        if let phone, let reason = Self.phoneProblem(phone) { return ("phone", reason) }
        if let email, let reason = Self.emailProblem(email) { return ("email", reason) }
        if preferred == .phone, phone == nil { return ("preferred", "phone is preferred but no phone number is recorded") }
        if preferred == .email, email == nil { return ("preferred", "e-mail is preferred but no address is recorded") }
        if reminders, email == nil { return ("reminders", "reminders go by e-mail, and no address is recorded") }
        return nil
    }

    /// Digits with the usual separators: an optional leading `+`, then
    /// digits, spaces, `-`, `.`, `(` and `)`; 3 to 20 digits in all.
    public static func phoneProblem(_ phone: String) -> String? {
        var digits = 0
        for (i, c) in phone.unicodeScalars.enumerated() {
            switch c {
            case "0"..."9": digits += 1
            case " ", "-", ".", "(", ")": continue
            case "+" where i == 0: continue
            default: return "may hold only digits, spaces, - . ( ) and a leading +"
            }
        }
        return (3...20).contains(digits) ? nil : "must have 3 to 20 digits"
    }

    /// One address, `local@domain`, that a mail header carries as it is:
    /// printable ASCII without spaces or the characters that separate
    /// addresses or start comments (`<>()[],;:"\`), a domain of dotted labels.
    public static func emailProblem(_ email: String) -> String? {
        guard email.utf8.count <= 254 else { return "must be at most 254 characters" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return "must be one address, local@domain" }
        let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", ",", ";", ":", "\"", "\\"]
        guard parts[0].unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && !forbidden.contains($0) }),
              !parts[0].hasPrefix("."), !parts[0].hasSuffix("."), !parts[0].contains("..")
        else { return "has a character an address's local part cannot hold" }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        })
        else { return "must have a domain of dotted names, such as example.org" }
        return nil
    }
}

// On the wire as it stands (TMSInterface's Contact): synthesized here, in its own file.
extension Contact: Codable {}

/// A field of a patient's identity that a correction may change.
public enum PatientField: String, Sendable, CaseIterable {
    case mrn, familyName, givenName, birthDate
}
