import TMSCore
import TMSInterface
import TMSStore

// Payers' authorizations, the nightly report and the course summary.
extension ClinicHandler {
    func registerReports(_ table: inout MethodTable) {
        table.on(Clinic.AddAuthorization.self) { input, call in
            let authorization = try store.addAuthorization(
                courseId: input.courseId, payer: input.payer, reference: input.reference, sessions: input.sessions,
                from: input.from, to: input.to, audit: call.audit)
            log("authorization recorded", call, ["tmsd_course": "\(input.courseId)", "tmsd_authorization": "\(authorization.id)"])
            return try authorizationChange(input.courseId, call, authorization)
        }
        table.on(Clinic.ExtendAuthorization.self) { input, call in
            let authorization = try store.extendAuthorization(
                id: input.id, sessions: input.sessions, to: input.to, reason: input.reason, audit: call.audit)
            log("authorization extended", call, [
                "tmsd_course": "\(authorization.courseId)", "tmsd_authorization": "\(authorization.id)",
            ])
            return try authorizationChange(authorization.courseId, call, authorization)
        }
        table.on(Clinic.ListAuthorizations.self) { input, call in
            let (authorizations, use) = try store.authorizationUse(input.courseId, warnPercent: call.configuration.authorizationWarningPercent)
            return .init(authorizations: authorizations.map(Clinic.Authorization.init), use: Clinic.AuthorizationUse(use), warnings: use.warnings)
        }
        table.on(Clinic.GetDailyReport.self) { input, call in
            var report = try DailyReport(store: store, config: call.configuration).build(on: input.date ?? call.today)
            report.auditHead = try store.chainHead().map(Clinic.AuditHead.init)
            return report
        }
        table.on(Clinic.GetCourseSummary.self) { input, call in try courseSummary(input.id, call.configuration) }
    }

    /// The authorization just changed as it now stands, and its course's use and warnings.
    private func authorizationChange(_ courseId: Int, _ call: Call, _ changed: Authorization) throws -> Clinic.AuthorizationChange {
        let (authorizations, use) = try store.authorizationUse(courseId, warnPercent: call.configuration.authorizationWarningPercent)
        return .init(
            authorization: Clinic.Authorization(authorizations.first { $0.id == changed.id } ?? changed), use: Clinic.AuthorizationUse(use),
            warnings: use.warnings)
    }

    /// Everything about one course a referring physician or a payer asks for.
    private func courseSummary(_ id: Int, _ config: Configuration) throws -> Clinic.GetCourseSummary.Output {
        let facts = try store.courseFacts(id: id)
        let (course, patient) = (facts.course, facts.patient)
        let identifiers = config.courseSummaryIdentifiers ?? config.reportIdentifiers
        return .init(
            clinic: config.clinicName, patient: DailyReport.label(patient, identifiers: identifiers),
            birthDate: identifiers == "full" ? patient.birthDate : nil, mrn: identifiers == "initials" ? nil : patient.mrn,
            course: Clinic.Course(course), progress: Clinic.Progress(facts.progress),
            thresholds: facts.thresholds.map(Clinic.Threshold.init), sessions: facts.sessions.map(Clinic.Session.init),
            medications: facts.medications.map { Clinic.Medication($0, config.clinical.drugs) },
            trajectories: Clinic.Trajectory.all(facts.outcomes, config.clinical.scales),
            events: facts.events.map(Clinic.AdverseEvent.init), authorizations: facts.authorizations.map(Clinic.Authorization.init),
            use: Clinic.AuthorizationUse(AuthorizationUse.assess(
                facts.authorizations, bookings: facts.bookings, warnPercent: config.authorizationWarningPercent)),
            billing: config.clinical.billing.billed(facts.sessions, thresholds: facts.thresholds).map {
                Clinic.BilledSession(session: $0.session.id, date: $0.session.serviceDate ?? $0.session.date, cpt: $0.cpt)
            },
            findings: try store.findings(courseId: id).map(Clinic.Finding.init))
    }
}
