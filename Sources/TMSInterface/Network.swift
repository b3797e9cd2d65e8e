import TMSCore

// The site in a network of clinics: its change log shipped to the central server.

extension Clinic {
    public enum GetNetworkStatus: ClinicMethod {
        public typealias Input = Nothing
        public struct Output: Codable, Sendable {
            /// The site's id; nil when [network] sets none (then nothing is shipped).
            public var site: String?
            /// The local change log's newest entry.
            public var head: AuditHead?
            /// The newest entry the central server holds of this site's.
            public var shipped: AuditHead?
            /// Entries not yet shipped.
            public var lag: Int
            /// Instants, `YYYY-MM-DDTHH:MM:SSZ`.
            public var lastShippedAt: String?
            public var lastError: String?
            public var lastErrorAt: String?
            /// The central server refused this site's history: nothing more is shipped.
            public var refused: Bool
            public init(
                site: String?, head: AuditHead?, shipped: AuditHead?, lag: Int, lastShippedAt: String?, lastError: String?,
                lastErrorAt: String?, refused: Bool
            ) {
                self.site = site
                self.head = head
                self.shipped = shipped
                self.lag = lag
                self.lastShippedAt = lastShippedAt
                self.lastError = lastError
                self.lastErrorAt = lastErrorAt
                self.refused = refused
            }
        }
    }
}
