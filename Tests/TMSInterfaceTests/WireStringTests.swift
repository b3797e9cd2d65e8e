import Foundation
import Testing
import TMSCore
import Varlink
@testable import TMSInterface

/// A value the encoder writes straight to its string must be written as its
/// own Encodable conformance writes it.
@Suite struct WireStringTests {
    func codable<T: Encodable>(_ value: T) throws -> String {
        let data = try JSONEncoder().encode([value])
        return try JSONDecoder().decode([String].self, from: data)[0]
    }

    func agree<T: VarlinkString & CaseIterable>(_ type: T.Type) throws {
        for value in T.allCases {
            #expect(try VarlinkEncoder().encode(value) == .string(try codable(value)), "\(T.self).\(value)")
        }
    }

    @Test func everyWireStringMatchesItsCodableForm() throws {
        for date in ["2026-12-02", "0001-01-01", "2028-02-29"] {
            let d = CivilDate(date)!
            #expect(try VarlinkEncoder().encode(d) == .string(try codable(d)))
        }
        for time in ["00:00", "09:05", "23:59"] {
            let t = LocalTime(time)!
            #expect(try VarlinkEncoder().encode(t) == .string(try codable(t)))
        }
        try agree(CourseStatus.self)
        try agree(SessionStatus.self)
        try agree(ThresholdMethod.self)
        try agree(Severity.self)
        try agree(Timepoint.self)
        try agree(ScreenResult.self)
        try agree(ScreenQuestion.Weight.self)
        try agree(TargetSite.Method.self)
        try agree(Trial.Kind.self)
        try agree(Trial.Adherence.self)
        try agree(Trial.Outcome.self)
        try agree(Clinic.Rhythm.self)
        try agree(Role.self)
        // Inside a reply too: a session's date, time and status.
        let members = try VarlinkEncoder().encodeObject(Clinic.ListSessions.Input(date: CivilDate("2026-12-02")))
        #expect(members["date"] == .string("2026-12-02"))
    }
}
