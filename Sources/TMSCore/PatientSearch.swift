// The standard library's own canonical decomposition (NFD), through its
// Unicode SPI: FoundationEssentials, all tmsctl links, has no
// decomposedStringWithCanonicalMapping.
@_spi(_Unicode) import Swift

/// How the front desk finds a patient: by the start of any word of the
/// patient's names, the start of the MRN, or the birth date, its year or its
/// month. Case and accents do not count: "muller" finds Müller, "ANGSTROM"
/// finds Ångström, "obrien" finds O'Brien.
public struct PatientQuery: Sendable, Equatable {
    /// One word of the query, as each field compares it.
    public struct Term: Sendable, Equatable {
        /// The word's name words, folded (`PatientQuery.words`): each must
        /// begin a word of the patient's names. ("anna-lena" is two.)
        public var names: [String]
        /// The word as typed, lower-cased (ASCII, as SQLite's `lower`): the
        /// start of an MRN.
        public var mrn: String
        /// The word when it is a date, a year and month, or a year
        /// (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`): the start of a birth date.
        public var birth: String?
    }

    /// At most this many words count; the rest are ignored.
    public static let maximumTerms = 6

    /// Every term must match, each by any of its fields.
    public let terms: [Term]

    /// The query in `text`, split at white space and commas ("Smith, J");
    /// nil when it has no word.
    public init?(_ text: String) {
        let words = text.split { $0.isWhitespace || $0 == "," }.prefix(Self.maximumTerms)
        guard !words.isEmpty else { return nil }
        terms = words.map { word in
            Term(names: Self.words(String(word)), mrn: Self.asciiLowercased(String(word)), birth: Self.datePrefix(word))
        }
    }

    /// What a patient's names are found by: each folded word after a space,
    /// so that "begins a word" is "follows a space" (`' ' + word`).
    public static func nameKey(familyName: String, givenName: String) -> String {
        (words(familyName) + words(givenName)).map { " " + $0 }.joined()
    }

    /// The words of `text` folded for comparison: canonically decomposed,
    /// accents (combining marks) dropped, the letters that do not decompose
    /// spelled as their base letters (ø, ł, đ, ß, æ, œ, þ), lower-cased,
    /// apostrophes dropped, and split at anything that is not a letter or a
    /// digit.
    public static func words(_ text: String) -> [String] {
        var folded = String.UnicodeScalarView()
        for scalar in text.lowercased()._nfd {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if Self.apostrophes.contains(scalar) { continue }
            if let spelled = Self.spelled[scalar] {
                folded.append(contentsOf: spelled.unicodeScalars)
            } else {
                folded.append(scalar)
            }
        }
        return String(folded)
            .split { !($0.isLetter || $0.isNumber) }
            .map(String.init)
    }

    private static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2019}", "\u{02BC}", "`"]

    /// Lower-case letters with no decomposition, as their base letters.
    private static let spelled: [Unicode.Scalar: String] = [
        "ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
    ]

    private static func asciiLowercased(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { ("A"..."Z").contains($0) ? Unicode.Scalar($0.value + 32)! : $0 }))
    }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (digits where digits go), or nil.
    private static func datePrefix(_ word: Substring) -> String? {
        let bytes = Array(word.utf8)
        guard [4, 7, 10].contains(bytes.count) else { return nil }
        for (i, byte) in bytes.enumerated() {
            let dash = i == 4 || i == 7
            guard dash ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        }
        return String(word)
    }
}
