#if canImport(Glibc)
import Glibc
#endif

import ArgumentParser

/// Files a command reads and writes.
enum LocalFile {
    /// A file of patient data a command writes: new (never over an existing
    /// one, nor through a symbolic link), readable by its owner alone.
    static func createPrivate(_ text: String, at path: String) throws {
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

    /// A file's text (standard input's for `-`): at most `limit` bytes of
    /// UTF-8. A refusal names the file as `option PATH`.
    static func read(_ path: String, limit: Int, option: String) throws -> String {
        let fd = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ValidationError("\(option)\(path): \(String(cString: strerror(errno))).") }
        defer { if fd != STDIN_FILENO { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw ValidationError("\(option)\(path): \(String(cString: strerror(errno))).") }
            if n == 0 { break }
            bytes += chunk.prefix(n)
            guard bytes.count <= limit else { throw ValidationError("\(option)\(path): longer than \(limit) bytes.") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ValidationError("\(option)\(path): not UTF-8 text.") }
        return text
    }
}
