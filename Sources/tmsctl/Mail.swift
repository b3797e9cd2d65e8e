#if canImport(Glibc)
import Glibc
#endif

/// A complete RFC 5322 message: multipart/mixed holding a
/// multipart/alternative (text and HTML) and attachments, or text alone;
/// every part base64 so any UTF-8 travels intact. Ready for `sendmail -t`.
struct MailMessage {
    var from: String
    var to: [String]
    var subject: String
    var text: String
    /// Nil: text alone (with no attachments, a message of one text/plain part).
    var html: String?
    var attachments: [(name: String, type: String, body: String)]

    /// `local@domain` with no spaces, angle brackets or line breaks.
    static func isAddress(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        // The domain may be a bare host (root@localhost is a local mailbox), never empty or with an empty label.
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !parts[1].split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
            && !s.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," || $0 == "\r" || $0 == "\n" || $0 == "\"" })
    }

    func render(now: time_t = time(nil), random: UInt64 = UInt64.random(in: 1...UInt64.max)) -> String {
        let boundary = "tmsd-\(String(random, radix: 36))"
        let inner = boundary + "-alt"
        let host = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var out = ""
        func header(_ name: String, _ value: String) { out += "\(name): \(value)\r\n" }
        header("From", from)
        header("To", to.joined(separator: ", "))
        header("Subject", Self.encodedWord(subject))
        header("Date", Self.rfc5322Date(now))
        header("Message-ID", "<\(now).\(String(random, radix: 36))@\(host)>")
        header("MIME-Version", "1.0")
        if html == nil, attachments.isEmpty {
            header("Content-Type", "text/plain; charset=utf-8")
            header("Content-Transfer-Encoding", "base64")
            return out + "\r\n" + Self.base64(text) + "\r\n"
        }
        header("Content-Type", "multipart/mixed; boundary=\"\(boundary)\"")
        out += "\r\n--\(boundary)\r\n"
        if let html {
            out += "Content-Type: multipart/alternative; boundary=\"\(inner)\"\r\n\r\n"
            out += part(inner, "text/plain; charset=utf-8", text)
            out += part(inner, "text/html; charset=utf-8", html)
            out += "--\(inner)--\r\n"
        } else {
            out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\(Self.base64(text))\r\n"
        }
        for a in attachments {
            out += "--\(boundary)\r\n"
            out += "Content-Type: \(a.type); charset=utf-8; name=\"\(a.name)\"\r\n"
            out += "Content-Disposition: attachment; filename=\"\(a.name)\"\r\n"
            out += "Content-Transfer-Encoding: base64\r\n\r\n"
            out += Self.base64(a.body) + "\r\n"
        }
        out += "--\(boundary)--\r\n"
        return out
    }

    private func part(_ boundary: String, _ type: String, _ body: String) -> String {
        "--\(boundary)\r\nContent-Type: \(type)\r\nContent-Transfer-Encoding: base64\r\n\r\n\(Self.base64(body))\r\n"
    }

    /// Base64 in lines of 76.
    static func base64(_ text: String) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        var lines: [String] = []
        var start = 0
        while start < out.count {
            lines.append(String(decoding: out[start..<min(start + 76, out.count)], as: UTF8.self))
            start += 76
        }
        return lines.joined(separator: "\r\n")
    }

    /// A header value as an RFC 2047 encoded word when it is not plain ASCII.
    static func encodedWord(_ s: String) -> String {
        s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? s : "=?utf-8?B?\(base64(s).replacingCRLF())?="
    }

    static func rfc5322Date(_ t: time_t) -> String {
        var t = t
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S +0000", &parts)
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private extension String {
    func replacingCRLF() -> String { split(separator: "\r\n").joined() }
}
