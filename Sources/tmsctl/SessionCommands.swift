import ArgumentParser
import TMSCore
import TMSInterface

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "The day's sessions: list, start, complete, abort, miss.",
        subcommands: [List.self, Show.self, Start.self, Complete.self, Abort.self, Miss.self, Cancel.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the sessions booked on a day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The day (default: today in the clinic's zone).", valueName: "YYYY-MM-DD"), transform: Parse.date)
        var date: CivilDate?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.ListSessions.self, .init(date: date)) else { return }
            guard !reply.sessions.isEmpty else {
                print("No sessions booked on \(reply.date).")
                return
            }
            print("Sessions on \(reply.date)")
            print(Format.table(
                ["TIME", "SESSION", "COURSE", "#", "PATIENT", "PROTOCOL", "STATUS"],
                reply.sessions.map { row in
                    let s = row.session
                    return ["\(s.time)", "\(s.id)", "\(s.courseId)", "\(s.number)/\(s.total)", row.patientName, row.protocolId,
                            s.status.rawValue]
                }), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one session and what it delivered.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.GetSession.self, .init(id: id)) else { return }
            let s = reply.session
            var pairs: [(String, String)] = [
                ("Session", "\(s.id)"), ("Course", "\(s.courseId)"), ("Number", "\(s.number) of \(s.total)"),
                ("Phase", s.phase), ("Booked", "\(s.date) \(s.time) (\(s.scheduledAt))"), ("Status", s.status.rawValue),
            ]
            if let d = s.delivery {
                pairs += [
                    ("Motor threshold", Format.number(d.motorThreshold) + "% of output"),
                    ("Intensity", "\(Format.number(d.intensityPercentMT))% MT = \(Format.number(d.outputPercent))% of output"),
                    ("Stimulation", "\(Format.number(d.frequencyHz)) Hz, \(d.trains) trains of \(d.pulsesPerTrain) pulses, "
                        + "\(Format.number(d.trainDurationSeconds)) s on, \(Format.number(d.interTrainIntervalSeconds)) s off"),
                    ("Pulses delivered", "\(d.pulsesDelivered)"), ("Coil", d.coil), ("Target", d.target),
                ]
                if !d.notes.isEmpty { pairs.append(("Notes", d.notes)) }
            } else if let pulses = s.pulsesDelivered {
                pairs.append(("Pulses delivered", "\(pulses)"))
            }
            if let reason = s.reason { pairs.append(("Reason", reason)) }
            if let by = s.replacedBy { pairs.append(("Re-booked as", "session \(by)")) }
            if let of = s.replaces { pairs.append(("Replaces", "session \(of)")) }
            for finding in reply.findings { pairs.append(("Finding", Format.finding(finding))) }
            print(Format.fields(pairs), terminator: "")
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Mark a session as started.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.StartSession.self, .init(id: id)) else { return }
            let s = reply.session
            print("Session \(id) started (course \(s.courseId), session \(s.number) of \(s.total)).")
            for finding in reply.pending {
                print("WARNING: completing it needs \(finding.severity == .override ? "a clinician's override of" : "a look at") "
                    + "\(finding.rule): \(finding.message)")
            }
        }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "complete",
            abstract: "Record what a session delivered.",
            discussion: """
                One call to tmsd, which fills every parameter not given from the course's prescription (the coil \
                its protocol's, the target its label, the motor threshold the course's latest measurement). \
                tmsd's treatment gate refuses an intensity above 100% of machine output and more pulses than \
                prescribed; a motor threshold due for a re-check, trains outside the limits table, and any value \
                that differs from the prescription need a clinician's reason for that rule: \
                --override RULE=REASON, once per rule (tmsd names the rule when it refuses).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: ArgumentHelp("Resting motor threshold, % of machine output (default: the course's latest measurement).", valueName: "percent"))
        var mt: Double?
        @Option(help: ArgumentHelp("Intensity, % of motor threshold.", valueName: "percent")) var intensity: Double?
        @Option(help: ArgumentHelp("Frequency.", valueName: "Hz")) var frequency: Double?
        @Option(help: "Pulses per train.") var pulsesPerTrain: Int?
        @Option(help: ArgumentHelp("Train duration.", valueName: "seconds")) var trainDuration: Double?
        @Option(help: ArgumentHelp("Inter-train interval.", valueName: "seconds")) var interTrainInterval: Double?
        @Option(help: "Trains given.") var trains: Int?
        @Option(help: "Pulses delivered.") var pulses: Int?
        @Option(help: "Coil used.") var coil: String?
        @Option(help: "Target stimulated.") var target: String?
        @Option(help: "Free-text notes.") var notes: String?
        @OptionGroup var overriding: Overrides

        func run() throws {
            var delivery = Clinic.DeliveryInput()
            delivery.motorThreshold = mt
            delivery.intensityPercentMT = intensity
            delivery.frequencyHz = frequency
            delivery.pulsesPerTrain = pulsesPerTrain
            delivery.trainDurationSeconds = trainDuration
            delivery.interTrainIntervalSeconds = interTrainInterval
            delivery.trains = trains
            delivery.pulsesDelivered = pulses
            delivery.coil = coil
            delivery.target = target
            delivery.notes = notes
            guard let reply = try Daemon(global).ask(Clinic.CompleteSession.self, .init(
                id: id, delivery: delivery, override: overriding.reason, overrides: overriding.byRule)) else { return }
            let s = reply.session, p = reply.progress
            let d = s.delivery
            print("Session \(id) completed: \(d.map { "\($0.pulsesDelivered)" } ?? "?") pulses at "
                + "\(d.map { Format.number($0.intensityPercentMT) } ?? "?")% MT "
                + "(\(d.map { Format.number($0.outputPercent) } ?? "?")% of output). Course \(s.courseId): \(p.done) of \(p.total) done.")
            for finding in reply.findings { print("NOTE: \(Format.finding(finding))") }
        }
    }

    struct Abort: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "abort",
            abstract: "Record a session stopped early; a replacement is booked on the next free clinic day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Pulses given before it stopped.") var pulses: Int
        @Option(help: "Why it stopped.") var reason: String

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.AbortSession.self, .init(id: id, pulsesDelivered: pulses, reason: reason))
            else { return }
            printRebooked("aborted", reply)
        }
    }

    struct Miss: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "miss",
            abstract: "Record a session the patient missed; a replacement is booked on the next free clinic day.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Why it was missed.") var reason: String?

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.MissSession.self, .init(id: id, reason: reason)) else { return }
            printRebooked("missed", reply)
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel an appointment ahead of time; it moves to the next clinic day with a free slot.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id.") var id: Int
        @Option(help: "Why (the patient called, the clinic closes early, ...).") var reason: String

        func run() throws {
            guard let reply = try Daemon(global).ask(Clinic.PostponeSession.self, .init(id: id, reason: reason)) else { return }
            let s = reply.session
            print("Session \(id) now on \(s.date) at \(s.time) on \(s.chair ?? "-"); \(reply.moved.count) sessions moved.")
            if !reply.moved.isEmpty { print(movesTable(reply.moved), terminator: "") }
            printWarnings(reply.warnings)
        }
    }
}

private func printRebooked(_ verb: String, _ reply: Clinic.Rebooked) {
    let s = reply.session, r = reply.replacement, p = reply.progress
    print("Session \(s.id) \(verb). Replacement: session \(r.id) on \(r.date) at \(r.time). "
        + "Course \(s.courseId): \(p.done) of \(p.total) done, \(p.remaining) remaining.")
    printWarnings(reply.warnings)
}
