import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Tells the service manager how tmsd is doing (sd_notify).
///
/// Without `NOTIFY_SOCKET` in the environment (not started by systemd) every
/// call is a no-op, as sd_notify itself is.
public struct Notifier: Sendable {
    public init() {}

    /// Sends `state` ("READY=1", "STATUS=...", ...); returns whether it was delivered.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        // sd_notifyf is variadic and cannot be called from Swift; sd_notify takes the text.
        sd_notify(0, state) > 0
    }

    /// Ready to serve: migrations ran and the socket listens.
    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }

    /// Shutting down: in-flight calls finish, new connections are refused.
    public func stopping() { notify("STOPPING=1\nSTATUS=stopping") }

    public func status(_ text: String) { notify("STATUS=\(text)") }

    /// Reloading: systemd wants the monotonic time with it.
    public func reloading() {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())\nSTATUS=reloading configuration")
    }

    /// Alive: sent only after the event loop and the database answered.
    public func watchdog() { notify("WATCHDOG=1") }

    /// How often to send WATCHDOG=1: half of `WATCHDOG_USEC`, or nil when
    /// systemd does not watch this process.
    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec / 2))
    }

    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
