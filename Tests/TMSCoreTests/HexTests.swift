import Testing
import TMSCore

@Suite struct HexTests {
    @Test func everyNibbleIsItsLowercaseDigit() {
        #expect(Hex.string([UInt8]()) == "")
        #expect(Hex.string([0x00, 0x0F, 0xA5, 0xFF, 0x10, 0x9C]) == "000fa5ff109c")
        #expect(Hex.string((0...255).map(UInt8.init)).count == 512)
        #expect(Hex.string((0...255).map(UInt8.init)).hasSuffix("fcfdfeff"))
    }

    @Test func aSliceAndARawBufferWriteTheSameDigits() {
        let bytes: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x01]
        #expect(Hex.string(bytes[1...3]) == "adbeef")
        #expect(bytes.withUnsafeBytes(Hex.string) == "deadbeef01")
    }
}
