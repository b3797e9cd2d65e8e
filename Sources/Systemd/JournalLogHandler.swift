import CSystemd
public import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes structured entries to the systemd journal
/// through `sd_journal_sendv`: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER,
/// CODE_FILE/CODE_LINE/CODE_FUNC, and every metadata key as a field of its
/// own (`tmsd_course` becomes `TMSD_COURSE`).
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level {
        get { level.current }
        set { level.current = newValue }
    }
    private let identifier: String
    private let level: LogLevelBox

    /// - Parameter level: shared with the daemon, so a reload can change it.
    public init(identifier: String, level: LogLevelBox) {
        self.identifier = identifier
        self.level = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String] = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in event.mergedMetadata(metadata, metadataProvider) {
            guard let name = Self.fieldName(key) else { continue }
            fields.append("\(name)=\(value)")
        }
        Self.send(fields)
    }

    /// Sends one entry of `NAME=value` fields. Values may hold any bytes,
    /// newlines included: each field is one iovec with its length.
    public static func send(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var iovecs: [iovec] = []
        iovecs.reserveCapacity(buffers.count)
        func build(_ index: Int) {
            if index == buffers.count {
                _ = sd_journal_sendv(iovecs, Int32(iovecs.count))
                return
            }
            buffers[index].withUnsafeBytes { bytes in
                iovecs.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count))
                build(index + 1)
            }
        }
        build(0)
    }

    /// syslog priorities: 7 debug, 6 info, 5 notice, 4 warning, 3 err, 2 crit.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A journal field name: upper case `[A-Z0-9_]`, not starting with `_` or
    /// a digit (journald drops those silently), at most 64 characters.
    public static func fieldName(_ key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        while name.hasPrefix("_") { name.removeFirst() }
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "F" + name }
        guard !name.isEmpty else { return nil }
        return String(name.prefix(64))
    }

    /// Whether standard error is connected to the journal (systemd sets
    /// `JOURNAL_STREAM` to the device and inode of the stream it connected).
    public static var stderrIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}

extension LogEvent {
    /// The handler's metadata, then its provider's, then the event's own:
    /// later ones win, as swift-log specifies.
    public func mergedMetadata(_ handler: Logger.Metadata, _ provider: Logger.MetadataProvider?) -> Logger.Metadata {
        var all = handler
        if let provided = provider?.get() { all.merge(provided) { $1 } }
        if let own = metadata { all.merge(own) { $1 } }
        return all
    }
}

/// The log level, shared by every handler and changed by a reload.
public final class LogLevelBox: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var value: Logger.Level

    public init(_ level: Logger.Level) {
        value = level
        pthread_mutex_init(&lock, nil)
    }

    public var current: Logger.Level {
        get {
            pthread_mutex_lock(&lock)
            defer { pthread_mutex_unlock(&lock) }
            return value
        }
        set {
            pthread_mutex_lock(&lock)
            value = newValue
            pthread_mutex_unlock(&lock)
        }
    }
}
