import Testing
import TMSCore
@testable import TMSService

@Suite struct ConfigurationTests {
    @Test func theExampleConfigIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/tmsd.conf")
        let c = try Configuration().applying(file: url.standardized.path, required: true)
        #expect(c.timeZoneName == "America/New_York")
        #expect(c.holidays.contains(CivilDate("2026-12-25")!))
        #expect(c.clinicDays.count == 5)
        // What --check-config prints reads back to the same settings.
        #expect(try Configuration().applying(toml: c.rendered, file: "rendered") == c)
    }

    @Test func errorsNameTheKeyAndTheLine() {
        let text = """
            [daemon]
            socket = "relative.sock"

            [clinic]
            time-zone = "Mars/Olympus"
            days = ["mon", "funday"]
            holidays = ["2026-02-30"]
            colour = "blue"
            """
        do {
            _ = try Configuration().applying(toml: text, file: "t.conf")
            Issue.record("accepted a bad file")
        } catch {
            let byKey = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.key ?? "", $0.line) })
            #expect(byKey["daemon.socket"] == 2)
            #expect(byKey["clinic.time-zone"] == 5)
            #expect(byKey["clinic.days"] == 6)
            #expect(byKey["clinic.holidays"] == 7)
            #expect(byKey["clinic.colour"] == 8)
            #expect(error.description.contains("t.conf:5: clinic.time-zone: 'Mars/Olympus' is not an IANA time zone"))
        }
    }

    @Test func syntaxErrorsCarryTheParsersLine() {
        do {
            _ = try Configuration().applying(toml: "[daemon]\nsocket = \"/x\"\nlog-level = \n", file: "t.conf")
            Issue.record("accepted bad TOML")
        } catch {
            #expect(error.problems.first?.line == 3)
        }
    }

    @Test func aMissingFileIsAnErrorOnlyWhenNamed() throws {
        #expect(try Configuration().applying(file: "/nonexistent/tmsd.conf", required: false) == Configuration())
        #expect(throws: Configuration.Invalid.self) { try Configuration().applying(file: "/nonexistent/tmsd.conf", required: true) }
    }
}

import Foundation
