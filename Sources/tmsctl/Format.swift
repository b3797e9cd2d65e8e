import TMSInterface
import Varlink

/// Aligned text tables and number formatting for people. What came from the
/// daemon is escaped already: `Daemon` passes every reply through `escaped`
/// as it decodes it.
enum Format {
    /// `s` safe to print on a terminal: each control character (C0, DEL,
    /// C1, and the bidirectional overrides, as `Constraint.isControl` names
    /// them) written as a visible escape (`\n`, `\r`, `\t`, `\u{1B}`), so
    /// stored text can neither move the cursor, retitle the window, hide
    /// rows nor start a line of its own.
    static func text(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: Constraint.isControl) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars {
            guard Constraint.isControl(scalar) else {
                out.append(scalar)
                continue
            }
            let escape = switch scalar {
            case "\n": "\\n"
            case "\r": "\\r"
            case "\t": "\\t"
            default: "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    /// `json` with every string in it (member names too) passed through `text`.
    static func escaped(_ json: JSON) -> JSON {
        switch json {
        case .string(let s): .string(text(s))
        case .array(let elements): .array(elements.map(escaped))
        case .object(let members): .object(Dictionary(members.map { (text($0.key), escaped($0.value)) }, uniquingKeysWith: { first, _ in first }))
        default: json
        }
    }

    /// Columns padded to their widest cell; numeric-looking columns align right.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "" }
        let widths = header.indices.map { i in max(header[i].count, rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0) }
        let numeric = header.indices.map { i in
            rows.allSatisfy { row in
                let cell = i < row.count ? row[i] : ""
                return cell.isEmpty || cell.allSatisfy { $0.isNumber || $0 == "." || $0 == "/" || $0 == "-" || $0 == "%" }
            } && rows.contains { i < $0.count && !$0[i].isEmpty && $0[i].first!.isNumber }
        }
        func line(_ cells: [String]) -> String {
            var out = ""
            for i in header.indices {
                let cell = i < cells.count ? cells[i] : ""
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                let last = i == header.count - 1
                out += numeric[i] ? pad + cell : (last ? cell : cell + pad)
                if !last { out += "  " }
            }
            return out
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// `text` broken at spaces into lines of at most `width` columns, the
    /// first starting with `first`, the rest indented to line up after it.
    /// A word too long for a line of its own is cut across lines.
    static func wrap(_ text: String, first: String, width: Int = 80) -> String {
        let indent = String(repeating: " ", count: first.count)
        let room = max(1, width - indent.count)
        var lines: [String] = []
        var line = first
        for whole in text.split(whereSeparator: { $0 == " " || $0.isNewline }) {
            var word = Substring(whole)
            while indent.count + word.count > width {
                if line.count > indent.count { lines.append(line) }
                lines.append(indent + word.prefix(room))
                line = indent
                word = word.dropFirst(room)
            }
            if word.isEmpty { continue }
            if line.count > indent.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = indent
            }
            line += (line.count > indent.count ? " " : "") + word
        }
        if line.count > indent.count || lines.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` cut to `width` columns, the cut marked with an ellipsis.
    static func fit(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }

    /// `key: value` lines with the keys aligned.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = pairs.map(\.0.count).max() ?? 0
        return pairs.map { key, value in
            key + ":" + String(repeating: " ", count: width - key.count + 1) + value
        }.joined(separator: "\n") + "\n"
    }

    /// 120.0 as "120", 4.5 as "4.5".
    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String((d * 1000).rounded() / 1000)
    }
}
