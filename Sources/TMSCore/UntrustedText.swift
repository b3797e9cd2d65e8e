/// Text a client sent, where tmsd writes it back into its own words: an
/// error's message, an audit entry's summary.
public enum UntrustedText {
    /// A character that makes a terminal, a spreadsheet or a log do something
    /// instead of showing it: C0 and C1 controls, DEL, and the bidirectional
    /// embeddings, overrides and isolates that reorder what is shown.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `text` without the white space and line breaks at either end (the
    /// Unicode White_Space property, as Foundation's `whitespacesAndNewlines`),
    /// so a name typed with a trailing space is the same name.
    public static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// `text` with each control character (`isControl`) as a `\u{XX}` escape:
    /// what it says, and nothing it would do. (A NUL, too, which SQLite
    /// stores and C strings cut at.)
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// A value as a message quotes it: in single quotes, escaped, and cut to
    /// `limit` characters (a message names the value; it need not repeat a
    /// page of it).
    public static func quoted(_ value: String, limit: Int = 64) -> String {
        let escaped = escapingControls(value)
        return "'" + (escaped.count > limit ? escaped.prefix(limit) + "…" : escaped) + "'"
    }
}
