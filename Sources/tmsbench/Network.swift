import Foundation
import GRDB
import Varlink

/// The network's figures: what shipping the change log costs a site's durable
/// write, and how fast one central PostgreSQL takes in many sites' logs.
///
/// The central server is the one `Tests/bench/with_central.py` starts beside
/// this run (`make bench` does), named by the environment.
struct CentralServer {
    let socket: String
    let passwordFile: String

    static func fromEnvironment() -> CentralServer? {
        let environment = ProcessInfo.processInfo.environment
        guard let socket = environment["TMSBENCH_CENTRAL_SOCKET"], let password = environment["TMSBENCH_CENTRAL_PASSWORD_FILE"] else {
            return nil
        }
        return CentralServer(socket: socket, passwordFile: password)
    }

    /// tmsd.conf's `[network]` for `site`, shipping to this server.
    func config(site: String) -> String {
        "[network]\nsite = \"\(site)\"\nsocket = \"\(socket)\"\ndatabase = \"tmsd\"\nuser = \"tmsd\"\npassword-file = \"\(passwordFile)\"\n"
    }
}

extension Bench {
    static func networkBenchmark(_ directory: URL, tmsd: String, central: CentralServer, samples: Int, sites: Int) throws {
        print("network (a central PostgreSQL 15 on this machine, fsync on)")
        try shippingCost(directory.appendingPathComponent("network-cost"), tmsd: tmsd, central: central, samples: samples)
        try ingest(directory.appendingPathComponent("network-ingest"), tmsd: tmsd, central: central, sites: sites, each: 4000)
    }

    /// The durable write's p50 on a site that ships beside one that does not:
    /// two daemons on the same disk, written in turn (which goes first
    /// alternating), the shipping one sending its entries as they come.
    static func shippingCost(_ place: URL, tmsd: String, central: CentralServer, samples: Int) throws {
        try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let chairs = max(20, samples / 8)
        let alone = try Daemon(tmsd: tmsd, directory: place, chairs: chairs, name: "alone")
        defer { alone.stop() }
        let shipping = try Daemon(tmsd: tmsd, directory: place, chairs: chairs, name: "shipping", extra: central.config(site: "cost"))
        defer { shipping.stop() }
        let aloneClient = try VarlinkClient(path: alone.socket), shippingClient = try VarlinkClient(path: shipping.socket)
        let aloneSessions = try prepare(aloneClient, sessions: samples), shippingSessions = try prepare(shippingClient, sessions: samples)
        try caughtUp([shippingClient], within: 120)

        func write(_ client: VarlinkClient, _ id: Int) throws -> Double {
            let start = now()
            _ = try client.call("io.tmsd.Clinic.CompleteSession", ["id": .int(id), "delivery": delivery])
            return now() - start
        }
        var aloneTimes: [Double] = [], shippingTimes: [Double] = []
        for (n, (a, s)) in zip(aloneSessions, shippingSessions).enumerated() {
            if n % 2 == 0 {
                aloneTimes.append(try write(aloneClient, a))
                shippingTimes.append(try write(shippingClient, s))
            } else {
                shippingTimes.append(try write(shippingClient, s))
                aloneTimes.append(try write(aloneClient, a))
            }
        }
        // Every write shipped: the figure is of a site that kept up, not one that fell behind.
        let shipped = try caughtUp([shippingClient], within: 60)
        let a = Stats(aloneTimes), s = Stats(shippingTimes)
        print(row("durable write (CompleteSession) on a site shipping its change log", s, "the same site not shipping", a))
        print(String(format: "    site-side cost of shipping: %+.1f%% of the durable-write p50 (goal < 5%%); %d entries shipped, none waiting",
                     (s.p50 / a.p50 - 1) * 100, shipped))
    }

    /// Sustained ingest: `sites` daemons each hold `each` entries not yet
    /// shipped (written with no `[network]`), then start shipping at once
    /// into one central server; the entries and changed records it takes a
    /// second, from their start to the last site caught up.
    static func ingest(_ place: URL, tmsd: String, central: CentralServer, sites: Int, each: Int) throws {
        try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let names = (1...sites).map { "site-\($0)" }
        for name in names {
            let daemon = try Daemon(tmsd: tmsd, directory: place, name: name)
            defer { daemon.stop() }
            try siteWork(daemon.socket, entries: each, tag: name)
        }
        var entries = 0, changes = 0
        for name in names {
            let database = try DatabaseQueue(path: place.appendingPathComponent("\(name).sqlite").path)
            let row = try database.read { db in
                try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(json_array_length(changes)), 0) AS c FROM audit")!
            }
            entries += row["n"] as Int
            changes += row["c"] as Int
        }
        let start = now()
        var daemons: [Daemon] = []
        defer { daemons.forEach { $0.stop() } }
        for name in names {
            daemons.append(try Daemon(tmsd: tmsd, directory: place, name: name, extra: central.config(site: name)))
        }
        let shipped = try caughtUp(try daemons.map { try VarlinkClient(path: $0.socket) }, within: 600)
        let elapsed = now() - start
        guard shipped == entries else { throw BenchError("the sites shipped \(shipped) entries of \(entries)") }
        print(String(format: "network ingest: %d sites, %d entries (%d changed records) into one PostgreSQL in %.1f s:"
                     + " %.0f entries/s, %.0f changes/s",
                     sites, entries, changes, elapsed, Double(entries) / elapsed, Double(changes) / elapsed))
    }

    /// A site's day in miniature: patients added, one in ten starting an
    /// iTBS course (its sessions booked), from four clients at once.
    static func siteWork(_ socket: String, entries: Int, tag: String) throws {
        let writers = 4
        _ = try callsPerSecond(socket, writers: writers, .each(entries / writers)) { client, w, n in
            let patient = try client.call("io.tmsd.Clinic.AddPatient", [
                "mrn": .string("\(tag)-\(w)-\(n)"), "familyName": "Network", "givenName": "N", "birthDate": "1980-01-01",
            ])
            guard n % 10 == 9, let id = patient["patient"]?["id"] else { return }
            _ = try client.call("io.tmsd.Clinic.CreateCourse", [
                "patientId": id, "protocolId": "itbs", "startDate": .string(today()), "prescriber": "Dr. Bench",
                "target": ["method": "beam_f3", "label": "left DLPFC"],
            ])
        }
    }

    /// Waits until every site's central server holds its whole change log;
    /// returns the entries they shipped.
    @discardableResult
    static func caughtUp(_ sites: [VarlinkClient], within seconds: Double) throws -> Int {
        let deadline = now() + seconds
        var total = 0
        for site in sites {
            while true {
                let status = try site.call("io.tmsd.Clinic.GetNetworkStatus")
                if status["refused"] == .bool(true) { throw BenchError("the central server refused a site: \(status)") }
                if status["lag"] == .int(0), case .int(let shipped)? = status["shipped"]?["sequence"] {
                    total += shipped
                    break
                }
                guard now() < deadline else { throw BenchError("a site did not catch up within \(Int(seconds)) s: \(status)") }
                usleep(20_000)
            }
        }
        return total
    }
}
