import CSystemd

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
}
