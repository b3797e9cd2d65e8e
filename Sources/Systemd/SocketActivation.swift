import CSystemd

/// Sockets passed by systemd (`LISTEN_FDS`), as sd_listen_fds reads them.
public enum SocketActivation {
    /// The first passed file descriptor (3), or nil when tmsd was not
    /// socket-activated. Unsets the environment variables, so children do not
    /// inherit them. Fails when systemd passed more than one socket.
    public static func listeningSocket() throws(ActivationError) -> CInt? {
        let count = sd_listen_fds(1)
        if count < 0 { throw ActivationError(description: "sd_listen_fds failed: errno \(-count)") }
        if count == 0 { return nil }
        if count > 1 { throw ActivationError(description: "systemd passed \(count) sockets; tmsd listens on exactly one") }
        let fd = SD_LISTEN_FDS_START
        guard sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            throw ActivationError(description: "the socket systemd passed is not a listening Unix stream socket")
        }
        return fd
    }

    public struct ActivationError: Error, CustomStringConvertible {
        public let description: String
    }
}
