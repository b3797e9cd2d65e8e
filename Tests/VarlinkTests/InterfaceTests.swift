import Testing
@testable import Varlink

@Suite struct InterfaceTests {
    let idl = """
        # A test interface.
        interface org.example.Test

        type Point (x: float, y: float, label: ?string)
        type Shape (points: []Point, kind: (line, polygon), tags: [string]int)

        # Adds a shape.
        method Add(shape: Shape, note: ?string) -> (id: int)
        method Ping() -> ()
        error NotFound (id: int)
        """

    @Test func parsesTheServiceInterface() throws {
        let service = try VarlinkInterface(description: VarlinkServiceInterface.description)
        #expect(service.name == "org.varlink.service")
        #expect(Set(service.methods.keys) == ["GetInfo", "GetInterfaceDescription"])
        #expect(service.errors.count == 6)
    }

    @Test func parsesTypesMethodsAndErrors() throws {
        let i = try VarlinkInterface(description: idl)
        #expect(i.name == "org.example.Test")
        #expect(i.methods["Add"]?.input.map(\.name) == ["shape", "note"])
        #expect(i.errors["NotFound"] == [VarlinkField(name: "id", type: .int)])
        #expect(i.types["Point"] == .structure([
            VarlinkField(name: "x", type: .float), VarlinkField(name: "y", type: .float),
            VarlinkField(name: "label", type: .maybe(.string)),
        ]))
    }

    @Test(arguments: [
        "interface x", "interface a.b\nmethod lower() -> ()", "interface a.b\ntype T (a: Missing)",
        "interface a.b\nmethod M(a: int, a: int) -> ()", "interface a.b\nmethod M() ()", "interface a.b\nfoo Bar ()",
        "interface a.b\nmethod M(a: ??int) -> ()", "interface a.b\nmethod M(a: [int]int) -> ()",
    ])
    func rejectsMalformedDefinitions(_ text: String) {
        #expect(throws: IDLError.self) { try VarlinkInterface(description: text) }
    }

    @Test func validatesParameters() throws {
        let i = try VarlinkInterface(description: idl)
        let fields = try #require(i.methods["Add"]).input
        let good: [String: JSON] = ["shape": ["points": [["x": 1, "y": 2.5]], "kind": "line", "tags": ["a": 1]]]
        try i.validate(good["shape"].map { ["shape": $0] }!, against: fields)

        func failure(_ p: [String: JSON]) -> ParameterError? {
            do { try i.validate(p, against: fields); return nil } catch { return error }
        }
        #expect(failure([:]) == ParameterError(parameter: "shape", reason: "missing"))
        #expect(failure(["shape": ["points": [["x": "1", "y": 2]], "kind": "line", "tags": [:]]])?.parameter == "shape.points[0].x")
        #expect(failure(["shape": ["points": [], "kind": "circle", "tags": [:]]])?.parameter == "shape.kind")
        #expect(failure(["shape": ["points": [], "kind": "line", "tags": ["a": "b"]]])?.parameter == "shape.tags[a]")
        #expect(failure(["shape": ["points": [], "kind": "line", "tags": [:]], "extra": 1])?.parameter == "extra")
        #expect(failure(["shape": ["points": [], "kind": "line", "tags": [:]], "note": 5])?.parameter == "note")
        #expect(failure(["shape": ["points": [], "kind": "line", "tags": [:]], "note": nil]) == nil)
    }
}
