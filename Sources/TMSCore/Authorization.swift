#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A payer's prior authorization for a course: how many sessions, between
/// which dates, under which reference; extensions add sessions and may move
/// the end date. `sessions` and `to` include every extension.
public struct Authorization: Sendable, Hashable {
    public var id: Int
    public var courseId: Int
    public var payer: String
    public var reference: String
    public var sessions: Int
    public var from: CivilDate
    public var to: CivilDate
    public var recordedBy: String
    public var extensions: [Extension]

    public struct Extension: Sendable, Hashable {
        public var sessions: Int
        public var to: CivilDate?
        public var reason: String
        public var recordedBy: String
        public var at: Date

        public init(sessions: Int, to: CivilDate?, reason: String, recordedBy: String, at: Date) {
            self.sessions = sessions
            self.to = to
            self.reason = reason
            self.recordedBy = recordedBy
            self.at = at
        }
    }

    public init(
        id: Int, courseId: Int, payer: String, reference: String, sessions: Int, from: CivilDate, to: CivilDate,
        recordedBy: String, extensions: [Extension]
    ) {
        self.id = id
        self.courseId = courseId
        self.payer = payer
        self.reference = reference
        self.sessions = sessions
        self.from = from
        self.to = to
        self.recordedBy = recordedBy
        self.extensions = extensions
    }

    public func covers(_ date: CivilDate) -> Bool { date >= from && date <= to }
}

/// How a course stands against its authorizations: sessions used (delivered)
/// and booked against those authorized, the last day covered, and what the
/// clinic should hear about it.
public struct AuthorizationUse: Sendable, Hashable {
    public var authorized: Int
    public var used: Int
    /// Delivered plus still to come: what the course will use if it runs as booked.
    public var booked: Int
    public var expires: CivilDate?
    /// Booking past the count or the dates, said one line each.
    public var warnings: [String]
    /// `used` has reached the warning share of `authorized`.
    public var nearlyUsed: Bool

    /// A session as the check needs it: its number in the course, its day, its state.
    public struct Booking: Sendable, Hashable {
        public var number: Int
        public var date: CivilDate
        public var status: SessionStatus

        public init(number: Int, date: CivilDate, status: SessionStatus) {
            self.number = number
            self.date = date
            self.status = status
        }
    }

    /// Weighs `bookings` against `authorizations`; `warnPercent` is the share
    /// of the authorized sessions used that earns a warning. A course with no
    /// authorization gets no warnings: the clinic may not need one for it.
    public static func assess(
        _ authorizations: [Authorization], bookings: [Booking], warnPercent: Int
    ) -> AuthorizationUse {
        let used = bookings.count { $0.status == .completed }
        let booked = bookings.count { $0.status == .completed || $0.status.isOpen }
        guard !authorizations.isEmpty else {
            return AuthorizationUse(authorized: 0, used: used, booked: booked, expires: nil, warnings: [], nearlyUsed: false)
        }
        let authorized = authorizations.reduce(0) { $0 + $1.sessions }
        let expires = authorizations.map(\.to).max()
        var warnings: [String] = []
        if booked > authorized {
            warnings.append("\(booked) sessions booked, \(authorized) authorized: \(booked - authorized) beyond the authorization")
        }
        let uncovered = bookings.filter { b in
            (b.status.isOpen || b.status == .completed) && !authorizations.contains { $0.covers(b.date) }
        }.sorted { $0.date < $1.date }
        if let first = uncovered.first {
            let count = uncovered.count
            warnings.append(
                "\(count) session\(count == 1 ? "" : "s") booked outside the authorized dates "
                    + "(first: #\(first.number) on \(first.date); authorized "
                    + authorizations.map { "\($0.from) to \($0.to)" }.joined(separator: ", ") + ")")
        }
        let nearlyUsed = used * 100 >= warnPercent * authorized
        return AuthorizationUse(
            authorized: authorized, used: used, booked: booked, expires: expires, warnings: warnings, nearlyUsed: nearlyUsed)
    }
}
