import TMSCore
import TMSStore

extension BillingRules {
    /// A course's delivered sessions in the order they were given (by when
    /// each started, then by id), each with the CPT code it bills: what the
    /// course summary lists and what the FHIR export's Procedures carry.
    func billed(_ sessions: [SessionRecord], thresholds: [ThresholdRecord]) -> [(session: SessionRecord, cpt: String)] {
        let delivered = sessions.filter { $0.status == .completed }
            .sorted { ($0.startedAt ?? $0.scheduledAt, $0.id) < ($1.startedAt ?? $1.scheduledAt, $1.id) }
        // Each billed on its date of service, the day it was given.
        let codes = codes(delivered: delivered.map { ($0.id, $0.serviceDate ?? $0.date) }, measured: Set(thresholds.map(\.date)))
        return delivered.map { ($0, codes[$0.id] ?? "") }
    }
}
