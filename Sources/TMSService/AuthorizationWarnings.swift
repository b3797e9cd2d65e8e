import Logging
import TMSCore
import TMSStore

extension ClinicStore {
    /// A course's authorizations and how its bookings stand against them.
    func authorizationUse(_ courseId: Int, warnPercent: Int) throws -> ([Authorization], AuthorizationUse) {
        let (authorizations, bookings) = try authorizationStanding(courseId: courseId)
        return (authorizations, AuthorizationUse.assess(authorizations, bookings: bookings, warnPercent: warnPercent))
    }

    /// A course's bookings past what its authorizations allow, after a change
    /// moved them; each warning is logged with the course's id, never the patient.
    func authorizationWarnings(_ courseId: Int, warnPercent: Int, _ method: String, _ logger: Logger) throws -> [String] {
        let (_, use) = try authorizationUse(courseId, warnPercent: warnPercent)
        if !use.warnings.isEmpty {
            logger.notice("booked beyond the authorization", metadata: [
                "tmsd_method": "\(method)", "tmsd_course": "\(courseId)",
                "tmsd_booked": "\(use.booked)", "tmsd_authorized": "\(use.authorized)",
            ])
        }
        return use.warnings
    }
}
