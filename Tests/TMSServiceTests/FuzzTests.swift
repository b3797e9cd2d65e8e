import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Testing
import TMSCore
import TMSInterface
@testable import TMSService
import TMSStore
import Varlink
@testable import VarlinkNIO

#if canImport(Glibc)
import Glibc
#endif

// Bounded fuzzing, in process: the JSON decoder, the NUL framing and the whole
// call path (dispatcher, handler, store) on generated and mutated input. Each
// run prints its seed; TMSD_FUZZ_SEED=N replays one, TMSD_FUZZ_ROUNDS_SCALE=N runs
// N times longer (`make fuzz` runs fresh seeds). CI runs the fixed seeds below, so a
// failure it finds is one anyone can replay.

/// SplitMix64: small and seedable, so a run replays exactly from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
}

enum Fuzz {
    /// The seeds to run: TMSD_FUZZ_SEED if set, else `fixed`. Each is printed.
    static func seeds(_ fixed: [UInt64], _ test: String) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        let seeds = environment["TMSD_FUZZ_SEED"].flatMap(UInt64.init).map { [$0] } ?? fixed
        for seed in seeds { print("\(test): fuzz seed \(seed) (replay: TMSD_FUZZ_SEED=\(seed) swift test --filter FuzzTests)") }
        return seeds
    }

    /// `standard` rounds, times TMSD_FUZZ_ROUNDS_SCALE if set.
    static func rounds(_ standard: Int) -> Int {
        standard * (ProcessInfo.processInfo.environment["TMSD_FUZZ_ROUNDS_SCALE"].flatMap(Int.init) ?? 1)
    }

    /// Pieces that break parsers: structure, escapes, numbers at the edges.
    static let tokens: [String] = [
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "\\u0000", "\\ud800", "\\udc00\\ud800", "\\uD83D\\uDE00", "1e999", "-0",
        "0.", "-", "1e", "9223372036854775808", "-9223372036854775809", "null", "true", "nul", "\u{0}", "\u{1b}[2J", "\r\n",
        "\u{FEFF}", "\u{7F}", "é", String(repeating: "[", count: 70), String(repeating: "{\"a\":", count: 70),
    ]

    /// `bytes` changed in one to four places.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = bytes
        for _ in 0...Int.random(in: 0...3, using: &rng) {
            let at = out.isEmpty ? 0 : Int.random(in: 0..<out.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !out.isEmpty: out[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: out.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 2 where !out.isEmpty: out.remove(at: at)
            case 3: out.insert(contentsOf: rng.pick(tokens).utf8, at: at)
            case 4 where !out.isEmpty: out.removeSubrange(at...)
            case 5 where !out.isEmpty:
                let end = min(out.count, at + Int.random(in: 1...16, using: &rng))
                out.insert(contentsOf: out[at..<end], at: at)
            default: out.append(UInt8.random(in: 0...255, using: &rng))
            }
        }
        return out
    }
}

@Suite struct FuzzTests {
    /// Messages a client sends, to mutate.
    static let corpus: [String] = [
        #"{"method":"org.varlink.service.GetInfo"}"#,
        #"{"method":"org.varlink.service.GetInterfaceDescription","parameters":{"interface":"io.tmsd.Clinic"}}"#,
        #"{"method":"io.tmsd.Clinic.AddPatient","parameters":{"mrn":"M-1","familyName":"Doe","givenName":"Jo","birthDate":"1980-01-02"}}"#,
        #"{"method":"io.tmsd.Clinic.ListSessions","parameters":{"date":"2026-12-07"},"oneway":false}"#,
        #"{"method":"io.tmsd.Clinic.GetPatient","parameters":{"id":1},"more":true}"#,
        #"[1,2.5e-3,-0,"\u00e9\ud83d\ude00",{"a":{"b":[null,true,false]}}]"#,
    ]

    @Test func theJSONDecoderRefusesOrRoundTrips() {
        for seed in Fuzz.seeds([1, 2, 3], "JSON decoder") {
            var rng = SplitMix64(seed: seed)
            var parsed = 0
            for round in 0..<Fuzz.rounds(20_000) {
                let input = Fuzz.mutate(Array(rng.pick(Self.corpus).utf8), &rng)
                guard let value = try? JSON(parsing: input) else { continue }
                parsed += 1
                // What it accepts it writes back as JSON that reads as the same value.
                let again = try? JSON(parsing: value.serialized())
                #expect(again == value, "seed \(seed) round \(round): \(String(decoding: input, as: UTF8.self).debugDescription)")
            }
            // The mutations keep some inputs valid: the round trip was exercised.
            #expect(parsed > 100, "seed \(seed): only \(parsed) inputs parsed")
        }
    }

    @Test func theFramingSplitsAnyStreamAtItsNULs() throws {
        let maximum = 4096
        for seed in Fuzz.seeds([4, 5, 6], "NUL framing") {
            var rng = SplitMix64(seed: seed)
            for round in 0..<Fuzz.rounds(300) {
                // Messages of any bytes but NUL, now and then one over the limit.
                let messages: [[UInt8]] = (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                    let length = rng.chance(0.05) ? maximum + Int.random(in: 1...64, using: &rng) : Int.random(in: 0...300, using: &rng)
                    return (0..<length).map { _ in UInt8.random(in: 1...255, using: &rng) }
                }
                let stream: [UInt8] = messages.flatMap { $0 + [UInt8(0)] }
                let channel = EmbeddedChannel(handler: ByteToMessageHandler(NULFrameDecoder(maximumLength: maximum)))
                var frames: [[UInt8]] = []
                var refused = false
                var offset = 0
                // Fed in pieces of any size, as reads arrive.
                while offset < stream.count, !refused {
                    let end = min(stream.count, offset + Int.random(in: 1...700, using: &rng))
                    do {
                        try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
                    } catch is NULFrameDecoder.FrameTooLarge {
                        refused = true
                    }
                    while let frame = try channel.readInbound(as: ByteBuffer.self) { frames.append(Array(frame.readableBytesView)) }
                    offset = end
                }
                _ = try? channel.finish()
                let context = "seed \(seed) round \(round)"
                if let tooLong = messages.firstIndex(where: { $0.count > maximum }) {
                    // Every message before the oversize one arrives whole; then the connection is refused.
                    #expect(refused, "\(context): a message of \(messages[tooLong].count) bytes was let through")
                    #expect(frames == Array(messages[..<tooLong]), "\(context)")
                } else {
                    #expect(!refused, "\(context)")
                    #expect(frames == messages, "\(context)")
                }
            }
        }
    }

    @Test func everyCallIsAnsweredAsDeclaredAndNothingAcknowledgedIsLost() throws {
        for seed in Fuzz.seeds([7, 8], "call path") {
            let t = try TemporaryDirectory()
            var keep = false
            defer { if !keep { t.remove() } }
            let store = try ClinicStore(path: t.path("db.sqlite"))
            let dispatcher = VarlinkDispatcher(
                info: VarlinkServiceInfo(vendor: "tmsd", product: "tmsd", version: "fuzz", url: "u"),
                interfaces: [Clinic.interface],
                handler: ClinicHandler(store: store, configuration: LiveConfiguration(granting()), logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })))
            let peer = PeerCredentials(pid: getpid(), uid: getuid(), gid: getgid())
            var rng = SplitMix64(seed: seed)
            var generator = CallGenerator(interface: Clinic.interface)
            var acknowledged: [Int] = []  // patients tmsd said it registered
            var answered = 0, violations = 0
            for round in 0..<Fuzz.rounds(3000) {
                let (method, message) = generator.call(&rng)
                let mutated = rng.chance(0.15)
                let frame = mutated ? Fuzz.mutate(message.serialized(), &rng) : message.serialized()
                let context = "seed \(seed) round \(round): \(String(decoding: frame, as: UTF8.self).prefix(400).debugDescription)"
                let reply: [UInt8]?
                switch dispatcher.reply(to: frame, peer: peer) {
                case .failure:
                    // Only a frame that is not a call may break the protocol: mutated, an upgrade, parameters not an object.
                    let call = message["upgrade"] != .bool(true) && message["parameters"].map { if case .object = $0 { true } else { false } } ?? true
                    #expect(mutated || !call, "\(context)")
                    violations += 1
                    continue
                case .success(let bytes):
                    reply = bytes
                }
                guard let reply else {
                    #expect(message["oneway"] == .bool(true) || mutated, "\(context): no reply")
                    continue
                }
                answered += 1
                guard case .object(let members)? = try? JSON(parsing: reply) else {
                    Issue.record("\(context): the reply is not a JSON object")
                    continue
                }
                if case .string(let error)? = members["error"] {
                    // A declared error, never the storage's or an internal failure.
                    let name = error.split(separator: ".").last.map(String.init) ?? ""
                    #expect(
                        error.hasPrefix("org.varlink.service.")
                            || (error.hasPrefix("io.tmsd.Clinic.") && Clinic.interface.errors[name] != nil), "\(context): \(error)")
                    #expect(name != "StorageFailure", "\(context): \(String(decoding: reply, as: UTF8.self))")
                } else {
                    guard case .object(let parameters)? = members["parameters"] else {
                        Issue.record("\(context): neither parameters nor error")
                        continue
                    }
                    if !mutated, let method {
                        #expect(throws: Never.self, "\(context)") { try Clinic.interface.validate(parameters, against: method.output) }
                        if method.name == "AddPatient", case .int(let id)? = parameters["patient"]?["id"] { acknowledged.append(id) }
                    }
                }
            }
            #expect(answered > 1000 && violations > 0, "seed \(seed): \(answered) answered, \(violations) violations")
            // Afterwards: it answers, every patient it acknowledged is there, and the record verifies.
            let info = try #require(try dispatcher.reply(to: Array(#"{"method":"org.varlink.service.GetInfo"}"#.utf8), peer: peer).get())
            #expect(try JSON(parsing: info)["parameters"]?["product"] == "tmsd")
            // (Inactive ones too: the generator marks some inactive.)
            let listed = try #require(try dispatcher.reply(
                to: Array(#"{"method":"io.tmsd.Clinic.ListPatients","parameters":{"inactive":true}}"#.utf8), peer: peer).get())
            guard case .array(let patients)? = try JSON(parsing: listed)["parameters"]?["patients"] else {
                Issue.record("seed \(seed): ListPatients: \(String(decoding: listed, as: UTF8.self))")
                continue
            }
            let ids = Set(patients.compactMap { patient -> Int? in if case .int(let id)? = patient["id"] { id } else { nil } })
            #expect(Set(acknowledged).isSubset(of: ids), "seed \(seed)")
            #expect(!acknowledged.isEmpty, "seed \(seed): no AddPatient succeeded; the generator is too wild")
            let chain = try store.verifyChain(), records = try store.verifyRecords()
            // (A broken database is kept, for a look at what broke.)
            keep = chain.broken != nil || records.differing != nil
            #expect(chain.broken == nil, "seed \(seed): kept \(t.path("db.sqlite"))")
            #expect(records.differing == nil, "seed \(seed): kept \(t.path("db.sqlite"))")
            if keep { continue }
            // A checked copy: SQLite's integrity_check and the chain, as `tmsctl backup` checks it.
            _ = try store.backup(to: t.path("copy.sqlite"))
        }
    }

    /// A configuration granting the test's own groups every role.
    func granting() -> Configuration {
        var c = Configuration()
        let mine = UserDirectory().groups(of: getuid())
        c.roleGroups = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, mine) })
        return c
    }
}

/// Calls of the interface's methods with values of their declared types,
/// mostly plausible (small ids, real dates, known names), now and then of the
/// wrong type, out of range, absent or unknown.
struct CallGenerator {
    let interface: VarlinkInterface
    let methods: [VarlinkMethod]

    init(interface: VarlinkInterface) {
        self.interface = interface
        methods = interface.methods.values.sorted { $0.name < $1.name }
    }

    static let strings: [String] = [
        "", "x", "Doe", "M-1", "M-2", "10hz-ldlpfc", "itbs", "emg", "figure-8", "H1", "chair-1", "PHQ-9", "MADRS", "baseline",
        "2026-12-07", "2026-02-30", "1980-01-02", "1975-06-15", "1990-03-04", "0000-01-01", "9999-12-31", "09:00", "25:61", "sertraline", "mg",
        "venlafaxine", "aripiprazole", "consult-1", "mdd", "recurrent", "bipolar-screen", "negative",
        "mrn,family_name,given_name,birth_date\nF-1,Doe,Jane,1980-02-03\n", "mrn,kind,weeks_at_dose,adherence,outcome\nM-1,psychotherapy,8,good,none\n",
        "a\nb", "\u{1b}]0;title\u{07}", "\u{0}", "\u{202E}", String(repeating: "é", count: 3000), "SEQ:HASH", "1:" + String(repeating: "0", count: 64),
    ]
    static let ints: [Int] = [0, 1, 1, 2, 3, -1, 5, 10, 40, 120, 3000, Int(Int32.max), Int.max, Int.min]

    mutating func call(_ rng: inout SplitMix64) -> (VarlinkMethod?, JSON) {
        var message: [String: JSON] = [:]
        var method: VarlinkMethod?
        if rng.chance(0.03) {
            message["method"] = .string(rng.pick(["org.varlink.service.GetInfo", "io.tmsd.Clinic.NoSuch", "no.such.Interface.X", "x"]))
        } else {
            // One call in ten registers a patient, whom most other calls need, whatever the number of methods.
            let m = rng.chance(0.1) ? interface.methods["AddPatient"]! : rng.pick(methods)
            method = m
            message["method"] = .string("\(interface.name).\(m.name)")
            message["parameters"] = value(.structure(m.input), &rng, depth: 0)
        }
        if rng.chance(0.05) { message["oneway"] = .bool(true) }
        if rng.chance(0.03) { message["more"] = .bool(true) }
        return (method, .object(message))
    }

    func value(_ type: VarlinkType, _ rng: inout SplitMix64, depth: Int) -> JSON {
        if rng.chance(0.04) { return junk(&rng) }
        switch type {
        case .bool: return .bool(rng.chance(0.5))
        case .int: return .int(rng.pick(Self.ints))
        case .float: return .double(rng.pick([0, 0.5, 1, 55, 120, -1, 1e300, -0.0]))
        case .string: return .string(rng.pick(Self.strings))
        case .object: return .object(rng.chance(0.5) ? [:] : ["a": junk(&rng)])
        case .named(let name): return interface.types[name].map { value($0, &rng, depth: depth + 1) } ?? .null
        case .enumeration(let cases): return .string(rng.chance(0.9) ? rng.pick(cases) : "bogus")
        case .maybe(let inner): return rng.chance(0.5) ? .null : value(inner, &rng, depth: depth)
        case .array(let element):
            let count = depth > 3 ? 0 : rng.chance(0.02) ? 200 : Int.random(in: 0...3, using: &rng)
            return .array((0..<count).map { _ in value(element, &rng, depth: depth + 1) })
        case .map(let element):
            let count = depth > 3 ? 0 : Int.random(in: 0...2, using: &rng)
            return .object(Dictionary((0..<count).map { _ in (rng.pick(Self.strings), value(element, &rng, depth: depth + 1)) },
                                      uniquingKeysWith: { a, _ in a }))
        case .structure(let fields):
            var members: [String: JSON] = [:]
            for field in fields {
                let optional = if case .maybe = field.type { true } else { false }
                if rng.chance(optional ? 0.5 : 0.97) { members[field.name] = value(field.type, &rng, depth: depth) }
            }
            if rng.chance(0.02) { members["unknownField"] = .int(1) }
            return .object(members)
        }
    }

    func junk(_ rng: inout SplitMix64) -> JSON {
        rng.pick([.null, .bool(true), .int(-7), .double(2.5), .string("junk"), .array([.int(1)]), .object(["k": .null])])
    }
}
