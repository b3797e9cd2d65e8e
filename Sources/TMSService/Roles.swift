#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TMSStore

/// Unix users and their groups, for roles: the peer's uid from SO_PEERCRED,
/// its name, and every group it belongs to (getgrouplist).
///
/// Both are cached, since every call's audit entry carries a name and every
/// write's role check the groups, but only as long as the files they were
/// read from are unchanged (/etc/passwd for a name; it and /etc/group for the
/// groups: device, inode, size and change time) and for at most `maximumAge`
/// seconds (for accounts from other NSS sources). A uid freed by userdel and
/// given to a new user is written under the new user's name, and a user taken
/// out of a role's group loses the role at the next call.
final class UserDirectory: Sendable, CustomStringConvertible {
    var description: String { "UserDirectory" }

    private let names: UIDCache<String>
    private let memberships: UIDCache<Set<String>>

    init(passwd: String = "/etc/passwd", group: String = "/etc/group", maximumAge: Int = 60) {
        names = UIDCache(files: [passwd], maximumAge: maximumAge)
        memberships = UIDCache(files: [passwd, group], maximumAge: maximumAge)
    }

    func name(of uid: UInt32) -> String {
        names.value(for: uid) { Self.account($0)?.name ?? "uid:\($0)" }
    }

    /// The names of every group `uid` belongs to, primary included.
    func groups(of uid: UInt32) -> Set<String> {
        memberships.value(for: uid) { uid in
            guard let (name, gid) = Self.account(uid) else { return [] }
            var count: Int32 = 64
            var ids = [gid_t](repeating: 0, count: Int(count))
            while getgrouplist(name, gid, &ids, &count) < 0 {
                ids = [gid_t](repeating: 0, count: Int(count) * 2)
                count = Int32(ids.count)
            }
            return Set(ids.prefix(Int(count)).compactMap(Self.groupName))
        }
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

/// Values per uid, kept while `files` are the files they were read from and
/// for at most `maximumAge` seconds; emptied when either stops being so.
final class UIDCache<Value: Sendable>: Sendable {
    private struct State {
        var files: [FileVersion?] = []
        var filled = timespec()
        var values: [UInt32: Value] = [:]
    }

    private let state = Mutex(State())
    private let files: [String]
    private let maximumAge: Int

    init(files: [String], maximumAge: Int) {
        self.files = files
        self.maximumAge = maximumAge
    }

    func value(for uid: UInt32, reading read: (UInt32) -> Value) -> Value {
        let versions = files.map { FileVersion($0) }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let known: Value? = state.withLock { state in
            if state.files != versions || now.tv_sec - state.filled.tv_sec >= maximumAge {
                state = State(files: versions, filled: now)
            }
            return state.values[uid]
        }
        if let known { return known }
        let value = read(uid)
        state.withLock { state in
            if state.files == versions { state.values[uid] = value }
        }
        return value
    }
}
