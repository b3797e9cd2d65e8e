#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// What a caller may do. Reading needs no role (reaching the socket is
/// already limited to the staff group); recording the day's work needs the
/// operator role; prescribing, changing a course and acknowledging alerts
/// need the clinician role, which includes the operator's.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case operator_ = "operator"
    case clinician

    public static func < (a: Role, b: Role) -> Bool { a == .operator_ && b == .clinician }

    /// The role each changing method needs; methods not named only read.
    public static let required: [String: Role] = [
        "AddPatient": .operator_, "StartSession": .operator_, "CompleteSession": .operator_, "AbortSession": .operator_,
        "MissSession": .operator_, "PostponeSession": .operator_, "RescheduleSession": .operator_,
        "RecordOutcome": .operator_, "SetChairOutOfService": .operator_, "ChangePreferredTime": .operator_,
        "CreateCourse": .clinician, "CancelCourse": .clinician, "PauseCourse": .clinician, "ResumeCourse": .clinician,
        "AcknowledgeAlert": .clinician, "RecordThreshold": .operator_, "RecordAdverseEvent": .operator_,
        "ResumeHeldCourse": .clinician, "RecordScreen": .operator_, "SignOffScreen": .clinician,
        "StartMedication": .operator_, "RecordTrial": .operator_, "ChangeMedicationDose": .operator_, "StopMedication": .operator_,
        "AddAuthorization": .operator_, "ExtendAuthorization": .operator_, "ReturnChairToService": .operator_,
    ]
}

/// Unix users and their groups, for roles: the peer's uid from SO_PEERCRED,
/// its name, and every group it belongs to (getgrouplist).
final class UserDirectory: Sendable {
    private let names = Mutex<[UInt32: String]>([:])

    func name(of uid: UInt32) -> String {
        if let known = names.withLock({ $0[uid] }) { return known }
        let name = Self.account(uid)?.name ?? "uid:\(uid)"
        names.withLock { $0[uid] = name }
        return name
    }

    /// The names of every group `uid` belongs to, primary included. Read on
    /// each call, so a change to /etc/group takes effect without a restart.
    func groups(of uid: UInt32) -> Set<String> {
        guard let (name, gid) = Self.account(uid) else { return [] }
        var count: Int32 = 64
        var ids = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &ids, &count) < 0 {
            ids = [gid_t](repeating: 0, count: Int(count) * 2)
            count = Int32(ids.count)
        }
        return Set(ids.prefix(Int(count)).compactMap(Self.groupName))
    }

    private static func account(_ uid: UInt32) -> (name: String, gid: gid_t)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return (String(cString: entry.pw_name), entry.pw_gid)
    }

    private static func groupName(_ gid: gid_t) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.gr_name)
    }
}
