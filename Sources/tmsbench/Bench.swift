import Foundation
import Synchronization
import GRDB
import TMSCore
import TMSInterface
@_spi(Benchmark) import TMSStore
import Varlink

#if canImport(Glibc)
import Glibc
#endif

/// `make bench`: measures tmsd on this machine, each figure beside its floor.
///
/// It starts the release tmsd on a temporary directory, waits for READY=1 on
/// a notify socket, and drives it with the same blocking client tmsctl uses.
@main
struct Bench {
    static func main() throws {
        var args = CommandLine.arguments.dropFirst()
        var tmsd = ".build/release/tmsd"
        var tmsctl = ".build/release/tmsctl"
        var samples = 500
        var calendarOnly = false
        var reportOnly = false
        var storeOnly = false
        var socketOnly = false
        var networkOnly = false
        var sites = 8
        var keep = false
        while let arg = args.popFirst() {
            switch arg {
            case "--calendar-only": calendarOnly = true
            case "--report-only": reportOnly = true
            case "--store-only": storeOnly = true
            case "--socket-only": socketOnly = true
            case "--network-only": networkOnly = true
            case "--sites": sites = max(1, Int(args.popFirst() ?? "") ?? sites)
            case "--keep": keep = true
            case "--tmsd": tmsd = args.popFirst() ?? tmsd
            case "--tmsctl": tmsctl = args.popFirst() ?? tmsctl
            case "--samples": samples = Int(args.popFirst() ?? "") ?? samples
            default:
                FileHandle.standardError.write(Data("usage: tmsbench [--tmsd PATH] [--tmsctl PATH] [--samples N] [--sites N] [--calendar-only | --report-only | --store-only | --socket-only | --network-only] [--keep]\n".utf8))
                exit(64)
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tmsbench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        defer {
            if keep {
                print("kept the databases in \(directory.path)")
            } else {
                try? FileManager.default.removeItem(at: directory)
            }
        }

        if calendarOnly {
            try calendarBenchmark(directory.appendingPathComponent("calendar.sqlite").path)
            return
        }
        if reportOnly {
            try reportBenchmark(directory, tmsd: tmsd)
            return
        }
        if networkOnly {
            try network(directory, tmsd: tmsd, samples: samples, sites: sites)
            return
        }
        if storeOnly {
            let (writes, chaining) = try storeCompleteSessions(directory.appendingPathComponent("store.sqlite").path, samples: samples)
            let times = Stats(writes)
            print(String(format: "ClinicStore.completeSession in-process  p50 %.3f ms  p99 %.3f ms", times.p50 * 1000, times.p99 * 1000))
            print(chainingLine(chaining, durable: times.p50))
            print(try outcomesLine(directory.appendingPathComponent("outcomes.sqlite").path))
            print(try groupCommitLine(directory.appendingPathComponent("group.sqlite").path))
            return
        }
        print("tmsd benchmark: \(samples) samples each, on \(directory.path)")
        print()

        // The floors, each sampled in turn with what it is the floor of, so the disk's and the
        // machine's drift over the run falls on both alike. Floor 1: a one-row commit, WAL,
        // synchronous=FULL, on the same disk. Floor 2: a small request and reply over a raw Unix socket.
        let commitFloor = try CommitFloor(directory.appendingPathComponent("floor.sqlite").path)
        let echoFloor = try EchoFloor(directory.appendingPathComponent("echo.sock").path)
        var floorWrite: [Double] = [], floorRead: [Double] = []
        // The same floors taken alone, back to back, as earlier runs took them: what the regime changes.
        let aloneWrite = try (0..<samples).map { _ in try commitFloor.sample() }
        let aloneRead = try (0..<(samples * 4)).map { _ in try echoFloor.sample() }

        // The store alone, in this process: what the socket and the service add is the rest.
        let (storeWrite, chaining) = try storeCompleteSessions(directory.appendingPathComponent("store.sqlite").path, samples: samples)

        // A session is given only on its own day: chairs enough for every sample today
        // (an accelerated course books ten a day, two such courses fill a chair).
        let daemon = try Daemon(tmsd: tmsd, directory: directory, chairs: max(20, samples / 8))
        defer { daemon.stop() }
        let idleRSS = daemon.residentKiB()

        let client = try VarlinkClient(path: daemon.socket)
        let sessions = try prepare(client, sessions: samples)

        // Durable writes: CompleteSession, each its own transaction on disk.
        var writes: [Double] = []
        for id in sessions {
            floorWrite.append(try commitFloor.sample())
            let start = now()
            _ = try client.call("io.tmsd.Clinic.CompleteSession", ["id": .int(id), "delivery": delivery])
            writes.append(now() - start)
        }
        // Reads: the day's session list (ten sessions on it).
        var reads: [Double] = []
        for _ in 0..<(samples * 4) {
            floorRead.append(try echoFloor.sample())
            let start = now()
            _ = try client.call("io.tmsd.Clinic.ListSessions", ["date": "2027-01-04"])
            reads.append(now() - start)
        }
        // The same call from a raw client, as the floor's: what tmsd adds, without the client's parse.
        let rawReads = try rawCalls(daemon.socket, samples: samples * 4)
        // The reply alone: the typed ListSessions output encoded to the wire's JSON, in this process.
        let reply = try VarlinkDecoder().decode(
            Clinic.ListSessions.Output.self, from: try client.call("io.tmsd.Clinic.ListSessions", ["date": "2027-01-04"]))
        var encodes: [Double] = []
        for _ in 0..<(samples * 4) {
            let start = now()
            let bytes = try VarlinkEncoder().encodeObjectBytes(reply)  // as tmsd writes a reply
            encodes.append(now() - start)
            precondition(!bytes.isEmpty)
        }
        // The day's rows read from the daemon's database, in this process, as the handler reads them.
        let sideStore = try ClinicStore(path: daemon.database)
        var rowReads: [Double] = []
        for _ in 0..<(samples * 4) {
            let start = now()
            let rows = try sideStore.sessions(on: CivilDate("2027-01-04")!)
            rowReads.append(now() - start)
            precondition(rows.count == 10)
        }
        // The reply parsed as the client parses it (JSON members), in this process.
        let wire = Array(#"{"parameters":"#.utf8) + (try VarlinkEncoder().encodeObjectBytes(reply)) + Array("}".utf8)
        var parses: [Double] = []
        for _ in 0..<(samples * 4) {
            let start = now()
            let parsed = try JSON(parsing: wire[...])
            parses.append(now() - start)
            precondition(parsed != .null)
        }
        // The same reply through its Codable conformance, as every other reply goes.
        let codable = ThroughCodable(value: reply)
        var codableEncodes: [Double] = []
        for _ in 0..<(samples * 4) {
            let start = now()
            let bytes = try VarlinkEncoder().encodeObjectBytes(codable)
            codableEncodes.append(now() - start)
            precondition(!bytes.isEmpty)
        }
        // tmsctl session list --json, the whole process.
        var cli: [Double] = []
        for _ in 0..<50 {
            let start = now()
            try run(tmsctl, ["session", "list", "2027-01-04", "--json", "--socket", daemon.socket])
            cli.append(now() - start)
        }
        let loadedRSS = daemon.residentKiB()
        // Throughput: durable AddPatient calls from 1 writer, then from 16 at once, each on its own connection.
        // Each in three half-second turns, one writer and 16 in alternation, so the disk's drift
        // over the run falls on both alike.
        // The in-process one-row-commit loop, the floor of one writer's rate, takes its turns among them.
        let (single, sixteen, inProcess) = try alternating(floor: { try commitFloor.rate(seconds: 0.5) }) { round, writers in
            try writesPerSecond(daemon.socket, writers: writers, seconds: 0.5, tag: "W\(writers)-\(round)")
        }
        // (prepare books ten sessions a day per course: a course per ten samples.)
        let courses = max(1, sessions.count / 10)
        let (outcomesSingle, outcomesSixteen, _) = try alternating { _, writers in
            try outcomesPerSecond(daemon.socket, writers: writers, seconds: 0.5, courses: courses)
        }

        let w = Stats(writes), fw = Stats(floorWrite), r = Stats(reads), fr = Stats(floorRead), c = Stats(cli)
        print(row("durable write (CompleteSession)", w, "floor: SQLite WAL commit, FULL, in turn with the writes", fw))
        print(String(format: "    p50 ratio %.2fx (goal <= 1.3x); in-process ClinicStore.completeSession p50 %.3f ms;"
                     + " the floor's commits back to back p50 %.3f ms (%.2fx)",
                     w.p50 / fw.p50, Stats(storeWrite).p50 * 1000, Stats(aloneWrite).p50 * 1000, w.p50 / Stats(aloneWrite).p50))
        print(chainingLine(chaining, durable: w.p50))
        print(try outcomesLine(directory.appendingPathComponent("outcomes.sqlite").path))
        print(row("read (ListSessions, 10 rows)", r, "floor: raw Unix socket round trip, in turn with the reads", fr))
        print(String(format: "    the floor's round trips back to back p50 %.3f ms (%.2fx)", Stats(aloneRead).p50 * 1000, r.p50 / Stats(aloneRead).p50))
        print(String(format: "    p50 ratio %.2fx (goal <= 2x); p99 %.3f ms (goal < 1 ms); its reply encoded in-process p50 %.3f ms"
                     + " (through Codable %.3f ms)",
                     r.p50 / fr.p50, r.p99 * 1000, Stats(encodes).p50 * 1000, Stats(codableEncodes).p50 * 1000))
        print(String(format: "    from a raw client (no parse) p50 %.3f ms (%.2fx the floor); the reply, %d bytes, parsed as the client parses it: p50 %.3f ms",
                     Stats(rawReads).p50 * 1000, Stats(rawReads).p50 / fr.p50, wire.count, Stats(parses).p50 * 1000))
        print(String(format: "    its ten rows read in-process (ClinicStore.sessions(on:)) p50 %.3f ms", Stats(rowReads).p50 * 1000))
        print(String(format: "durable writes/s (AddPatient): 1 writer %.0f, 16 writers %.0f: %.2fx (goal >= 4x)",
                     single, sixteen, sixteen / single))
        print(String(format: "durable writes/s (RecordOutcome): 1 writer %.0f, 16 writers %.0f: %.2fx (goal >= 4x)",
                     outcomesSingle, outcomesSixteen, outcomesSixteen / outcomesSingle))
        print(String(format: "    1 writer / an in-process one-row-commit loop: %.0f / %.0f = %.2f (goal >= 0.5)",
                     single, inProcess, single / inProcess))
        print("    " + (try groupCommitLine(directory.appendingPathComponent("group.sqlite").path)))
        print(String(format: "tmsctl session list --json   p50 %.2f ms  p99 %.2f ms  (goal < 10 ms)", c.p50 * 1000, c.p99 * 1000))
        print(String(format: "tmsd resident memory          idle after start %.1f MiB (goal < 32 MiB); after the run %.1f MiB",
                     Double(idleRSS) / 1024, Double(loadedRSS) / 1024))
        if socketOnly { return }
        print()
        try calendarBenchmark(directory.appendingPathComponent("calendar.sqlite").path)
        print()
        try reportBenchmark(directory, tmsd: tmsd)
        print()
        try network(directory, tmsd: tmsd, samples: samples, sites: sites)
    }

    /// The network's figures, when a central server was started beside this run.
    static func network(_ directory: URL, tmsd: String, samples: Int, sites: Int) throws {
        guard let central = CentralServer.fromEnvironment() else {
            print("network: no central PostgreSQL named (make bench runs tmsbench through Tests/bench/with_central.py, which starts one)")
            return
        }
        try networkBenchmark(directory, tmsd: tmsd, central: central, samples: samples, sites: sites)
    }

    /// Issue 6's figure: the daily report, as cron asks tmsd for it, over ten
    /// years of a 20-chair clinic and over one month of the same clinic (the
    /// same courses under way, the finished ones before that left out).
    static func reportBenchmark(_ directory: URL, tmsd: String) throws {
        let day = CivilDate("2026-12-02")!  // a Wednesday: today's sessions and tomorrow's
        let histories: [(name: String, keep: CivilDate?)] = [("ten years", nil), ("one month", day.adding(days: -30))]
        var daemons: [Daemon] = []
        defer { daemons.forEach { $0.stop() } }
        var clients: [VarlinkClient] = []
        let parameters: [String: JSON] = ["date": .string(day.description)]
        for (name, keep) in histories {
            let place = directory.appendingPathComponent("report-\(name.replacingOccurrences(of: " ", with: "-"))")
            try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            let began = now()
            let counts = try History(firstDay: day.adding(days: -3652), today: day, keepFinishedSince: keep)
                .seed(into: place.appendingPathComponent("tmsd.sqlite").path)
            let seeded = now() - began
            daemons.append(try Daemon(tmsd: tmsd, directory: place))
            clients.append(try VarlinkClient(path: daemons.last!.socket))
            let first = try clients.last!.call("io.tmsd.Clinic.GetDailyReport", parameters)
            guard case .array(let sessions)? = first["sessions"], case .array(let authorizations)? = first["authorizations"] else {
                throw BenchError("the report has no sessions")
            }
            print(String(format: "daily report, %@ of history: %d courses, %d sessions (seeded in %.1f s); on %@ %d sessions, %d courses under way",
                         name, counts.courses, counts.sessions, seeded, day.description, sessions.count, authorizations.count))
        }
        // Both daemons run; their calls alternate, so neither gains from going first.
        var times: [[Double]] = [[], []]
        for _ in 0..<30 {
            for (i, client) in clients.enumerated() {
                let start = now()
                _ = try client.call("io.tmsd.Clinic.GetDailyReport", parameters)
                times[i].append(now() - start)
            }
        }
        let tenYears = Stats(times[0]), oneMonth = Stats(times[1])
        // Start to READY on the ten years, as a restart finds it (the file in the page cache): five restarts.
        var starts: [Double] = []
        let tenYearPlace = directory.appendingPathComponent("report-ten-years")
        for _ in 0..<5 {
            daemons[0].stop()
            daemons[0] = try Daemon(tmsd: tmsd, directory: tenYearPlace)
            starts.append(daemons[0].readySeconds)
        }
        clients[0] = try VarlinkClient(path: daemons[0].socket)
        print(String(format: "    GetDailyReport over ten years  p50 %.1f ms  p99 %.1f ms  (goal < 200 ms)", tenYears.p50 * 1000, tenYears.p99 * 1000))
        print(String(format: "    GetDailyReport over one month  p50 %.1f ms  p99 %.1f ms", oneMonth.p50 * 1000, oneMonth.p99 * 1000))
        print(String(format: "    ten years / one month: %.2fx (goal <= 1.5x)", tenYears.p50 / oneMonth.p50))
        print(String(format: "start to READY on the ten years: p50 %.0f ms of 5 restarts (goal < 150 ms)", Stats(starts).p50 * 1000))
        // A trivial call while another client runs the ten years' report without pause: four
        // connections in turn, so some share an event loop with the report's.
        let reportSocket = daemons[0].socket
        let reporting = Atomic<Bool>(true)
        let reporter = DispatchGroup()
        reporter.enter()
        Thread.detachNewThread {
            defer { reporter.leave() }
            guard let client = try? VarlinkClient(path: reportSocket) else { return }
            while reporting.load(ordering: .relaxed) { _ = try? client.call("io.tmsd.Clinic.GetDailyReport", parameters) }
        }
        let trivial = try (0..<4).map { _ in try VarlinkClient(path: reportSocket) }
        var trivialTimes: [Double] = []
        for n in 0..<400 {
            let start = now()
            _ = try trivial[n % 4].call("io.tmsd.Clinic.GetProtocol", ["id": "itbs"])
            trivialTimes.append(now() - start)
        }
        reporting.store(false, ordering: .relaxed)
        reporter.wait()
        let t = Stats(trivialTimes)
        print(String(format: "a trivial call while another client runs that report: p50 %.2f ms  p99 %.2f ms (goal p99 < 5 ms)",
                     t.p50 * 1000, t.p99 * 1000))
        // Issue 12's figure: the whole hash chain of ten years walked, as `tmsctl audit verify` asks.
        var verifies: [Double] = []
        var entries = 0
        for _ in 0..<3 {
            let start = now()
            let reply = try clients[0].call("io.tmsd.Clinic.VerifyAudit")
            verifies.append(now() - start)
            guard reply["broken"] == nil || reply["broken"] == .null, case .int(let n)? = reply["entries"] else {
                throw BenchError("the seeded chain does not verify: \(reply)")
            }
            entries = n
        }
        let started = now()
        let records = try clients[0].call("io.tmsd.Clinic.VerifyAudit", ["records": true])
        let recordsTime = now() - started
        guard case .int(let checked)? = records["recordsChecked"] else { throw BenchError("no records checked") }
        print(String(format: "audit verify over ten years, %d entries: p50 %.2f s (goal < 2 s); with --records (%d records) %.2f s",
                     entries, Stats(verifies).p50, checked, recordsTime))
        // The ten years backed up while tmsd serves: copy, integrity_check and the chain walked.
        let backupStart = now()
        let backup = try clients[0].call("io.tmsd.Clinic.Backup", ["path": "ten-years.sqlite"])
        guard case .int(let bytes)? = backup["bytes"] else { throw BenchError("no backup: \(backup)") }
        print(String(format: "backup of the ten years, checked: %.2f s for %.1f MiB", now() - backupStart, Double(bytes) / 1_048_576))
    }

    /// Issue 4's figures: a clinic of 20 chairs with two years of bookings.
    static func calendarBenchmark(_ path: String) throws {
        let store = try ClinicStore(path: path)
        let resources = ClinicResources(
            chairs: (1...20).map { Chair(name: "chair-\($0)", coils: ["figure-8"]) },
            hours: Dictionary(uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
                ($0, [TimeRange(start: 7 * 60, end: 21 * 60)])
            }))
        var policy = BookingPolicy(calendar: ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!), resources: resources)
        let treatment = ProtocolLibrary.find("10hz-ldlpfc")!
        let audit = AuditContext(uid: 0, user: "bench", pid: 1, method: "io.tmsd.Clinic.CreateCourse", at: Date())
        let first = CivilDate("2027-01-04")!
        var random = SeededGenerator(seed: 42)
        var n = 0
        func course(start: CivilDate, at time: LocalTime) throws -> Double {
            n += 1
            let patient = try store.addPatient(
                NewPatient(mrn: "C-\(n)", familyName: "Cal", givenName: "B", birthDate: CivilDate("1980-01-01")!), audit: audit)
            let began = now()
            _ = try store.createCourse(
                NewCourse(patientId: patient.id, treatment: treatment, startDate: start, sessionTime: time, prescriber: "Dr",
                          target: TargetSite(method: .beamF3, label: "left DLPFC"), dose: PrescribedDose(protocol: treatment)),
                clinic: policy, timeZone: "UTC", audit: audit)
            return now() - began
        }
        // Two years of courses: about 34 new a week, each at its own preferred time.
        let began = now()
        let courses = 3_500
        for i in 0..<courses {
            let start = first.adding(days: i * 730 / courses)
            _ = try course(start: start, at: LocalTime(minutes: (84 + Int(random.next() % 156)) * 5)!)
        }
        let seeded = now() - began
        let middle = first.adding(days: 365)
        let booked = try store.dayCounts(on: middle).booked
        print(String(format: "calendar: %d courses (%d sessions) over two years in 20 chairs, seeded in %.1f s; %d sessions on %@",
                     courses, courses * 36, seeded, booked, middle.description))
        var times: [Double] = []
        for k in 0..<20 { times.append(try course(start: middle.adding(days: k % 5), at: LocalTime("09:00")!)) }
        let t = Stats(times)
        print(String(format: "book a new 36-session course   p50 %.1f ms  p99 %.1f ms  (goal < 50 ms)", t.p50 * 1000, t.p99 * 1000))
        policy.calendar.holidays.insert(middle)
        let rebookStart = now()
        let moves = try store.applyClinicChange(clinic: policy, today: middle.adding(days: -1), audit: audit)
        print(String(format: "re-book after a holiday is added  %.0f ms, %d sessions moved  (goal < 1 s)",
                     (now() - rebookStart) * 1000, moves.count))
    }

    static let delivery: JSON = [
        "motorThreshold": 60, "intensityPercentMT": 90, "frequencyHz": 50, "pulsesPerTrain": 30,
        "trainDurationSeconds": 2, "interTrainIntervalSeconds": 8, "trains": 60, "pulsesDelivered": 1800,
        "coil": "figure-8", "target": "left DLPFC",
    ]

    /// Patients and accelerated courses enough for `sessions` sessions booked
    /// today (a session is given on its own day); returns their ids.
    static func prepare(_ client: VarlinkClient, sessions: Int) throws -> [Int] {
        var ids: [Int] = []
        var n = 0
        while ids.count < sessions {
            guard n < sessions else { throw BenchError("today holds only \(ids.count) sessions") }
            n += 1
            let patient = try client.call("io.tmsd.Clinic.AddPatient", [
                "mrn": .string("BENCH-\(n)"), "familyName": "Bench", "givenName": .string("P\(n)"), "birthDate": "1980-01-01",
            ])
            guard case .int(let pid)? = patient["patient"]?["id"] else { throw BenchError("no patient id") }
            let course = try client.call("io.tmsd.Clinic.CreateCourse", [
                "patientId": .int(pid), "protocolId": "accelerated-itbs", "startDate": .string(today()),
                "prescriber": "Dr. Bench", "target": ["method": "fmri_guided", "label": "left DLPFC", "x": -38, "y": 44, "z": 26,
                                                      "coordinateSystem": "MNI"],
            ])
            guard case .array(let list)? = course["sessions"] else { throw BenchError("no sessions") }
            let questions = try client.call("io.tmsd.Clinic.ListScreenQuestions")["questions"]
            var answers: [String: JSON] = [:]
            if case .array(let list)? = questions { for q in list { if case .string(let id)? = q["id"] { answers[id] = false } } }
            _ = try client.call("io.tmsd.Clinic.RecordScreen", [
                "courseId": course["course"]!["id"]!, "date": .string(today()), "answers": .object(answers),
            ])
            _ = try client.call("io.tmsd.Clinic.RecordThreshold", [
                "courseId": course["course"]!["id"]!, "date": .string(today()), "method": "emg", "muscle": "APB", "value": 60,
            ])
            ids += list.compactMap { if case .int(let id)? = $0["id"], $0["date"] == .string(today()) { id } else { nil } }
        }
        // Ten sessions on the day the read benchmark lists.
        let p = try client.call("io.tmsd.Clinic.AddPatient", [
            "mrn": "BENCH-READ", "familyName": "Reader", "givenName": "R", "birthDate": "1980-01-01",
        ])
        _ = try client.call("io.tmsd.Clinic.CreateCourse", [
            "patientId": p["patient"]!["id"]!, "protocolId": "accelerated-itbs", "startDate": "2027-01-04",
            "prescriber": "Dr. Bench", "target": ["method": "beam_f3", "label": "left DLPFC"],
        ])
        return Array(ids.prefix(sessions))
    }

    /// Acknowledged AddPatient calls per second from `writers` clients at
    /// once for `seconds`, each on its own connection making calls in turn.
    static func writesPerSecond(_ socket: String, writers: Int, seconds: Double, tag: String) throws -> Double {
        try callsPerSecond(socket, writers: writers, .seconds(seconds)) { client, w, n in
            _ = try client.call("io.tmsd.Clinic.AddPatient", [
                "mrn": .string("\(tag)-\(w)-\(n)"), "familyName": "Writer", "givenName": "W", "birthDate": "1980-01-01",
            ])
        }
    }

    /// Durable RecordOutcome calls per second: weekly MADRS totals, each
    /// writer on a course of its own (of the first `courses`, which `prepare` made).
    static func outcomesPerSecond(_ socket: String, writers: Int, seconds: Double, courses: Int) throws -> Double {
        try callsPerSecond(socket, writers: writers, .seconds(seconds)) { client, w, n in
            _ = try client.call("io.tmsd.Clinic.RecordOutcome", [
                "courseId": .int(w % courses + 1), "scale": "madrs", "timepoint": "weekly", "date": .string(today()), "total": .int(20 + n % 10),
            ])
        }
    }

    /// `writers` clients at once, each on its own connection, each making `each` calls: calls per second.
    static func callsPerSecond(
        _ socket: String, writers: Int, _ run: Run, _ call: @escaping @Sendable (VarlinkClient, Int, Int) throws -> Void
    ) throws -> Double {
        try perSecond(writers: writers, run, setUp: { try VarlinkClient(path: socket) }, call)
    }

    /// One writer's rate and 16 writers' (and `floor`'s, when given), each
    /// the mean of three turns taken in alternation (`rate` is given the turn
    /// and the writers).
    static func alternating(
        floor: (() throws -> Double)? = nil, _ rate: (Int, Int) throws -> Double
    ) throws -> (one: Double, sixteen: Double, floor: Double) {
        var one = 0.0, sixteen = 0.0, floorRate = 0.0
        for round in 0..<3 {
            if let floor { floorRate += try floor() }
            one += try rate(round, 1)
            sixteen += try rate(round, 16)
        }
        return (one / 3, sixteen / 3, floorRate / 3)
    }

    /// How long each writer of `perSecond` goes on.
    enum Run {
        /// This many calls each.
        case each(Int)
        /// Until this many seconds have passed: every writer runs the whole
        /// time, so the figure is that many writers at once, not the last
        /// ones finishing alone.
        case seconds(Double)
    }

    /// `writers` threads at once, each with a `setUp` of its own (a
    /// connection), making calls of `work` (given the writer's number and the
    /// call's) for `run`: calls per second. Every writer is set up before the
    /// clock starts.
    static func perSecond<Context>(
        writers: Int, _ run: Run, setUp: @escaping @Sendable () throws -> Context,
        _ work: @escaping @Sendable (Context, Int, Int) throws -> Void
    ) throws -> Double {
        let failures = Mutex<[String]>([])
        let calls = Mutex(0)
        let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
        let deadline = Mutex(Double.infinity)
        let each: Int
        switch run {
        case .each(let n): each = n
        case .seconds: each = .max
        }
        let group = DispatchGroup()
        for w in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let context: Context
                do {
                    context = try setUp()
                } catch {
                    failures.withLock { $0.append("\(error)") }
                    ready.signal()
                    return
                }
                ready.signal()
                go.wait()
                let end = deadline.withLock { $0 }
                var n = 0
                do {
                    while n < each, now() < end {
                        try work(context, w, n)
                        n += 1
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                calls.withLock { $0 += n }
            }
        }
        for _ in 0..<writers { ready.wait() }
        let start = now()
        if case .seconds(let seconds) = run { deadline.withLock { $0 = start + seconds } }
        for _ in 0..<writers { go.signal() }
        group.wait()
        let elapsed = now() - start
        if let failure = failures.withLock({ $0.first }) { throw BenchError("a writer failed: \(failure)") }
        return Double(calls.withLock { $0 }) / elapsed
    }

    /// "chaining: ... of the durable-write p50": what the change log's entry
    /// costs beyond the entry a write wrote before the chain, against `durable`.
    static func chainingLine(_ work: (chained: [Double], unchained: [Double]), durable: Double) -> String {
        let chained = Stats(work.chained).p50, unchained = Stats(work.unchained).p50
        return String(
            format: "    chaining: the entry p50 %.1f us, a pre-chain entry %.1f us: +%.1f us, %.1f%% of the durable-write p50 (goal < 5%%)",
            chained * 1e6, unchained * 1e6, (chained - unchained) * 1e6, (chained - unchained) / durable * 100)
    }

    /// RecordOutcome as a course gathers scores, in-process: the p50 of the
    /// first 100 against that of the 100 after 4,000 (each a durable write).
    static func outcomesLine(_ path: String) throws -> String {
        let store = try ClinicStore(path: path)
        let audit = AuditContext(uid: 0, user: "bench", pid: 1, method: "io.tmsd.Clinic.RecordOutcome", at: Date())
        let calendar = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!)
        let treatment = ProtocolLibrary.find("10hz-ldlpfc")!
        let patient = try store.addPatient(
            NewPatient(mrn: "O-1", familyName: "Outcome", givenName: "B", birthDate: CivilDate("1980-01-01")!), audit: audit)
        let course = try store.createCourse(
            NewCourse(patientId: patient.id, treatment: treatment, startDate: CivilDate("2027-01-04")!, sessionTime: LocalTime("08:00")!,
                      prescriber: "Dr. Bench", target: TargetSite(method: .beamF3, label: "left DLPFC"),
                      dose: PrescribedDose(protocol: treatment)),
            clinic: BookingPolicy(calendar: calendar, resources: twentyChairs), timeZone: "UTC", audit: audit)
        let scale = OutcomeScale(id: "madrs", name: "MADRS", minimum: 0, maximum: 60, remissionAtMost: 10, responseDrop: 0.5)
        var times: [Double] = []
        for n in 0..<4100 {
            let start = now()
            _ = try store.recordOutcome(
                courseId: course.id, scale: scale, timepoint: n == 0 ? .baseline : .weekly, date: CivilDate("2027-01-04")!,
                total: 30 - n % 20, items: nil, audit: audit)
            times.append(now() - start)
        }
        let first = Stats(Array(times.prefix(100))).p50, later = Stats(Array(times.suffix(100))).p50
        return String(format: "RecordOutcome in-process  p50 %.3f ms for the first 100 scores of a course, %.3f ms after 4000 (goal: flat)",
                      first * 1000, later * 1000)
    }

    /// Completed sessions through the store, each its own durable
    /// transaction; then what chaining adds to a write (`chainingWork`).
    static func storeCompleteSessions(_ path: String, samples: Int) throws -> ([Double], (chained: [Double], unchained: [Double])) {
        let store = try ClinicStore(path: path)
        let calendar = ClinicCalendar(timeZone: TimeZone(identifier: "UTC")!)
        let selection = FactSelection(holdKinds: ["seizure"], recheckDrugs: ["lithium"])
        let treatment = ProtocolLibrary.find("accelerated-itbs")!
        let audit = AuditContext(uid: 0, user: "bench", pid: 1, method: "io.tmsd.Clinic.CompleteSession", at: Date())
        var ids: [Int] = []
        var n = 0
        while ids.count < samples {
            n += 1
            let patient = try store.addPatient(
                NewPatient(mrn: "S-\(n)", familyName: "Store", givenName: "B", birthDate: CivilDate("1980-01-01")!), audit: audit)
            let start = CivilDate("2027-01-04")!
            let course = try store.createCourse(
                NewCourse(patientId: patient.id, treatment: treatment, startDate: start, sessionTime: LocalTime("08:00")!,
                          prescriber: "Dr. Bench", target: TargetSite(method: .beamF3, label: "left DLPFC"),
                          dose: PrescribedDose(protocol: treatment)),
                clinic: BookingPolicy(calendar: calendar, resources: twentyChairs), timeZone: "UTC", audit: audit)
            _ = try store.recordScreen(courseId: course.id, date: start, answers: [:], questions: [], audit: audit)
            ids += try store.courseDetail(id: course.id).2.map(\.id)
        }
        let delivery = Delivery(
            motorThreshold: 60, intensityPercentMT: 90, frequencyHz: 50, pulsesPerTrain: 30, trainDurationSeconds: 2,
            interTrainIntervalSeconds: 8, trains: 60, pulsesDelivered: 1800, coil: "figure-8", target: "left DLPFC")
        var times: [Double] = []
        for id in ids.prefix(samples) {
            let start = now()
            _ = try store.completeSession(id: id, today: CivilDate("2027-01-04")!, selection, audit: audit) { _ in (delivery, []) }
            times.append(now() - start)
        }
        return (times, try store.chainingWork(sessions: Array(ids.prefix(samples)), audit: audit))
    }

    /// Group commit in the store alone: `addPatient` from one thread, then from
    /// 16 at once, and the batches the 16 were committed in (how many writes
    /// shared each transaction and fsync).
    static func groupCommitLine(_ path: String) throws -> String {
        let store = try ClinicStore(path: path)
        let audit = AuditContext(uid: 0, user: "bench", pid: 1, method: "io.tmsd.Clinic.AddPatient", at: Date())
        func rate(writers: Int) throws -> Double {
            try perSecond(writers: writers, .seconds(1), setUp: {}) { _, w, n in
                _ = try store.addPatient(
                    NewPatient(mrn: "G\(writers)-\(w)-\(n)", familyName: "Group", givenName: "G", birthDate: CivilDate("1980-01-01")!),
                    audit: audit)
            }
        }
        let one = try rate(writers: 1)
        let before = store.batchSizes, windowsBefore = store.batchingWindows
        let sixteen = try rate(writers: 16)
        var sizes = store.batchSizes
        for (size, count) in before { sizes[size, default: 0] -= count }
        let waited = store.batchingWindows.waited - windowsBefore.waited, ranOut = store.batchingWindows.ranOut - windowsBefore.ranOut
        let batches = sizes.values.reduce(0, +), writes = sizes.reduce(0) { $0 + $1.key * $1.value }
        let spread = sizes.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
        return String(format: "group commit in-process (addPatient): 1 writer %.0f/s, 16 writers %.0f/s: %.2fx;"
                      + " the 16's %d writes in %d batches, mean %.1f a batch (size:batches %@); %d leaders waited for their batch to fill, %d windows ran out",
                      one, sixteen, sixteen / one, writes, batches, Double(writes) / Double(max(batches, 1)), spread, waited, ranOut)
    }

    /// A clinic of twenty figure-8 chairs, open 07:00-21:00 Monday to Friday.
    static let twentyChairs = ClinicResources(
        chairs: (1...20).map { Chair(name: "chair-\($0)", coils: ["figure-8"]) },
        hours: Dictionary(uniqueKeysWithValues: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
            ($0, [TimeRange(start: 7 * 60, end: 21 * 60)])
        }))

    static func today() -> String {
        var t = time(nil)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday)
    }

    /// The read's call as it goes on the wire, NUL included: what the raw
    /// client sends tmsd and the echo floor sends its echo.
    static let readRequest = Array(#"{"method":"io.tmsd.Clinic.ListSessions","parameters":{"date":"2027-01-04"}}"#.utf8) + [0]

    /// The read's call sent as bytes and its reply read to its NUL, unparsed.
    static func rawCalls(_ path: String, samples: Int) throws -> [Double] {
        let fd = try unixSocket(connectTo: path)
        defer { close(fd) }
        let request = Bench.readRequest
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var times: [Double] = []
        for _ in 0..<samples {
            let start = now()
            _ = send(fd, request, request.count, 0)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { throw BenchError("tmsd closed the connection") }
                if buffer[n - 1] == 0 { break }
            }
            times.append(now() - start)
        }
        return times
    }

    /// Runs a program to its end with posix_spawn, output to /dev/null: what a
    /// shell or cron pays, without Foundation's Process machinery in the figure.
    static func run(_ path: String, _ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if status != 0 { throw BenchError("\(path) exited with status \(status)") }
    }

    static func row(_ name: String, _ s: Stats, _ floorName: String, _ f: Stats) -> String {
        String(format: "%@\n    p50 %.3f ms  p99 %.3f ms   | %@: p50 %.3f ms  p99 %.3f ms",
               name, s.p50 * 1000, s.p99 * 1000, floorName, f.p50 * 1000, f.p99 * 1000)
    }
}

struct Stats {
    let p50: Double
    let p99: Double
    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        p50 = sorted[sorted.count / 2]
        p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// A value encoded through its Codable conformance even when it writes its own JSON.
struct ThroughCodable<T: Encodable>: Encodable {
    let value: T
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return address
}

func unixSocket(bindTo path: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) throws -> CInt {
    unlink(path)
    let fd = socket(AF_UNIX, type, 0)
    var address = unixAddress(path)
    let ok = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard ok == 0 else { throw BenchError("bind \(path): \(String(cString: strerror(errno)))") }
    if type == Int32(SOCK_STREAM.rawValue) { listen(fd, 16) }
    return fd
}

func unixSocket(connectTo path: String) throws -> CInt {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = unixAddress(path)
    let ok = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard ok == 0 else { throw BenchError("connect \(path): \(String(cString: strerror(errno)))") }
    return fd
}

/// The release tmsd on a temporary directory, ready when it says READY=1.
final class Daemon {
    let process = Process()
    let socket: String
    let database: String
    /// From the process's start to its READY=1.
    private(set) var readySeconds = 0.0

    /// A daemon of `chairs` figure-8 chairs, open every day 07:00-21:00, its
    /// files in `directory` named for `name`; `extra` is added to its config.
    /// It closes no day itself: a seeded history ends on its own "today",
    /// and the days after it must not be closed (re-booked) under the figures.
    init(tmsd: String, directory: URL, chairs: Int = 20, name: String = "tmsd", extra: String = "") throws {
        socket = directory.appendingPathComponent("\(name).sock").path
        database = directory.appendingPathComponent("\(name).sqlite").path
        let notifyPath = directory.appendingPathComponent("\(name)-notify.sock").path
        let notify = try unixSocket(bindTo: notifyPath, type: Int32(SOCK_DGRAM.rawValue))
        defer { close(notify) }
        let config = directory.appendingPathComponent("\(name).conf")
        let chairs = (1...chairs).map { "[[chairs]]\nname = \"chair-\($0)\"\ncoils = [\"figure-8\"]\n" }.joined()
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? "root"
        try Data(("[daemon]\nlog-level = \"warning\"\n[roles]\nclinician = [\"\(group)\"]\nauditor = [\"\(group)\"]\nbackup = [\"\(group)\"]\n[clinic]\ntime-zone = \"UTC\"\nday-close = \"off\"\n"
            + "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n[hours]\ndefault = [\"07:00-21:00\"]\n"
            + chairs + extra).utf8).write(to: config)
        process.executableURL = URL(fileURLWithPath: tmsd)
        process.arguments = ["--config", config.path, "--socket", socket, "--database", database]
        process.environment = ProcessInfo.processInfo.environment.merging(["NOTIFY_SOCKET": notifyPath]) { $1 }
        let started = now()
        try process.run()
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(notify, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(notify, &buffer, buffer.count, 0)
            guard n > 0 else {
                if !process.isRunning { throw BenchError("tmsd exited with status \(process.terminationStatus) before READY=1") }
                guard now() - started < 30 else { throw BenchError("tmsd sent no READY=1 within 30 s") }
                continue
            }
            if String(decoding: buffer[..<n], as: UTF8.self).split(separator: "\n").contains("READY=1") { break }
        }
        readySeconds = now() - started
    }

    func residentKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// Floor 1: one-row commits, WAL, synchronous=FULL, on the benchmark's disk.
final class CommitFloor {
    private let queue: DatabaseQueue
    private var rows = 0

    init(_ path: String) throws {
        queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        }
    }

    /// One commit's time.
    func sample() throws -> Double {
        rows += 1
        let start = now(), row = rows
        try queue.write { db in try db.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: ["row \(row)"]) }
        return now() - start
    }

    /// Commits a second, one after another for `seconds`.
    func rate(seconds: Double) throws -> Double {
        let start = now()
        var commits = 0
        while now() - start < seconds {
            _ = try sample()
            commits += 1
        }
        return Double(commits) / (now() - start)
    }
}

/// Floor 2: a thread of this process echoing NUL-terminated frames, and a
/// raw client timing round trips of the read's request.
final class EchoFloor {
    private let listener: Int32, fd: Int32
    private let request = Bench.readRequest
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(_ path: String) throws {
        listener = try unixSocket(bindTo: path)
        let listener = listener
        Thread {
            let conn = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(conn, &buffer, buffer.count, 0)
                if n <= 0 { break }
                _ = send(conn, buffer, n, 0)
            }
            close(conn)
        }.start()
        fd = try unixSocket(connectTo: path)
    }

    deinit {
        close(fd)  // the echo thread sees the end and closes its side
        close(listener)
    }

    /// One round trip's time.
    func sample() throws -> Double {
        let start = now()
        _ = send(fd, request, request.count, 0)
        var got = 0
        while got < request.count {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { throw BenchError("echo closed") }
            got += n
        }
        return now() - start
    }
}
