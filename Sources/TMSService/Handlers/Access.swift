import TMSCore
import TMSInterface
import TMSStore

// Who is calling, and the audit trail.
extension ClinicHandler {
    func registerAccess(_ table: inout MethodTable) {
        table.on(Clinic.WhoAmI.self) { _, call in
            let config = call.configuration
            let groups = users.groups(of: UInt32(call.audit.uid))
            return .init(
                user: call.audit.user, uid: call.audit.uid, groups: groups.sorted(), roles: config.roles(of: groups).sorted(),
                required: Dictionary(uniqueKeysWithValues: Clinic.methods.compactMap { m in m.role.map { (m.name, $0) } }),
                roleGroups: Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0.rawValue, (config.roleGroups[$0] ?? []).sorted()) }))
        }
        table.on(Clinic.ListAudit.self) { input, _ in
            .init(entries: try store.audit(courseId: input.courseId, limit: input.limit ?? 100).map(Clinic.AuditEntry.init))
        }
        table.on(Clinic.VerifyAudit.self) { input, _ in
            var anchor: ChainHead?
            if let text = input.anchor {
                guard let head = ChainHead(text) else {
                    throw ClinicError.invalidValue("anchor", "is not SEQ:HASH (a sequence number, a colon, 64 lowercase hex digits)")
                }
                anchor = head
            }
            let result = try store.verifyChain(anchor: anchor)
            let records = input.records == true ? try store.verifyRecords() : nil
            return .init(
                entries: result.entries, head: result.intactThrough.map(Clinic.AuditHead.init),
                broken: result.broken.map { .init(sequence: $0.sequence, reason: $0.reason) }, recordsChecked: records?.checked,
                recordDiffers: records?.differing.map { .init(table: $0.table, id: $0.id, sequence: $0.sequence) })
        }
    }
}
