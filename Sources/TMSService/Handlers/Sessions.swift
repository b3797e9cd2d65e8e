import TMSCore
import TMSInterface
import TMSStore
import Varlink

// Sessions: the day's list, starting, completing, stopping short.
extension ClinicHandler {
    func registerSessions(_ table: inout MethodTable) {
        table.on(Clinic.ListSessions.self) { input, call in
            let date = input.date ?? call.today
            return .init(date: date, sessions: try store.sessions(on: date).map(Clinic.DaySession.init))
        }
        table.on(Clinic.GetSession.self) { input, _ in
            let session = try store.session(id: input.id)
            return .init(
                session: Clinic.Session(session),
                findings: try store.findings(courseId: session.courseId).filter { $0.sessionId == session.id }.map(Clinic.Finding.init))
        }
        table.on(Clinic.StartSession.self) { input, call in
            var pending: [Finding] = []
            let session = try store.startSession(id: input.id, today: call.today, call.selection, audit: call.audit) { facts in
                let gate = call.gate
                if let refusal = gate.findings(.start, facts).first(where: { $0.severity == .refuse }) { throw refusal.error }
                pending = gate.pending(facts)
            }
            log("session started", call, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)"])
            return .init(session: Clinic.Session(session), pending: pending.map(Clinic.Finding.init))
        }
        table.on(Clinic.CompleteSession.self) { input, call in try completeSession(input, call) }
        table.on(Clinic.AbortSession.self) { input, call in
            try endShort(input.id, .aborted(pulsesDelivered: input.pulsesDelivered, reason: input.reason), call)
        }
        table.on(Clinic.MissSession.self) { input, call in try endShort(input.id, .missed(reason: input.reason), call) }
        table.on(Clinic.CloseDay.self) { input, call in
            let date = input.date ?? call.today
            let closed = try DayClose(store: store, logger: logger).close(
                date, configuration: call.configuration, calendar: call.calendar, today: call.today, audit: call.audit)
            return .init(
                date: date,
                noShows: closed.noShows.map { Clinic.NoShow(session: Clinic.Session($0.session), replacement: Clinic.Session($0.replacement)) },
                warnings: closed.warnings)
        }
    }

    /// Records a session in one call: the gate reads the course's facts in the
    /// store's transaction, the delivery's missing values come from the
    /// prescription, and what the gate finds decides.
    private func completeSession(_ input: Clinic.CompleteSession.Input, _ call: Call) throws -> Clinic.CompleteSession.Output {
        let overrides = try Self.overrides(input.overrides)
        let clinician = call.roles.contains(.clinician)
        let (session, progress, findings) = try store.completeSession(
            id: input.id, today: call.today, call.selection, audit: call.audit
        ) { facts in
            let delivery = try Self.delivery(input.delivery, facts)
            let found = call.gate.findings(.complete(delivery), facts)
            return (delivery, try TreatmentGate.decide(found, overrides: overrides, reason: input.override, clinician: clinician))
        }
        log("session completed", call, [
            "tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)",
            "tmsd_pulses": "\(session.pulsesDelivered.map(String.init) ?? "-")",
            "tmsd_findings": "\(findings.map(\.rule).joined(separator: ","))",
        ])
        return .init(session: Clinic.Session(session), progress: Clinic.Progress(progress), findings: findings.map(Clinic.Finding.init))
    }

    /// What a session delivered: what the technician said, the rest as the
    /// course prescribes it, with the course's latest motor threshold.
    static func delivery(_ given: Clinic.DeliveryInput?, _ facts: TreatmentFacts) throws -> Delivery {
        let rx = facts.prescription
        guard let motorThreshold = given?.motorThreshold ?? facts.lastMeasured?.value else {
            throw ClinicError.recheckDue(course: facts.course, reason: "no motor threshold has been measured for this course")
        }
        let trains = given?.trains ?? rx.dose.trains
        let pulsesPerTrain = given?.pulsesPerTrain ?? rx.dose.pulsesPerTrain
        let delivery = Delivery(
            motorThreshold: motorThreshold, intensityPercentMT: given?.intensityPercentMT ?? rx.dose.intensityPercentMT,
            frequencyHz: given?.frequencyHz ?? rx.dose.frequencyHz, pulsesPerTrain: pulsesPerTrain,
            trainDurationSeconds: given?.trainDurationSeconds ?? rx.dose.trainDurationSeconds,
            interTrainIntervalSeconds: given?.interTrainIntervalSeconds ?? rx.dose.interTrainIntervalSeconds, trains: trains,
            pulsesDelivered: given?.pulsesDelivered ?? trains * pulsesPerTrain, coil: given?.coil ?? rx.coil,
            target: given?.target ?? rx.target, notes: given?.notes ?? "")
        try DeliveryRules.checkConsistency(delivery)
        return delivery
    }

    /// A call's overrides by rule; a rule the gate does not know is refused.
    static func overrides(_ given: [Clinic.Override]?) throws -> [GateRule: String] {
        var out: [GateRule: String] = [:]
        for (index, o) in (given ?? []).enumerated() {
            guard let rule = GateRule(rawValue: o.rule) else {
                throw ClinicError.invalidValue(
                    "overrides[\(index)].rule", "'\(o.rule)' is not a rule; the rules are \(GateRule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out[rule] = o.reason
        }
        return out
    }

    private func endShort(_ id: Int, _ shortfall: ClinicStore.Shortfall, _ call: Call) throws -> Clinic.Rebooked {
        let result = try store.endShort(id: id, shortfall, clinic: call.booking, today: call.today, audit: call.audit)
        let verb = if case .aborted = shortfall { "session aborted" } else { "session missed" }
        log("\(verb)", call, [
            "tmsd_course": "\(result.session.courseId)", "tmsd_session": "\(id)", "tmsd_replacement": "\(result.replacement.id)",
        ])
        return .init(
            session: Clinic.Session(result.session), replacement: Clinic.Session(result.replacement),
            progress: Clinic.Progress(result.progress), warnings: try authorizationWarnings(result.session.courseId, call))
    }
}
