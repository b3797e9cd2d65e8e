import Testing
@testable import TMSCore

/// The front desk's search: names folded for case and accents, MRNs and birth dates by their start.
@Suite struct PatientSearchTests {
    @Test func namesFoldCaseAccentsAndLettersThatDoNotDecompose() {
        #expect(PatientQuery.words("Ångström") == ["angstrom"])
        #expect(PatientQuery.words("MÜLLER") == ["muller"])
        #expect(PatientQuery.words("Øster-Straße") == ["oster", "strasse"])
        #expect(PatientQuery.words("Łódź") == ["lodz"])
        #expect(PatientQuery.words("O'Brien") == ["obrien"])
        #expect(PatientQuery.words("O\u{2019}Brien") == ["obrien"])
        #expect(PatientQuery.words("Dvořák  Nguyễn") == ["dvorak", "nguyen"])
        // The same name typed precomposed and decomposed is one name.
        #expect(PatientQuery.words("Jos\u{E9}") == PatientQuery.words("Jose\u{301}"))
    }

    @Test func aNameKeyHasEachWordAfterASpace() {
        #expect(PatientQuery.nameKey(familyName: "García Márquez", givenName: "Anna-Lena") == " garcia marquez anna lena")
    }

    @Test func aQueryIsSplitAtSpacesAndCommasAndReadsDatesAndMRNs() throws {
        let q = try #require(PatientQuery("Smith, J  1980-03"))
        #expect(q.terms.count == 3)
        #expect(q.terms[0] == .init(names: ["smith"], mrn: "smith", birth: nil))
        #expect(q.terms[2].birth == "1980-03")
        #expect(PatientQuery("MRN-00A")?.terms.first?.mrn == "mrn-00a")
        #expect(PatientQuery("1980")?.terms.first?.birth == "1980")
        #expect(PatientQuery("1980-3")?.terms.first?.birth == nil)
        #expect(PatientQuery("19800302")?.terms.first?.birth == nil)
        #expect(PatientQuery("  , ") == nil)
        #expect(PatientQuery("a b c d e f g h")?.terms.count == PatientQuery.maximumTerms)
    }
}
