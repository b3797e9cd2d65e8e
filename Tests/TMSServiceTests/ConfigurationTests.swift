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

    @Test func readsAndChecksTheReportKeys() throws {
        let c = try Configuration().applying(toml: """
            [reports]
            identifiers = "mrn"
            authorization-warning = 90
            """, file: "r.conf")
        #expect(c.reportIdentifiers == "mrn" && c.courseSummaryIdentifiers == nil && c.authorizationWarningPercent == 90)
        #expect(Configuration().authorizationWarningPercent == 80)
        do {
            _ = try Configuration().applying(toml: """
                [reports]
                course-identifiers = "nicknames"
                authorization-warning = 0
                """, file: "r.conf")
            Issue.record("accepted a bad file")
        } catch {
            let byKey = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.key ?? "", $0.line) })
            #expect(byKey["reports.course-identifiers"] == 2)
            #expect(byKey["reports.authorization-warning"] == 3)
            #expect(error.description.contains("reports.authorization-warning: must be a whole percentage, 1 to 100"))
        }
        #expect(throws: Configuration.Invalid.self) { try Configuration().applying(toml: "reports = 5\n", file: "r.conf") }
    }

    @Test func theDayClosesAtItsOpeningHoursEndOrAtDayCloseOrNever() throws {
        let wednesday = CivilDate("2026-12-02")!, saturday = CivilDate("2026-12-05")!
        #expect(Configuration().closing(on: wednesday) == LocalTime("18:00"))  // the standard hours: 08:00-18:00
        #expect(Configuration().closing(on: saturday) == nil)
        let set = try Configuration().applying(toml: "[clinic]\nday-close = \"19:30\"\n[reports]\nno-show-flag = 3\n", file: "d.conf")
        #expect(set.closing(on: wednesday) == LocalTime("19:30") && set.noShowFlag == 3 && set.dayClose != .off)
        let off = try Configuration().applying(toml: "[clinic]\nday-close = \"off\"\n", file: "d.conf")
        #expect(off.dayClose == .off && off.closing(on: wednesday) == nil)
        do {
            _ = try Configuration().applying(toml: "[clinic]\nday-close = \"25:00\"\n[reports]\nno-show-flag = 0\n", file: "d.conf")
            Issue.record("accepted a bad close and flag")
        } catch {
            #expect(Set(error.problems.compactMap(\.key)) == ["clinic.day-close", "reports.no-show-flag"])
        }
    }

    @Test func anMRNPatternIsARegularExpressionAWholeMRNMatches() throws {
        #expect(Configuration().looksLikeMRN("anything at all"))
        let c = try Configuration().applying(toml: "[patients]\nmrn-pattern = \"[0-9]{6,8}\"\n", file: "p.conf")
        #expect(c.looksLikeMRN("0012345") && !c.looksLikeMRN("42") && !c.looksLikeMRN("00123456789") && !c.looksLikeMRN("x0012345"))
        do {
            _ = try Configuration().applying(toml: "[patients]\n\nmrn-pattern = \"[0-9\"\n", file: "p.conf")
            Issue.record("accepted a pattern that is not one")
        } catch {
            #expect(error.problems.map(\.key) == ["patients.mrn-pattern"] && error.problems.first?.line == 3)
            #expect(error.description.contains("is not a regular expression"))
        }
        #expect(throws: Configuration.Invalid.self) { try Configuration().applying(toml: "[patients]\nmrn = 1\n", file: "p.conf") }
    }

    @Test func theMRNSystemOfAnExportIsAURI() throws {
        #expect(Configuration().mrnSystem == "urn:tmsd:mrn")
        let c = try Configuration().applying(toml: "[patients]\nmrn-system = \"urn:oid:2.16.840.1.113883.3.1234\"\n", file: "p.conf")
        #expect(c.mrnSystem == "urn:oid:2.16.840.1.113883.3.1234")
        #expect(try Configuration().applying(toml: c.rendered, file: "effective").mrnSystem == c.mrnSystem)
        for bad in ["mrn", "1urn:x", "urn:a b", ":x", "urn:"] {
            #expect(throws: Configuration.Invalid.self, "\(bad)") {
                try Configuration().applying(toml: "[patients]\nmrn-system = \"\(bad)\"\n", file: "p.conf")
            }
        }
    }

    @Test func aSiteOfANetworkNamesItselfAndItsCentralServer() throws {
        #expect(Configuration().network == nil)
        let c = try Configuration().applying(toml: """
            [network]
            site = "north-3"
            socket = "/run/postgresql/.s.PGSQL.5432"
            password-file = "/run/credentials/tmsd.service/central-password"
            batch = 200
            records = "de-identified"
            """, file: "n.conf")
        #expect(c.network?.site == "north-3" && c.network?.socket == "/run/postgresql/.s.PGSQL.5432" && c.network?.batch == 200)
        #expect(c.network?.database == "tmsd" && c.network?.user == "tmsd" && c.network?.records == .deidentified)
        #expect(try Configuration().applying(toml: c.rendered, file: "effective").network == c.network)
        for (bad, key) in [("site = \"North 3\"\nhost = \"db\"", "network.site"), ("site = \"a\"", "network.site"),
                           ("site = \"a\"\nsocket = \"rel/path\"", "network.socket"), ("site = \"a\"\nhost = \"db\"\nport = 0", "network.port"),
                           ("site = \"a\"\nhost = \"db\"\nbatch = 0", "network.batch"), ("host = \"db\"", "network"),
                           ("site = \"a\"\nhost = \"db\"\npassword = \"x\"", "network.password"),
                           ("site = \"a\"\nhost = \"db\"\nrecords = \"some\"", "network.records")] {
            do {
                _ = try Configuration().applying(toml: "[network]\n\(bad)\n", file: "n.conf")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.problems.map(\.key).contains(key), "\(bad): \(error)")
            }
        }
    }

    @Test func consultationRoomsAreNamedInClinic() throws {
        #expect(Configuration().resources.rooms == ["consult-1"])
        let c = try Configuration().applying(toml: "[clinic]\nrooms = [\"room-a\", \"room-b\"]\n", file: "r.conf")
        #expect(c.resources.rooms == ["room-a", "room-b"])
        // The effective configuration reads back as it was set.
        let again = try Configuration().applying(toml: c.rendered, file: "effective")
        #expect(again.resources.rooms == ["room-a", "room-b"])
        for bad in ["rooms = []", "rooms = [\"a b\"]", "rooms = [\"a\", \"a\"]", "rooms = \"a\""] {
            do {
                _ = try Configuration().applying(toml: "[clinic]\n\(bad)\n", file: "r.conf")
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.problems.map(\.key) == ["clinic.rooms"] && error.problems.first?.line == 2, "\(bad)")
            }
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

@Suite struct ClinicResourcesConfigurationTests {
    let good = """
        [clinic]
        days = ["mon", "tue", "wed", "thu", "fri", "sat"]
        setup-minutes = 12

        [hours]
        default = ["08:00-18:00"]
        fri = ["08:00-12:00", "13:00-17:00"]
        sat = ["09:00-13:00"]

        [[chairs]]
        name = "chair-a"
        coils = ["figure-8"]

        [[chairs]]
        name = "deep"
        coils = ["H1", "H7"]

        [protocols.10hz-ldlpfc]
        slot-minutes = 45

        [protocols.itbs]
        setup-minutes = 7
        """

    @Test func readsChairsHoursAndSlots() throws {
        let c = try Configuration().applying(toml: good, file: "c.conf")
        let r = c.resources
        #expect(r.chairs.map(\.name) == ["chair-a", "deep"])
        #expect(r.chairs(carrying: "H1").map(\.name) == ["deep"])
        #expect(r.hours[.friday] == [TimeRange(start: 480, end: 720), TimeRange(start: 780, end: 1020)])
        #expect(r.hours[.monday] == [TimeRange(start: 480, end: 1080)])
        #expect(r.hours[.sunday] == nil)
        #expect(r.slotMinutes(for: ProtocolLibrary.find("10hz-ldlpfc")!) == 45)
        #expect(r.slotMinutes(for: ProtocolLibrary.find("itbs")!) == 4 + 7)  // 192 s of stimulation
        #expect(r.slotMinutes(for: ProtocolLibrary.find("deep-tms-h1")!) == 20 + 12)
        // What --check-config prints reads back to the same settings.
        #expect(try Configuration().applying(toml: c.rendered, file: "rendered") == c)
    }

    @Test func withoutChairsOneChairCarriesEveryCoil() throws {
        let r = try Configuration().applying(toml: "[clinic]\ndays = [\"mon\", \"sat\"]\n", file: "c.conf").resources
        #expect(r.chairs.count == 1)
        #expect(Set(ProtocolLibrary.builtIn.map(\.coil)).isSubset(of: r.chairs[0].coils))
        #expect(Set(r.hours.keys) == [.monday, .saturday])
    }

    @Test func refusesBadResourcesWithKeyAndLine() {
        let bad = """
            [clinic]
            days = ["mon", "tue"]

            [hours]
            default = ["08:00-18:00"]
            mon = ["08:00-12:00", "11:00-13:00"]
            tue = ["17:00-09:00"]
            wed = ["09:00-10:00"]

            [[chairs]]
            name = "ok"
            coils = ["figure-8"]

            [[chairs]]
            name = "empty"
            coils = []

            [protocols.10hz-ldlpfc]
            slot-minutes = 20

            [protocols.nonesuch]
            setup-minutes = 5
            """
        do {
            _ = try Configuration().applying(toml: bad, file: "b.conf")
            Issue.record("accepted")
        } catch {
            let found = Dictionary(error.problems.map { ($0.key ?? "", $0.line) }, uniquingKeysWith: { a, _ in a })
            #expect(found["hours.mon"] == 6)  // overlapping
            #expect(found["hours.tue"] == 7)  // inverted
            #expect(found["hours.wed"] == 8)  // not a clinic day
            #expect(found["chairs[2].coils"] == 16)  // no coil types
            #expect(found["protocols.10hz-ldlpfc.slot-minutes"] == 19)  // shorter than stimulation
            #expect(found["protocols.nonesuch"] == 21)
        }
    }
}
