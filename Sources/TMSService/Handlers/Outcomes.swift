import TMSCore
import TMSInterface
import TMSStore

// Outcome scales, scores and the alerts they raise.
extension ClinicHandler {
    func registerOutcomes(_ table: inout MethodTable) {
        table.on(Clinic.ListScales.self) { _, call in
            .init(scales: call.clinical.scales.values.sorted { $0.id < $1.id }.map(Clinic.Scale.init))
        }
        table.on(Clinic.RecordOutcome.self) { input, call in
            let scale = try call.clinical.scale(input.scale)
            let (outcome, alert) = try store.recordOutcome(
                courseId: input.courseId, scale: scale, timepoint: input.timepoint, date: input.date ?? call.today, total: input.total,
                items: input.items, audit: call.audit)
            log("outcome recorded", call, ["tmsd_course": "\(outcome.courseId)", "tmsd_scale": "\(scale.id)"])
            if let alert {
                logger.warning("alert raised", metadata: [
                    "tmsd_alert": "\(alert.id)", "tmsd_course": "\(alert.courseId)", "tmsd_alert_kind": "\(alert.kind)",
                ])
            }
            return .init(outcome: Clinic.Outcome(outcome), alert: alert.map(Clinic.Alert.init))
        }
        table.on(Clinic.GetOutcomes.self) { input, call in
            .init(trajectories: Clinic.Trajectory.all(try store.outcomes(courseId: input.courseId), call.clinical.scales))
        }
        table.on(Clinic.ListAlerts.self) { input, _ in
            .init(alerts: try store.alerts(includeAcknowledged: input.all ?? false).map(Clinic.Alert.init))
        }
        table.on(Clinic.AcknowledgeAlert.self) { input, call in
            let alert = try store.acknowledgeAlert(id: input.id, note: input.note, audit: call.audit)
            log("alert acknowledged", call, ["tmsd_alert": "\(alert.id)", "tmsd_course": "\(alert.courseId)"])
            return .init(alert: Clinic.Alert(alert))
        }
    }
}
