import Testing
@testable import Varlink

/// Answers Add with the number of points; anything else fails.
struct EchoHandler: VarlinkHandler {
    func mayBlock(_ method: VarlinkMethod) -> Bool { false }

    func handle(_ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials, invalid: ParameterError?) throws -> [String: JSON] {
        if let invalid { throw VarlinkError.invalidParameter(invalid.parameter) }
        guard call.member == "Add", case .array(let points)? = call.parameters["shape"]?["points"] else {
            throw VarlinkError("org.example.Test.NotFound", ["id": 0])
        }
        return ["id": .int(points.count)]
    }
}

@Suite struct DispatcherTests {
    let dispatcher = VarlinkDispatcher(
        info: VarlinkServiceInfo(vendor: "v", product: "p", version: "1", url: "u"),
        interfaces: [try! VarlinkInterface(description: """
            interface org.example.Test
            method Add(shape: (points: []int)) -> (id: int)
            method Fail() -> ()
            error NotFound (id: int)
            """)],
        handler: EchoHandler())
    let peer = PeerCredentials(pid: 1, uid: 0, gid: 0)

    func reply(_ text: String) throws -> JSON? {
        let result = dispatcher.reply(to: Array(text.utf8), peer: peer)
        return try result.get().map { try JSON(parsing: $0) }
    }

    @Test func answersGetInfoAndDescriptions() throws {
        let info = try #require(try reply(#"{"method":"org.varlink.service.GetInfo"}"#))
        #expect(info["parameters"]?["interfaces"] == ["org.varlink.service", "org.example.Test"])
        let d = try #require(try reply(#"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"org.example.Test"}}"#))
        #expect(d["parameters"]?["description"]?.text.contains("method Add") == true)
        let missing = try #require(try reply(#"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"no.such"}}"#))
        #expect(missing["error"] == "org.varlink.service.InterfaceNotFound")
    }

    @Test func callsTheHandlerWithValidatedParameters() throws {
        let ok = try #require(try reply(#"{"method":"org.example.Test.Add","parameters":{"shape":{"points":[1,2,3]}}}"#))
        #expect(ok == ["parameters": ["id": 3]])
        let error = try #require(try reply(#"{"method":"org.example.Test.Fail"}"#))
        #expect(error == ["error": "org.example.Test.NotFound", "parameters": ["id": 0]])
    }

    @Test func namesEachStandardError() throws {
        #expect(try reply(#"{"method":"org.example.Test.Nope"}"#)?["error"] == "org.varlink.service.MethodNotFound")
        #expect(try reply(#"{"method":"org.other.X.Y"}"#)?["error"] == "org.varlink.service.InterfaceNotFound")
        let bad = try reply(#"{"method":"org.example.Test.Add","parameters":{"shape":{"points":["x"]}}}"#)
        #expect(bad == ["error": "org.varlink.service.InvalidParameter", "parameters": ["parameter": "shape.points[0]"]])
    }

    @Test func onewayCallsGetNoReply() throws {
        #expect(try reply(#"{"method":"org.example.Test.Add","parameters":{"shape":{"points":[]}},"oneway":true}"#) == nil)
    }

    @Test(arguments: [#"[1]"#, #"{"parameters":{}}"#, #"{"method":1}"#, #"{"method":"a.B","parameters":[]}"#,
                      #"{"method":"a.B","more":"yes"}"#, #"{"method":"a.B","bogus":1}"#, "not json", #"{"method":"a.B","upgrade":true}"#])
    func protocolViolationsCloseTheConnection(_ text: String) {
        let result = dispatcher.reply(to: Array(text.utf8), peer: peer)
        #expect(throws: ProtocolViolation.self) { try result.get() }
    }
}
