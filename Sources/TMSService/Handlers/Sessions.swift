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
        table.on(Clinic.GetSession.self) { input, _ in .init(session: Clinic.Session(try store.session(id: input.id))) }
        table.on(Clinic.StartSession.self) { input, call in
            let session = try store.startSession(id: input.id, audit: call.audit)
            log("session started", call, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)"])
            return .init(session: Clinic.Session(session))
        }
        table.on(Clinic.CompleteSession.self) { input, call in try completeSession(input, call) }
        table.on(Clinic.AbortSession.self) { input, call in
            try endShort(input.id, .aborted(pulsesDelivered: input.pulsesDelivered, reason: input.reason), call)
        }
        table.on(Clinic.MissSession.self) { input, call in try endShort(input.id, .missed(reason: input.reason), call) }
    }

    private func completeSession(_ input: Clinic.CompleteSession.Input, _ call: Call) throws -> Clinic.CompleteSession.Output {
        let d = input.delivery
        let delivery = Delivery(
            motorThreshold: d.motorThreshold, intensityPercentMT: d.intensityPercentMT, frequencyHz: d.frequencyHz,
            pulsesPerTrain: d.pulsesPerTrain, trainDurationSeconds: d.trainDurationSeconds,
            interTrainIntervalSeconds: d.interTrainIntervalSeconds, trains: d.trains, pulsesDelivered: d.pulsesDelivered,
            coil: d.coil, target: d.target, notes: d.notes ?? "")
        if let override = input.override {
            // Overriding a safety rule is a clinician's decision, with a reason.
            guard call.roles.contains(.clinician) else {
                throw ClinicHandler.Refusal(.permissionDenied, "overriding an MT re-check needs the clinician role")
            }
            if override.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ClinicError.invalidValue("override", "must give the reason")
            }
        }
        let clinical = call.clinical
        let doseWarning = TrainLimit.check(
            clinical.trainLimits, coil: delivery.coil, frequencyHz: delivery.frequencyHz,
            percentMT: delivery.intensityPercentMT, trainSeconds: delivery.trainDurationSeconds)
        let (session, progress) = try store.completeSession(
            id: input.id, delivery: delivery, recheck: clinical.recheck, holdKinds: clinical.holdKinds,
            recheckDrugs: clinical.recheckDrugs, doseWarning: doseWarning, override: input.override, audit: call.audit)
        log("session completed", call, [
            "tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)", "tmsd_pulses": "\(delivery.pulsesDelivered)",
        ])
        return .init(session: Clinic.Session(session), progress: Clinic.Progress(progress))
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
