import Foundation
import Testing
import TMSCore
import TMSInterface
@testable import TMSService
import TMSStore
import Varlink
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The IDL and the handlers must agree: every declared method has a handler
/// that answers with the declared output, every error the domain can raise
/// is declared with the fields it sends. (The declarations against the IDL:
/// TMSInterfaceTests.)
@Suite struct InterfaceAgreementTests {
    let interface = Clinic.interface

    @Test func theIDLParses() {
        #expect(interface.name == "io.tmsd.Clinic")
    }

    @Test func everyDeclaredMethodHasAHandler() throws {
        let t = try TemporaryDirectory()
        defer { t.remove() }
        let handler = ClinicHandler(
            store: try ClinicStore(path: t.path("db.sqlite")), configuration: LiveConfiguration(granting()), logger: Logger(label: "test"))
        #expect(handler.unhandled == [])
    }

    @Test(arguments: ClinicError.Code.allCases)
    func everyDomainErrorIsDeclared(_ code: ClinicError.Code) throws {
        let fields = try #require(interface.errors[code.rawValue], "error \(code.rawValue) missing from the IDL")
        #expect(fields.contains { $0.name == "message" && $0.type == .string })
    }

    @Test func errorsSendExactlyTheirDeclaredFields() throws {
        let samples: [ClinicError] = [
            .patientNotFound(1), .protocolNotFound("x"), .courseNotFound(1), .sessionNotFound(1), .duplicateMRN(existing: 1),
            .invalidDate("d", "x"), .invalidValue("p", "r"), .courseNotActive(1, status: "cancelled"),
            .sessionAlreadyFinished(1, status: "completed"),
        ]
        var all = samples
        do { try DeliveryRules.checkOutput(intensityPercentMT: 120, motorThreshold: 90) } catch { all.append(error) }
        do { try DeliveryRules.checkPulses(2, prescribed: 1) } catch { all.append(error) }
        let day = CivilDate("2026-12-07")!, range = TimeRange(start: 540, end: 585)
        all += [
            .noFreeSlot(day, coil: "H1"), .noFreeSlot(nil, coil: "H1"), .closedDay(day), .dateInPast(day, today: day),
            .chairNotFound("x"), .chairUnsuitable("x", coil: "H1"), .outsideOpeningHours(day, range),
            .slotTaken(by: 1, chair: "x", date: day, range: range), .scaleNotFound("x"),
            .scoreOutOfRange(scale: "PHQ-9", item: 3, value: 4, minimum: 0, maximum: 3),
            .scoreOutOfRange(scale: "MADRS", item: nil, value: 61, minimum: 0, maximum: 60), .missingItem(scale: "PHQ-9", item: 9),
            .alertNotFound(1), .alertAlreadyAcknowledged(1, by: "x"), .recheckDue(course: 1, reason: "x"),
            .eventKindNotFound("x"), .thresholdRequired(course: 1, since: day), .doseLimitExceeded("x"), .screenRequired(course: 1, state: "none", reason: "x"),
            .authorizationNotFound(1), .notTodaysSession(1, date: day, today: day), .dailyLimitReached(course: 1, date: day, perDay: 1),
            .deviation(.deviationCoil, what: "coil", prescribed: "figure-8", delivered: "H1"), .overrideNotPermitted(.mtRecheck),
            .overrideNotPermitted(nil), .patientBooked(1, date: day, range: range), .findingNotStanding(course: 1, question: "x"),
            .doseLimitExceeded("x", rule: .doseLimitUnknown), .backupFailed("x"), .patientInactive(1),
            .patientInCourse(patient: 1, course: 2), .patientAmbiguous(mrnOf: 1, id: 2), .mrnNotFound, .roomNotFound("x"),
            .consultationNotFound(1), .consultationClash(with: 1, what: "Room x", date: day, range: range),
            .evaluationItemNotFound("x"), .notAnAntidepressant("x", parameter: "base"), .strategyNotFound(1),
            .importInvalid(problems: 2, line: 3, column: "mrn", reason: "x"), .importInvalid(problems: 1, line: 1, column: nil, reason: "x"),
        ]
        #expect(Set(all.map(\.code)) == Set(ClinicError.Code.allCases))
        for error in all {
            let encoded = VarlinkError(error)
            let declared = try #require(interface.errors[error.code.rawValue])
            try interface.validate(encoded.parameters, against: declared)
        }
    }

    @Test func everyMethodIsHandled() throws {
        let t = try TemporaryDirectory()
        defer { t.remove() }
        let service = ClinicHandler(
            store: try ClinicStore(path: t.path("db.sqlite")), configuration: LiveConfiguration(granting()), logger: Logger(label: "test"))
        let peer = PeerCredentials(pid: 1, uid: 0, gid: 0)
        for method in interface.methods.values {
            // The smallest call the IDL accepts: required fields with placeholder values.
            var parameters: [String: JSON] = [:]
            for field in method.input {
                if case .maybe = field.type { continue }
                parameters[field.name] = placeholder(field.type)
            }
            try interface.validate(parameters, against: method.input)
            do {
                let reply = try service.handle(
                    VarlinkCall(method: "io.tmsd.Clinic.\(method.name)", parameters: parameters), method: method, peer: peer,
                    invalid: nil)
                // A reply carries the declared output fields with their types.
                try interface.validate(reply, against: method.output)
            } catch let error as VarlinkError {
                #expect(error.name != "org.varlink.service.MethodNotImplemented", "\(method.name) is not handled")
                // GetPatient's three names are optional in the IDL and exactly one is needed: without
                // any, the patient is a parameter left out, as the protocol names it.
                if method.name == "GetPatient", error == .invalidParameter("id") { continue }
                #expect(error.name.hasPrefix("io.tmsd.Clinic."), "\(method.name): \(error)")
                let declared = try #require(interface.errors[String(error.name.split(separator: ".").last!)])
                try interface.validate(error.parameters, against: declared)
            }
        }
    }

    /// A configuration granting the test's own groups every role.
    func granting() -> Configuration {
        var c = Configuration()
        let mine = UserDirectory().groups(of: getuid())
        c.roleGroups = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, mine) })
        return c
    }

    func placeholder(_ type: VarlinkType) -> JSON {
        switch type {
        case .bool: return false
        case .int: return 1
        case .float: return 1.0
        case .string: return "x"
        case .object: return [:]
        case .maybe: return nil
        case .array: return []
        case .map: return [:]
        case .enumeration(let cases): return .string(cases[0])
        case .named(let name): return placeholder(interface.types[name]!)
        case .structure(let fields):
            var o: [String: JSON] = [:]
            for f in fields {
                if case .maybe = f.type { continue }
                o[f.name] = placeholder(f.type)
            }
            return .object(o)
        }
    }
}

/// A directory of its own for one test, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tmsd-svc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func remove() { try? FileManager.default.removeItem(at: url) }
}
