/// Lowercase hexadecimal, as the change log's hashes, an import's file hash
/// and the FHIR export's name-based UUIDs are written.
public enum Hex {
    /// The ASCII digit of a nibble (0-15).
    @inlinable
    public static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// `bytes` as lowercase hex, two digits a byte: written straight into
    /// the string, and specialized where it is called (a change-log entry
    /// writes its hash with it; through the generic witnesses it was a tenth
    /// of the entry's time). A digest is given as its bytes:
    /// `digest.withUnsafeBytes(Hex.string)`.
    @inlinable
    public static func string<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            var i = 0
            for byte in bytes {
                out[i] = digit(byte >> 4)
                out[i + 1] = digit(byte & 0xF)
                i += 2
            }
            return i
        }
    }
}
