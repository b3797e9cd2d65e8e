public import Logging
public import Systemd

#if canImport(Glibc)
import Glibc
#endif

/// Readable lines on standard error, for a terminal or a log file:
/// `2026-12-02T14:00:03Z info session completed tmsd_course=4 tmsd_session=17`.
public struct ConsoleLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level {
        get { level.current }
        set { level.current = newValue }
    }
    private let label: String
    private let level: LogLevelBox

    public init(label: String, level: LogLevelBox) {
        self.label = label
        self.level = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = event.mergedMetadata(metadata, metadataProvider)
        var line = "\(Self.timestamp()) \(event.level) \(event.message)"
        for key in all.keys.sorted() { line += " \(key)=\(all[key]!)" }
        line += "\n"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static func timestamp() -> String {
        var t = time(nil)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
