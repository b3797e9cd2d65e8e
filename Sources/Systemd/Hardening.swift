import CSystemd

public enum Hardening {
    /// Makes this process undumpable: the kernel writes no core file of it,
    /// and no process of the same user may ptrace it or read its memory.
    /// Returns false if the kernel refused.
    @discardableResult
    public static func makeUndumpable() -> Bool { tmsd_set_undumpable() == 0 }
}

extension Hardening {
    /// The size in bytes of `path`'s POSIX access ACL (0: it has none).
    public static func accessACLSize(_ path: String) -> Int {
        max(0, getxattr(path, "system.posix_acl_access", nil, 0))
    }
}
