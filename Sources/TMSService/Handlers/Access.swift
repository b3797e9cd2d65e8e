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
    }
}
