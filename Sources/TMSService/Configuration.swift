public import Foundation
public import Logging
public import TMSCore
public import TMSInterface
import TOMLKit
public import TMSNetwork

/// tmsd's settings: built-in defaults, then the config file, then flags.
public struct Configuration: Sendable, Equatable {
    public static let defaultPath = "/etc/tmsd/tmsd.conf"

    /// The Unix socket tmsctl connects to.
    public var socketPath = "/run/tmsd/tmsd.sock"
    /// The SQLite database.
    public var databasePath = "/var/lib/tmsd/tmsd.sqlite"
    public var logLevel: Logger.Level = .info
    /// Seconds a client may take to finish a message it has started.
    public var frameTimeoutSeconds = 10
    /// Connections open at once; more are closed as they arrive.
    public var maximumConnections = 512
    /// Seconds a connection may sit with no call before it is closed (0: never).
    public var idleTimeoutSeconds = 600
    /// Seconds SIGTERM waits for running calls before tmsd stops anyway.
    public var shutdownTimeoutSeconds = 30

    /// The clinic's name, for reports.
    public var clinicName = "TMS clinic"
    /// The clinic's IANA time zone, as configured: every date and wall-clock
    /// time is read in it. (Foundation reports "UTC" as "GMT"; the name is kept.)
    public var timeZoneName = TimeZone.current.identifier
    public var timeZone: TimeZone { TimeZone(identifier: timeZoneName) ?? TimeZone(secondsFromGMT: 0)! }
    public var clinicDays: Set<Weekday> = [.monday, .tuesday, .wednesday, .thursday, .friday]
    public var holidays: Set<CivilDate> = []
    /// The first day of the clinic's week (taper weeks are calendar weeks).
    public var weekStart = Weekday.monday
    /// When a course's daily session is booked unless the prescriber says otherwise.
    public var sessionTime = LocalTime("09:00")!
    /// When the clinic's day closes, and its sessions still scheduled become no-shows.
    public enum DayCloseRule: Sendable, Equatable {
        /// At the end of that day's opening hours.
        case endOfHours
        case at(LocalTime)
        /// tmsd closes no day itself; the front desk does (CloseDay).
        case off
    }
    public var dayClose = DayCloseRule.endOfHours
    /// Chairs, opening hours, set-up and slot lengths. Without [[chairs]]: one
    /// chair carrying every coil, open 08:00-18:00 on the clinic days.
    public var resources = ClinicResources.standard(days: [.monday, .tuesday, .wednesday, .thursday, .friday])
    /// How reports name patients: initials, mrn or full (always with the internal id).
    public var reportIdentifiers = "initials"
    /// How the course summary (for the referring physician and the payer)
    /// names its patient; unset, as `reportIdentifiers`.
    public var courseSummaryIdentifiers: String?
    /// The share of an authorization's sessions used that earns a warning, in percent.
    public var authorizationWarningPercent = 80
    /// A course's no-shows, from this many on, are flagged in the nightly report.
    public var noShowFlag = 2
    /// What an MRN looks like at this clinic (nil: any text). A reference
    /// that matches it is an MRN.
    public var mrnPattern: MRNPattern?
    /// `[network]`: the network's central server this site ships its change log to (nil: none).
    public var network: NetworkSettings?
    /// The system of the MRN a FHIR export writes: the URI that names this clinic's medical record numbers.
    public var mrnSystem = "urn:tmsd:mrn"

    /// A regular expression a whole MRN must match, compiled once, when the
    /// file is read. (Unchecked: a Regex of AnyRegexOutput is not declared
    /// Sendable, for its output type. The pattern is never changed after
    /// `init`; the program the standard library lowers it to at the first
    /// match is stored with an atomic exchange, and only read after.)
    public struct MRNPattern: @unchecked Sendable, Equatable {
        public let source: String
        private let regex: Regex<AnyRegexOutput>

        public init(_ source: String) throws {
            self.source = source
            regex = try Regex(source)
        }

        public func matches(_ text: String) -> Bool { text.wholeMatch(of: regex) != nil }

        public static func == (a: MRNPattern, b: MRNPattern) -> Bool { a.source == b.source }
    }

    /// When `date` closes (nil: never, with `day-close = "off"`, or a day with
    /// no hours, which has no sessions to close).
    public func closing(on date: CivilDate) -> LocalTime? {
        switch dayClose {
        case .off: nil
        case .at(let time): time
        case .endOfHours: resources.openingHours(on: date).map(\.end).max().flatMap { LocalTime(minutes: min($0, 24 * 60 - 1)) }
        }
    }

    /// Whether `text` looks like this clinic's MRNs (any text, without a pattern).
    public func looksLikeMRN(_ text: String) -> Bool { mrnPattern?.matches(text) ?? true }

    /// The Unix groups that hold each role.
    public var roleGroups: [Role: Set<String>] = [
        .clinician: ["tmsd-clinicians"], .operator: ["tmsd-operators"], .auditor: ["tmsd-auditors"], .backup: ["tmsd-backup"],
    ]

    /// Where `Backup` writes its copies (nil: `backups` beside the database).
    public var backupDirectoryPath: String?
    /// Where `Backup` writes its copies.
    public var backupDirectory: String {
        backupDirectoryPath ?? (URL(fileURLWithPath: databasePath).deletingLastPathComponent().path + "/backups")
    }

    /// The roles a member of `groups` holds; a clinician is also an operator.
    public func roles(of groups: Set<String>) -> Set<Role> {
        var roles = Set(roleGroups.filter { !$0.value.isDisjoint(with: groups) }.keys)
        if roles.contains(.clinician) { roles.insert(.operator) }
        return roles
    }

    /// The clinic's own clinical data file, laid over the bundled one.
    public var clinicalDataPath: String?
    /// Scales and the other clinical lists: bundled, then `clinicalDataPath`.
    public var clinical = ClinicalData.bundled

    public init() {}

    public var calendar: ClinicCalendar {
        ClinicCalendar(timeZone: timeZone, clinicDays: clinicDays, holidays: holidays, weekStart: weekStart)
    }

    /// Every key the file may hold, by section, with what it means: the
    /// source of `--check-config`'s listing and of unknown-key errors.
    public static let keys: [String: [String]] = [
        "daemon": ["socket", "database", "log-level", "frame-timeout", "shutdown-timeout", "max-connections", "idle-timeout"],
        "clinic": ["name", "time-zone", "days", "week-starts", "holidays", "session-time", "setup-minutes", "day-close", "rooms"],
        "hours": ["default"] + Weekday.allCases.map(\.rawValue),
        "chairs": ["name", "coils"],
        "protocols.*": ["setup-minutes", "slot-minutes"],
        "clinical": ["data"],
        "roles": Role.allCases.map(\.rawValue),
        "backup": ["directory"],
        "reports": ["identifiers", "course-identifiers", "authorization-warning", "no-show-flag"],
        "patients": ["mrn-pattern", "mrn-system"],
        "network": ["site", "socket", "host", "port", "tls", "ca-file", "database", "user", "password-file", "batch", "records"],
    ]

    /// One problem in a config file, with its line where it has one.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var key: String?
        public var message: String

        public var description: String {
            var s = file
            if let line { s += ":\(line)" }
            s += ": "
            if let key { s += "\(key): " }
            return s + message
        }
    }

    /// The file failed to read or parse; every problem found is listed.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// Applies the settings in `text` (the contents of `file`) over `self`.
    /// Throws every problem found, each with its line; on error nothing is applied.
    public func applying(toml text: String, file: String) throws(Invalid) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw Invalid(problems: [Problem(file: file, line: error.source.begin.line, key: nil, message: error.description)])
        } catch {
            throw Invalid(problems: [Problem(file: file, line: nil, key: nil, message: String(describing: error))])
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var problems: [Problem] = []
        func problem(_ section: String?, _ key: String?, _ message: String) {
            let dotted = [section, key].compactMap { $0 }.joined(separator: ".")
            problems.append(Problem(file: file, line: Self.line(of: key, in: section, lines), key: dotted.isEmpty ? nil : dotted, message: message))
        }

        var c = self
        for section in table.keys {
            switch section {
            case "daemon", "clinic", "reports", "backup", "patients", "network":
                guard let body = table[section]?.table else {
                    problem(nil, section, "must be a [\(section)] section")
                    continue
                }
                let allowed = Self.keys[section]!
                for key in body.keys where !allowed.contains(key) {
                    problem(section, key, "unknown key; [\(section)] takes \(allowed.joined(separator: ", "))")
                }
            case "roles":
                for key in table[section]?.table?.keys ?? [] where Role(rawValue: key) == nil {
                    problem(section, key, "unknown role; [roles] takes \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "clinical":
                for key in table[section]?.table?.keys ?? [] where key != "data" {
                    problem(section, key, "unknown key; [clinical] takes data")
                }
            case "hours":
                guard table[section]?.table != nil else { problem(nil, section, "must be an [hours] section") ; continue }
            case "chairs":
                guard table[section]?.array != nil else { problem(nil, section, "must be [[chairs]] entries") ; continue }
            case "protocols":
                guard table[section]?.table != nil else { problem(nil, section, "must be [protocols.ID] sections") ; continue }
            default:
                problem(nil, section, "unknown section or key; known sections are [daemon], [clinic], [hours], [[chairs]], [protocols.ID], [roles], [reports], [patients], [network], [backup] and [clinical]")
            }
        }

        func string(_ section: String, _ key: String) -> String? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let s = value.string else {
                problem(section, key, "must be a string")
                return nil
            }
            return s
        }
        func strings(_ section: String, _ key: String) -> [String]? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let array = value.array else {
                problem(section, key, "must be a list of strings")
                return nil
            }
            var out: [String] = []
            for element in array {
                guard let s = element.string else {
                    problem(section, key, "must be a list of strings")
                    return nil
                }
                out.append(s)
            }
            return out
        }

        if let s = string("daemon", "socket") {
            if s.hasPrefix("/") { c.socketPath = s } else { problem("daemon", "socket", "must be an absolute path") }
        }
        if let s = string("daemon", "database") {
            if s.hasPrefix("/") { c.databasePath = s } else { problem("daemon", "database", "must be an absolute path") }
        }
        if let s = string("daemon", "log-level") {
            if let level = Logger.Level(rawValue: s) {
                c.logLevel = level
            } else {
                problem("daemon", "log-level", "'\(s)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        func seconds(_ key: String, _ apply: (Int) -> Void) {
            guard let value = table["daemon"]?.table?[key] else { return }
            if let seconds = value.int, (1...3600).contains(seconds) {
                apply(seconds)
            } else {
                problem("daemon", key, "must be a whole number of seconds, 1 to 3600")
            }
        }
        seconds("frame-timeout") { c.frameTimeoutSeconds = $0 }
        seconds("shutdown-timeout") { c.shutdownTimeoutSeconds = $0 }
        if let value = table["daemon"]?.table?["idle-timeout"] {
            if let seconds = value.int, (0...86_400).contains(seconds) { c.idleTimeoutSeconds = seconds } else {
                problem("daemon", "idle-timeout", "must be a whole number of seconds, 0 (never) to 86400")
            }
        }
        if let value = table["daemon"]?.table?["max-connections"] {
            if let count = value.int, (1...65_536).contains(count) { c.maximumConnections = count } else {
                problem("daemon", "max-connections", "must be a whole number of connections, 1 to 65536")
            }
        }
        if let s = string("clinic", "name") {
            // It heads every report and the mail's Subject: one line of printable text.
            if s.trimmingCharacters(in: .whitespaces).isEmpty || s.count > 200
                || s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problem("clinic", "name", "must be 1 to 200 characters on one line, with no control characters")
            } else {
                c.clinicName = s
            }
        }
        if let s = string("clinic", "time-zone") {
            if Self.timeZone(named: s) != nil {
                c.timeZoneName = s
            } else {
                problem("clinic", "time-zone", "'\(s)' is not an IANA time zone (e.g. America/New_York)")
            }
        }
        if let days = strings("clinic", "days") {
            let parsed = days.map { ($0, Weekday(name: $0)) }
            if let bad = parsed.first(where: { $0.1 == nil }) {
                problem("clinic", "days", "'\(bad.0)' is not a weekday (mon, tue, ...)")
            } else if days.isEmpty {
                problem("clinic", "days", "the clinic must open on at least one day")
            } else {
                c.clinicDays = Set(parsed.compactMap(\.1))
            }
        }
        if let s = string("clinic", "week-starts") {
            if let day = Weekday(name: s) { c.weekStart = day } else {
                problem("clinic", "week-starts", "'\(s)' is not a weekday (mon, tue, ...)")
            }
        }
        if let dates = strings("clinic", "holidays") {
            if let bad = dates.first(where: { CivilDate($0) == nil }) {
                problem("clinic", "holidays", "'\(bad)' is not a date (YYYY-MM-DD)")
            } else {
                c.holidays = Set(dates.compactMap { CivilDate($0) })
            }
        }
        if let s = string("clinic", "session-time") {
            if let time = LocalTime(s) { c.sessionTime = time } else { problem("clinic", "session-time", "'\(s)' is not a time (HH:MM)") }
        }
        if let s = string("clinic", "day-close") {
            if s == "off" {
                c.dayClose = .off
            } else if let time = LocalTime(s) {
                c.dayClose = .at(time)
            } else {
                problem("clinic", "day-close", "'\(s)' is neither a time (HH:MM) nor off")
            }
        }
        c.resources = resources(table, clinicDays: c.clinicDays, lines: lines, problem: problem, strings: strings)
        if let mode = string("reports", "identifiers") {
            if ["initials", "mrn", "full"].contains(mode) { c.reportIdentifiers = mode } else {
                problem("reports", "identifiers", "'\(mode)' is not one of initials, mrn, full")
            }
        }
        if let mode = string("reports", "course-identifiers") {
            if ["initials", "mrn", "full"].contains(mode) { c.courseSummaryIdentifiers = mode } else {
                problem("reports", "course-identifiers", "'\(mode)' is not one of initials, mrn, full")
            }
        }
        if let value = table["reports"]?.table?["authorization-warning"] {
            if let percent = value.int, (1...100).contains(percent) { c.authorizationWarningPercent = percent } else {
                problem("reports", "authorization-warning", "must be a whole percentage, 1 to 100")
            }
        }
        if let value = table["reports"]?.table?["no-show-flag"] {
            if let count = value.int, (1...100).contains(count) { c.noShowFlag = count } else {
                problem("reports", "no-show-flag", "must be a whole number of no-shows, 1 to 100")
            }
        }
        if let pattern = string("patients", "mrn-pattern") {
            do {
                c.mrnPattern = try MRNPattern(pattern)
            } catch {
                problem("patients", "mrn-pattern", "is not a regular expression: \(error)")
            }
        }
        if table["network"] != nil {
            if let site = string("network", "site") {
                if NetworkSettings.isSiteID(site) {
                    var network = NetworkSettings(site: site)
                    if let socket = string("network", "socket") {
                        if socket.hasPrefix("/") { network.socket = socket } else { problem("network", "socket", "must be an absolute path") }
                    }
                    if let host = string("network", "host") { network.host = host }
                    if network.socket == nil, network.host == nil {
                        problem("network", "site", "needs the central server: socket (a Unix socket's path) or host")
                    }
                    if let value = table["network"]?.table?["port"] {
                        if let port = value.int, (1...65535).contains(port) { network.port = port } else {
                            problem("network", "port", "must be a port, 1 to 65535")
                        }
                    }
                    if let tls = string("network", "tls") {
                        if let mode = CentralTLS(rawValue: tls) {
                            if network.socket != nil, mode != .disable {
                                problem("network", "tls", "applies to host; a Unix socket carries no TLS")
                            }
                            network.tls = mode
                        } else {
                            problem("network", "tls", "must be \"verify-full\" or \"disable\"")
                        }
                    }
                    if let file = string("network", "ca-file") {
                        if !file.hasPrefix("/") {
                            problem("network", "ca-file", "must be an absolute path")
                        } else if network.socket != nil || network.tls == .disable {
                            problem("network", "ca-file", "applies to TLS to host, which this [network] does not speak")
                        } else if !FileManager.default.isReadableFile(atPath: file) {
                            problem("network", "ca-file", "cannot read \(file)")
                        } else {
                            network.caFile = file
                        }
                    }
                    if let database = string("network", "database") { network.database = database }
                    if let user = string("network", "user") { network.user = user }
                    if let file = string("network", "password-file") {
                        if file.hasPrefix("/") { network.passwordFile = file } else { problem("network", "password-file", "must be an absolute path") }
                    } else if let directory = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] {
                        // systemd's LoadCredential=central-password:...
                        network.passwordFile = directory + "/central-password"
                    }
                    if let value = table["network"]?.table?["batch"] {
                        if let batch = value.int, (1...10_000).contains(batch) { network.batch = batch } else {
                            problem("network", "batch", "must be a whole number of entries, 1 to 10000")
                        }
                    }
                    if let records = string("network", "records") {
                        if let kind = RecordsShipped(rawValue: records) { network.records = kind } else {
                            problem("network", "records", "must be \"full\" or \"de-identified\"")
                        }
                    }
                    c.network = network
                } else {
                    problem("network", "site", "must be 1 to 40 lowercase letters, digits and '-', not starting with '-'")
                }
            } else {
                problem("network", nil, "needs site, the site's id in the network")
            }
        }
        if let system = string("patients", "mrn-system") {
            // A URI: a scheme, a colon and more, without spaces (urn:oid:1.2.3, https://hospital.example/mrn).
            let scheme = system.prefix { $0 != ":" }
            if !scheme.isEmpty, scheme.first!.isLetter, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
               system.count > scheme.count + 1, system.count <= 200, !system.contains(where: { $0.isWhitespace || $0.isNewline }) {
                c.mrnSystem = system
            } else {
                problem("patients", "mrn-system", "must be a URI (urn:oid:..., https://...) of at most 200 characters, without spaces")
            }
        }
        for role in Role.allCases {
            if let groups = strings("roles", role.rawValue) { c.roleGroups[role] = Set(groups) }
        }
        if let path = string("backup", "directory") {
            if path.hasPrefix("/") { c.backupDirectoryPath = path } else { problem("backup", "directory", "must be an absolute path") }
        }
        if let path = string("clinical", "data") {
            if !path.hasPrefix("/") {
                problem("clinical", "data", "must be an absolute path")
            } else if let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
                do {
                    c.clinical = try ClinicalData.parse([(ClinicalData.bundledText, "clinical.toml (bundled)"), (text, path)])
                    c.clinicalDataPath = path
                } catch {
                    problems += error.problems
                }
            } else {
                problem("clinical", "data", "'\(path)' cannot be read")
            }
        }
        if !problems.isEmpty { throw Invalid(problems: problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
        return c
    }

    /// Chairs, hours, set-up and slots from [clinic], [clinic.hours], [[chairs]] and [protocols.ID].
    private func resources(
        _ table: TOMLTable, clinicDays: Set<Weekday>, lines: [Substring],
        problem: (String?, String?, String) -> Void, strings: (String, String) -> [String]?
    ) -> ClinicResources {
        var r = ClinicResources.standard(days: clinicDays)
        r.setupMinutes = resources.setupMinutes
        // Opening hours: [hours] default for every clinic day, and per weekday.
        func ranges(_ texts: [String], _ section: String, _ key: String) -> [TimeRange]? {
            var parsed: [TimeRange] = []
            for text in texts {
                guard let range = TimeRange(text) else {
                    problem(section, key, "'\(text)' is not a range of times (HH:MM-HH:MM)")
                    return nil
                }
                guard range.start < range.end else {
                    problem(section, key, "'\(text)' is inverted: it ends before it starts")
                    return nil
                }
                parsed.append(range)
            }
            parsed.sort()
            for (a, b) in zip(parsed, parsed.dropFirst()) where a.overlaps(b) {
                problem(section, key, "\(a) and \(b) overlap")
                return nil
            }
            return parsed
        }
        if let all = strings("hours", "default"), let parsed = ranges(all, "hours", "default") {
            r.hours = Dictionary(uniqueKeysWithValues: clinicDays.map { ($0, parsed) })
        }
        if let perDay = table["hours"]?.table {
            for key in perDay.keys where key != "default" {
                guard let day = Weekday(rawValue: key) else {
                    problem("hours", key, "unknown key; [hours] takes default, mon, tue, wed, thu, fri, sat, sun")
                    continue
                }
                guard clinicDays.contains(day) else {
                    problem("hours", key, "\(key) has hours but is not one of the clinic's days")
                    continue
                }
                guard let texts = strings("hours", key) else { continue }
                if let parsed = ranges(texts, "hours", key) { r.hours[day] = parsed }
            }
        }
        if let value = table["clinic"]?.table?["setup-minutes"] {
            if let minutes = value.int, (0...240).contains(minutes) { r.setupMinutes = minutes } else {
                problem("clinic", "setup-minutes", "must be a whole number of minutes, 0 to 240")
            }
        }
        if let names = strings("clinic", "rooms") {
            var rooms: [String] = []
            for name in names {
                guard !name.isEmpty, name.count <= 40, !name.contains(where: { $0 == " " || $0.isNewline }) else {
                    problem("clinic", "rooms", "'\(name)' is not a room name (1-40 characters, no spaces)")
                    continue
                }
                if rooms.contains(name) { problem("clinic", "rooms", "'\(name)' is named twice") } else { rooms.append(name) }
            }
            if names.isEmpty { problem("clinic", "rooms", "must name at least one room") } else { r.rooms = rooms }
        }
        // Chairs.
        if let chairs = table["chairs"]?.array {
            var list: [Chair] = []
            for (index, element) in chairs.enumerated() {
                let key = "chairs[\(index + 1)]"
                guard let chair = element.table else {
                    problem(nil, key, "must be a table with name and coils")
                    continue
                }
                for unknown in chair.keys where !["name", "coils"].contains(unknown) {
                    problem(nil, "\(key).\(unknown)", "unknown key; a chair takes name and coils")
                }
                guard let name = chair["name"]?.string, !name.isEmpty, !name.contains(where: { $0 == " " || $0.isNewline }) else {
                    problem(nil, "\(key).name", "must be a name without spaces")
                    continue
                }
                guard !list.contains(where: { $0.name == name }) else {
                    problem(nil, "\(key).name", "'\(name)' names two chairs")
                    continue
                }
                let coils = chair["coils"]?.array?.compactMap { $0.string } ?? []
                guard !coils.isEmpty, coils.count == chair["coils"]?.array?.count else {
                    problem(nil, "\(key).coils", "chair '\(name)' must list the coil types it carries")
                    continue
                }
                list.append(Chair(name: name, coils: Set(coils)))
            }
            if !list.isEmpty { r.chairs = list }
        }
        // Per-protocol set-up or slot length.
        if let protocols = table["protocols"]?.table {
            for id in protocols.keys {
                guard let treatment = ProtocolLibrary.find(id) else {
                    problem("protocols", id, "no protocol has this id; 'tmsctl protocol list' shows them")
                    continue
                }
                guard let body = protocols[id]?.table else { continue }
                for unknown in body.keys where !["setup-minutes", "slot-minutes"].contains(unknown) {
                    problem("protocols.\(id)", unknown, "unknown key; takes setup-minutes or slot-minutes")
                }
                if let setup = body["setup-minutes"] {
                    if let minutes = setup.int, (0...240).contains(minutes) { r.protocolSetupMinutes[id] = minutes } else {
                        problem("protocols.\(id)", "setup-minutes", "must be a whole number of minutes, 0 to 240")
                    }
                }
                if let slot = body["slot-minutes"] {
                    let stimulation = ClinicResources.stimulationMinutes(treatment)
                    if let minutes = slot.int, minutes >= stimulation, minutes <= 24 * 60 {
                        r.protocolSlotMinutes[id] = minutes
                    } else {
                        problem("protocols.\(id)", "slot-minutes", "is shorter than the protocol's stimulation time (\(stimulation) min)")
                    }
                }
            }
        }
        return r
    }

    /// Reads `path` over `self`. A missing file is an error only when `required`.
    public func applying(file path: String, required: Bool) throws(Invalid) -> Configuration {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw Invalid(problems: [Problem(file: path, line: nil, key: nil, message: "no such file")])
            }
            return self
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(problems: [Problem(file: path, line: nil, key: nil, message: "cannot be read")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Invalid(problems: [Problem(file: path, line: nil, key: nil, message: "is not UTF-8 text")])
        }
        return try applying(toml: text, file: path)
    }

    /// Only real IANA names: Foundation also accepts abbreviations ("EST")
    /// and offsets, which do not follow daylight saving.
    static func timeZone(named name: String) -> TimeZone? {
        guard name == "UTC" || (name.contains("/") && !name.hasPrefix("/") && !name.contains("..")) else { return nil }
        return TimeZone(identifier: name)
    }

    /// The line that sets `key` in `[section]`, or the section's header line.
    /// `chairs[2].coils` finds `coils` in the second `[[chairs]]`.
    static func line(of key: String?, in section: String?, _ lines: [Substring]) -> Int? {
        var section = section, key = key, occurrence = 1
        if section == nil, let k = key, let open = k.firstIndex(of: "["), let close = k.firstIndex(of: "]"),
           let n = Int(k[k.index(after: open)..<close]) {
            section = String(k[..<open])
            occurrence = n
            key = k[k.index(after: close)...].hasPrefix(".") ? String(k[k.index(close, offsetBy: 2)...]) : nil
        }
        var current: String?
        var seen: [String: Int] = [:]
        var sectionLine: Int?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                seen[name, default: 0] += 1
                current = seen[name] == occurrence || !line.hasPrefix("[[") ? name : nil
                if current == section, sectionLine == nil { sectionLine = index + 1 }
                if section == nil, current == key { return index + 1 }
                if let section, let key, name == "\(section).\(key)" { return index + 1 }
                continue
            }
            guard current == section, let key else { continue }
            let name = line.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces)
            if name == key || name == "\"\(key)\"" { return index + 1 }
        }
        return sectionLine
    }

    /// The resolved settings, as `--check-config` prints them: valid TOML.
    public var rendered: String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        let dayCloseLine = switch dayClose {
        case .off: "day-close = \"off\""
        case .at(let time): "day-close = \(quoted(time.description))"
        case .endOfHours: "# day-close: the end of each day's opening hours"
        }
        let days = Weekday.allCases.filter(clinicDays.contains).map { quoted($0.rawValue) }.joined(separator: ", ")
        let holidayList = holidays.sorted().map { quoted($0.description) }.joined(separator: ", ")
        return """
            [daemon]
            socket = \(quoted(socketPath))
            database = \(quoted(databasePath))
            log-level = \(quoted(logLevel.rawValue))
            frame-timeout = \(frameTimeoutSeconds)
            max-connections = \(maximumConnections)
            idle-timeout = \(idleTimeoutSeconds)
            shutdown-timeout = \(shutdownTimeoutSeconds)

            [clinic]
            name = \(quoted(clinicName))
            time-zone = \(quoted(timeZoneName))
            days = [\(days)]
            week-starts = \(quoted(weekStart.rawValue))
            holidays = [\(holidayList)]
            session-time = \(quoted(sessionTime.description))
            \(dayCloseLine)
            setup-minutes = \(resources.setupMinutes)
            rooms = [\(resources.rooms.map(quoted).joined(separator: ", "))]
            \(clinicalDataPath.map { "\n[clinical]\ndata = \(quoted($0))\n" } ?? "")
            [reports]
            identifiers = \(quoted(reportIdentifiers))
            \(courseSummaryIdentifiers.map { "course-identifiers = \(quoted($0))" } ?? "# course-identifiers: as identifiers")
            authorization-warning = \(authorizationWarningPercent)
            no-show-flag = \(noShowFlag)

            [patients]
            \(mrnPattern.map { "mrn-pattern = \(quoted($0.source))" } ?? "# mrn-pattern: none (an MRN is any text)")
            mrn-system = \(quoted(mrnSystem))
            \(network.map { n in
                "\n[network]\nsite = \(quoted(n.site))\n" + (n.socket.map { "socket = \(quoted($0))\n" } ?? "")
                    + (n.host.map { "host = \(quoted($0))\nport = \(n.port)\ntls = \(quoted(n.tls.rawValue))\n" } ?? "")
                    + (n.caFile.map { "ca-file = \(quoted($0))\n" } ?? "") + "database = \(quoted(n.database))\nuser = \(quoted(n.user))\n"
                    + (n.passwordFile.map { "password-file = \(quoted($0))\n" } ?? "") + "batch = \(n.batch)\nrecords = \(quoted(n.records.rawValue))"
            } ?? "# [network]: none (this site ships its change log nowhere)")

            [roles]
            \(Role.allCases.map { "\($0.rawValue) = [\((roleGroups[$0] ?? []).sorted().map(quoted).joined(separator: ", "))]" }.joined(separator: "\n"))

            [backup]
            \(backupDirectoryPath.map { "directory = \(quoted($0))" } ?? "# directory: \(backupDirectory) (backups beside the database)")


            [hours]
            \(Weekday.allCases.compactMap { day in resources.hours[day].map { "\(day.rawValue) = [\($0.map { quoted($0.description) }.joined(separator: ", "))]" } }.joined(separator: "\n"))


            """ + resources.chairs.map { chair in
                "[[chairs]]\nname = \(quoted(chair.name))\ncoils = [\(chair.coils.sorted().map(quoted).joined(separator: ", "))]\n\n"
            }.joined() + Set(resources.protocolSetupMinutes.keys).union(resources.protocolSlotMinutes.keys).sorted().map { id in
                "[protocols.\(id)]\n" + (resources.protocolSetupMinutes[id].map { "setup-minutes = \($0)\n" } ?? "")
                    + (resources.protocolSlotMinutes[id].map { "slot-minutes = \($0)\n" } ?? "") + "\n"
            }.joined()
    }
}
