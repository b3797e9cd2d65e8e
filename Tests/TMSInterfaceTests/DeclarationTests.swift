import Testing
import TMSCore
@testable import TMSInterface
import Varlink

/// The declarations and the IDL say the same: every method of one is a
/// method of the other, with the same fields, each as optional in both, of
/// the same kind, enumerations with the same cases; every number a client
/// sends has a bound; every method that writes needs a role.
@Suite struct DeclarationTests {
    let interface = Clinic.interface

    @Test func everyIDLMethodIsDeclaredOnceAndNoOther() {
        let declared = Clinic.methods.map { $0.name }
        #expect(declared.count == Set(declared).count, "a method declared twice")
        #expect(Set(declared) == Set(interface.methods.keys))
    }

    @Test func theDeclarationsNameThemselvesAsTheIDLDoes() {
        #expect(Clinic.CompleteSession.name == "CompleteSession")
        #expect(Clinic.CompleteSession.qualifiedName == "io.tmsd.Clinic.CompleteSession")
    }

    @Test(arguments: Clinic.methods.map { $0.name })
    func inputAndOutputAgreeWithTheIDL(_ name: String) throws {
        let method = try #require(interface.methods[name])
        let declaration = try #require(Clinic.byName[name])
        let (input, output) = try Self.shapes(declaration)
        #expect(Self.differences(input, method.input) == [], "\(name) input")
        #expect(Self.differences(output, method.output) == [], "\(name) output")
    }

    @Test(arguments: Clinic.methods.map { $0.name })
    func everyNumberAClientSendsHasABound(_ name: String) throws {
        let method = try #require(interface.methods[name])
        let constraints = try #require(Clinic.byName[name]).constraints
        let leaves = Self.leaves(method.input, in: interface, at: "")
        for (path, type) in leaves where type == .int || type == .float {
            #expect(constraints[path] != nil, "\(name): \(path) has no bound")
        }
        for (path, rule) in constraints {
            guard let type = leaves[path] else {
                Issue.record("\(name): the constraint on \(path) names no parameter")
                continue
            }
            switch rule {
            case .int: #expect(type == .int, "\(name): \(path) is \(type), bounded as an int")
            case .float: #expect(type == .float, "\(name): \(path) is \(type), bounded as a float")
            case .text, .note, .oneOf, .date, .document: #expect(type == .string, "\(name): \(path) is \(type), ruled as text")
            }
        }
    }

    /// Text reaches terminals, spreadsheets, mail and logs: every string a
    /// client sends is checked at the boundary, as text (no control
    /// character), a note (line breaks and tabs only), one of a list of words,
    /// or a date; or it is decoded as a date, a time or a word of an
    /// enumeration, which nothing else passes.
    @Test(arguments: Clinic.methods.map { $0.name })
    func everyTextAClientSendsHasARule(_ name: String) throws {
        let method = try #require(interface.methods[name])
        let declaration = try #require(Clinic.byName[name])
        let constraints = declaration.constraints
        let (input, _) = try Self.shapes(declaration)
        let typed = Self.wordLeaves(input, at: "")
        for (path, type) in Self.leaves(method.input, in: interface, at: "") where type == .string {
            #expect(constraints[path] != nil || typed.contains(path), "\(name): the text \(path) has no rule")
        }
    }

    @Test func everyMethodThatWritesNeedsARole() {
        for method in Clinic.methods where method.writes {
            #expect(method.role != nil, "\(method.name) writes and needs no role")
        }
    }

    /// Reading the records needs no role; reading the audit trail needs the auditor's.
    @Test func readsNeedNoRoleButTheAuditTrailsNeedsTheAuditors() {
        for method in Clinic.methods where !method.writes {
            let expected: Role? = ["ListAudit", "VerifyAudit"].contains(method.name) ? .auditor : nil
            #expect(method.role == expected, "\(method.name) only reads and needs \(method.role?.rawValue ?? "no role")")
        }
    }

    /// A quick method is answered on the event loop: it must be a read, and
    /// not of the audit trail, whose length grows with the clinic's history.
    @Test func quickMethodsAreReadsOfOneRecordOrDay() {
        let quick = Clinic.methods.filter { $0.quick }
        #expect(quick.contains { $0.name == "ListSessions" })
        for method in quick {
            let writes = method.writes
            #expect(!writes, "\(method.name) writes and would hold an event loop through its fsync")
            #expect(method.role == nil, "\(method.name) is a quick read of the audit trail")
            #expect(!["ListAudit", "VerifyAudit", "GetDailyReport", "ListPatients", "ListCourses", "ListAlerts"].contains(method.name),
                    "\(method.name) grows with the clinic's history")
        }
    }

    /// A subscription is answered again after every commit: it must be a
    /// quick read anyone may make, of one day.
    @Test func subscriptionsAreQuickReads() {
        let streaming = Clinic.methods.filter { $0.streams }.map { $0.name }
        #expect(streaming == ["GetDaySchedule"])
        for method in Clinic.methods where method.streams {
            #expect(method.quick && !method.writes && method.role == nil, "\(method.name)")
        }
    }

    // MARK: - Helpers

    /// The IDL's fields as the difference check takes them: a struct.
    static func differences(_ shape: Shape, _ fields: [VarlinkField]) -> [String] {
        shape.differences(from: .structure(fields), in: Clinic.interface, at: "")
    }

    static func shapes<M: ClinicMethod>(_ declaration: M.Type) throws -> (input: Shape, output: Shape) {
        (try Shape.of(M.Input.self), try Shape.of(M.Output.self))
    }

    /// The paths of `shape` decoded as a date, a time or a word of an enumeration.
    static func wordLeaves(_ shape: Shape, at path: String) -> Set<String> {
        switch shape {
        case .formatted, .enumeration: return [path]
        case .array(let element): return wordLeaves(element, at: path + "[]")
        case .object(let members):
            return members.reduce(into: []) { out, member in
                out.formUnion(wordLeaves(member.value.shape, at: path.isEmpty ? member.key : path + "." + member.key))
            }
        default: return []
        }
    }

    /// Every scalar parameter of `fields` by path, as the constraints name them (`items[]` for array elements).
    static func leaves(_ fields: [VarlinkField], in interface: VarlinkInterface, at prefix: String) -> [String: VarlinkType] {
        var out: [String: VarlinkType] = [:]
        func walk(_ type: VarlinkType, _ path: String) {
            switch type {
            case .maybe(let inner): walk(inner, path)
            case .named(let name): if let resolved = interface.types[name] { walk(resolved, path) }
            case .structure(let members): for f in members { walk(f.type, path.isEmpty ? f.name : path + "." + f.name) }
            case .array(let element): walk(element, path + "[]")
            case .map: break  // maps carry no numbers here
            case .enumeration, .object: break
            case .int, .float, .string, .bool: out[path] = type
            }
        }
        for field in fields { walk(field.type, prefix.isEmpty ? field.name : prefix + "." + field.name) }
        return out
    }
}

extension ClinicMethod {
    static var constraints: [String: Constraint] { Input.constraints }
}
