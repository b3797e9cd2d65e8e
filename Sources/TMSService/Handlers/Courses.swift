import TMSCore
import TMSInterface
import TMSStore

// Courses: prescribing, following, pausing and ending them.
extension ClinicHandler {
    func registerCourses(_ table: inout MethodTable) {
        table.on(Clinic.CreateCourse.self) { input, call in try createCourse(input, call) }
        table.on(Clinic.GetCourse.self) { input, _ in try courseCalendar(input.id) }
        table.on(Clinic.ListCourses.self) { input, _ in
            .init(courses: try store.courses(patientId: input.patientId, status: input.status).map(Clinic.Course.init))
        }
        table.on(Clinic.CancelCourse.self) { input, call in
            let course = try store.cancelCourse(id: input.id, reason: input.reason, audit: call.audit)
            log("course cancelled", call, ["tmsd_course": "\(course.id)"])
            return .init(course: Clinic.Course(course))
        }
        table.on(Clinic.PauseCourse.self) { input, call in
            let course = try store.pauseCourse(id: input.id, from: input.from, today: call.today, audit: call.audit)
            log("course paused", call, ["tmsd_course": "\(course.id)"])
            return .init(course: Clinic.Course(course), progress: Clinic.Progress(try store.progress(courseId: course.id)))
        }
        table.on(Clinic.ResumeCourse.self) { input, call in
            let course = try store.resumeCourse(id: input.id, on: input.on, clinic: call.booking, today: call.today, audit: call.audit)
            log("course resumed", call, ["tmsd_course": "\(course.id)"])
            let calendar = try courseCalendar(course.id)
            return .init(
                course: calendar.course, progress: calendar.progress, sessions: calendar.sessions,
                warnings: try authorizationWarnings(course.id, call))
        }
        table.on(Clinic.ChangePreferredTime.self) { input, call in
            let (course, moves) = try store.changePreferredTime(
                id: input.id, to: input.time, from: input.from, clinic: call.booking, today: call.today, audit: call.audit)
            log("preferred time changed", call, ["tmsd_course": "\(course.id)", "tmsd_moved": "\(moves.count)"])
            return .init(course: Clinic.Course(course), moved: moves.map(Clinic.Move.init), warnings: try authorizationWarnings(course.id, call))
        }
    }

    private func createCourse(_ input: Clinic.CreateCourse.Input, _ call: Call) throws -> Clinic.CourseCalendar {
        guard let treatment = ProtocolLibrary.find(input.protocolId) else { throw ClinicError.protocolNotFound(input.protocolId) }
        try input.target.validate()
        let config = call.configuration
        let new = NewCourse(
            patientId: input.patientId, treatment: treatment, startDate: input.startDate,
            sessionTime: input.sessionTime ?? config.sessionTime, prescriber: input.prescriber, target: input.target,
            dose: PrescribedDose(protocol: treatment, intensityPercentMT: input.intensityPercentMT))
        // The prescription through the gate (CreateCourse needs the clinician role, so its overrides are a clinician's).
        let accepted = try TreatmentGate.decide(
            call.gate.findings(.prescribe(new.dose, coil: treatment.coil), TreatmentFacts(
                course: 0, status: .active, prescription: .init(dose: new.dose, coil: treatment.coil, target: input.target.label,
                                                              sessionsPerDay: treatment.sessionsPerDay))),
            overrides: try Self.overrides(input.overrides), reason: input.override, clinician: call.roles.contains(.clinician))
        if config.resources.chairs(carrying: treatment.coil).isEmpty {
            throw ClinicError.invalidValue("protocolId", "no chair in this clinic carries the \(treatment.coil) coil it needs")
        }
        let course = try store.createCourse(
            new, clinic: call.booking, timeZone: config.timeZoneName, accepted: accepted, audit: call.audit)
        log("course prescribed", call, [
            "tmsd_course": "\(course.id)", "tmsd_protocol": "\(treatment.id)", "tmsd_sessions": "\(course.totalSessions)",
        ])
        return try courseCalendar(course.id)
    }

    /// A course, where it stands, its whole calendar and its findings, read together.
    func courseCalendar(_ id: Int) throws -> Clinic.CourseCalendar {
        let detail = try store.courseDetail(id: id)
        return .init(
            course: Clinic.Course(detail.course), progress: Clinic.Progress(detail.progress),
            sessions: detail.sessions.map(Clinic.Session.init), findings: detail.findings.map(Clinic.Finding.init))
    }

    /// Sessions booked past what the course's authorizations allow, after a
    /// booking change; each warning is logged with the course's id.
    func authorizationWarnings(_ courseId: Int, _ call: Call) throws -> [String] {
        try store.authorizationWarnings(courseId, warnPercent: call.configuration.authorizationWarningPercent, call.audit.method, logger)
    }
}
