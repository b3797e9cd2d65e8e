import Testing
@testable import TMSCore

@Suite struct CSVTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaksAndLinesAreCounted() throws {
        let table = try CSVTable(parsing: "MRN, Name ,note\r\nA,\"Doe, Jane\",\"said \"\"hi\"\"\"\r\n\r\nB,\"two\nlines\",\nC,x,\"\"")
        #expect(table.header == ["mrn", "name", "note"])  // trimmed and lower-cased
        #expect(table.records == [
            .init(line: 2, fields: ["A", "Doe, Jane", "said \"hi\""]),
            .init(line: 4, fields: ["B", "two\nlines", ""]),  // line 3 is blank
            .init(line: 6, fields: ["C", "x", ""]),
        ])
    }

    @Test(arguments: [
        ("", 1, "empty"), ("a,b\n\"x,y\n", 2, "never closed"), ("a,b\nx\"y,z\n", 2, "a quote inside an unquoted field"),
        ("a,b\n\"x\"y,z\n", 2, "text after a closing quote"), ("a,b\rc\n", 1, "carriage return"), ("a,a\nx,y\n", 1, "named twice"),
    ])
    func whatCannotBeReadIsNamedWithItsLine(_ text: String, _ line: Int, _ words: String) {
        do {
            _ = try CSVTable(parsing: text)
            Issue.record("read \(text.debugDescription)")
        } catch {
            #expect(error.line == line && error.reason.contains(words), "\(text.debugDescription): \(error)")
        }
    }

    @Test func aLastLineWithoutItsLineBreakIsARecord() throws {
        #expect(try CSVTable(parsing: "a\nx").records == [.init(line: 2, fields: ["x"])])
        #expect(try CSVTable(parsing: "a\n\"\"").records == [.init(line: 2, fields: [""])])  // a quoted empty field is a record
        #expect(try CSVTable(parsing: "a\n").records == [])
    }
}
