#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import TMSStore

/// Unix users and their groups, for roles: the peer's uid from SO_PEERCRED,
/// its name, and every group it belongs to (getgrouplist).
///
/// Names are cached, since every call's audit entry carries one, but only as
/// long as /etc/passwd is the file they were read from (its device, inode,
/// size and change time) and for at most `maximumAge` seconds (for accounts
/// from other NSS sources): a uid freed by userdel and given to a new user is
/// written under the new user's name, not the old one's.
final class UserDirectory: Sendable, CustomStringConvertible {
    var description: String { "UserDirectory" }
    private struct Cache {
        var file: FileVersion?
        var filled: timespec = timespec()
        var names: [UInt32: String] = [:]
    }

    private let cache = Mutex(Cache())
    private let passwdPath: String
    private let maximumAge: Int

    init(passwd: String = "/etc/passwd", maximumAge: Int = 60) {
        self.passwdPath = passwd
        self.maximumAge = maximumAge
    }

    func name(of uid: UInt32) -> String {
        let file = FileVersion(passwdPath)
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let known: String? = cache.withLock { cache in
            if cache.file != file || now.tv_sec - cache.filled.tv_sec >= maximumAge {
                cache = Cache(file: file, filled: now)
            }
            return cache.names[uid]
        }
        if let known { return known }
        let name = Self.account(uid)?.name ?? "uid:\(uid)"
        cache.withLock { cache in
            if cache.file == file { cache.names[uid] = name }
        }
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
