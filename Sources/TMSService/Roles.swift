#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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
