#if canImport(Glibc)
import Glibc
#endif

/// A file of patient data a command writes: new (never over an existing
/// one, nor through a symbolic link), readable by its owner alone.
enum PrivateFile {
    static func create(_ text: String, at path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw fail("\(path): \(String(cString: strerror(errno))).", status: Status.cantCreate) }
        defer { close(fd) }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw fail("\(path): \(String(cString: strerror(errno))).", status: Status.cantCreate) }
            bytes = bytes.dropFirst(n)
        }
    }
}
