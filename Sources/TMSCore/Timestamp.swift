// FoundationEssentials where it exists: tmsctl links TMSCore and should not
// carry all of Foundation and ICU. (tmsd links Foundation, which brings the
// IANA time zones that ClinicCalendar needs.)
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// UTC instants as tmsd writes them: `YYYY-MM-DDTHH:MM:SSZ`, or with
/// milliseconds (`...SS.mmmZ`) where the order of two records made in the
/// same second matters to a rule (a threshold and a seizure, a drug and a
/// threshold).
public enum Timestamp {
    /// To the millisecond, rounded down.
    public static func formatPrecise(_ instant: Date) -> String {
        let milliseconds = Int((instant.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let fraction = milliseconds - seconds * 1000
        let whole = format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction) + "Z"
    }

    public static func format(_ instant: Date) -> String {
        let (date, rest) = CivilDate.split(secondsSince1970: Int(instant.timeIntervalSince1970.rounded(.down)))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(date)T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
    }

    /// Reads either form.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20 || bytes.count == 24, bytes[10] == UInt8(ascii: "T"), bytes[bytes.count - 1] == UInt8(ascii: "Z"),
                  bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                  let date = CivilDate(utf8: UnsafeBufferPointer(rebasing: bytes[0..<10])),
                  let h = twoDigits(bytes, 11), let m = twoDigits(bytes, 14), let s = twoDigits(bytes, 17),
                  h < 24, m < 60, s < 60 else { return nil }
            var milliseconds = 0
            if bytes.count == 24 {
                guard bytes[19] == UInt8(ascii: "."), let tens = twoDigits(bytes, 20) else { return nil }
                let last = bytes[22] &- UInt8(ascii: "0")
                guard last < 10 else { return nil }
                milliseconds = tens * 10 + Int(last)
            }
            let seconds = date.dayNumber * 86_400 + h * 3600 + m * 60 + s
            return Date(timeIntervalSince1970: TimeInterval(seconds) + TimeInterval(milliseconds) / 1000)
        }
    }

    /// The number written by the two ASCII digits at `offset`.
    static func twoDigits(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int? {
        let a = bytes[offset] &- UInt8(ascii: "0"), b = bytes[offset + 1] &- UInt8(ascii: "0")
        guard a < 10, b < 10 else { return nil }
        return Int(a) * 10 + Int(b)
    }
}
