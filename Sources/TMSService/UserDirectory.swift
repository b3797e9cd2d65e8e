#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Maps uids to user names (getpwuid_r), remembering what it found.
final class UserDirectory: Sendable {
    private let cache = Mutex<[UInt32: String]>([:])

    func name(of uid: UInt32) -> String {
        if let known = cache.withLock({ $0[uid] }) { return known }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        let name = status == 0 && result != nil ? String(cString: entry.pw_name) : "uid:\(uid)"
        cache.withLock { $0[uid] = name }
        return name
    }
}
