import Testing
@testable import TMSCore

@Suite struct ProtocolLibraryTests {
    @Test(arguments: ProtocolLibrary.builtIn)
    func everyProtocolIsConsistent(_ p: TreatmentProtocol) {
        #expect(p.validate() == [], "\(p.id)")
        #expect(p.pulsesPerSession == p.trains * p.pulsesPerTrain, "\(p.id)")
    }

    @Test func idsAreUnique() {
        #expect(Set(ProtocolLibrary.builtIn.map(\.id)).count == ProtocolLibrary.builtIn.count)
    }

    @Test func courseShapesFromClinicalTable() throws {
        let tenHz = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        #expect(tenHz.totalSessions == 36)
        #expect(tenHz.pulsesPerSession == 3000 && tenHz.trains == 75 && tenHz.pulsesPerTrain == 40)
        #expect(tenHz.interTrainIntervalSeconds == 26)
        #expect(try #require(ProtocolLibrary.find("10hz-dash")).interTrainIntervalSeconds == 11)

        let h1 = try #require(ProtocolLibrary.find("deep-tms-h1"))
        #expect(h1.frequencyHz == 18 && h1.pulsesPerSession == 1980)
        #expect(h1.totalSessions == 20 + 2 * 12)

        let itbs = try #require(ProtocolLibrary.find("itbs"))
        #expect(itbs.pulsesPerSession == 600)
        #expect(itbs.sessionSeconds == 192)  // 20 x 2 s + 19 x 8 s

        let saint = try #require(ProtocolLibrary.find("accelerated-itbs"))
        #expect(saint.sessionsPerDay == 10 && saint.minimumIntervalMinutes == 50)
        #expect(saint.totalSessions == 50 && saint.pulsesPerSession == 1800)

        #expect(try #require(ProtocolLibrary.find("1hz-rdlpfc")).frequencyHz == 1)
    }

    @Test func validationCatchesInconsistentNumbers() throws {
        var p = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        p.pulsesPerSession = 3001
        #expect(p.validate().contains { $0.contains("pulses per session") })
        p = try #require(ProtocolLibrary.find("10hz-ldlpfc"))
        p.trainDurationSeconds = 5  // 10 Hz x 5 s is 50 pulses, not 40
        #expect(!p.validate().isEmpty)
        p = try #require(ProtocolLibrary.find("accelerated-itbs"))
        p.minimumIntervalMinutes = 5  // shorter than a session
        #expect(!p.validate().isEmpty)
    }
}

extension TreatmentProtocol: CustomTestStringConvertible {
    public var testDescription: String { id }
}
