public import Foundation
import GRDB
public import Logging
public import TMSCore
public import TMSStore
public import Varlink
import Synchronization

/// The `io.tmsd.Clinic` interface: each method reads its parameters, applies
/// the clinic's rules through the store, and answers with the IDL's types.
public struct ClinicService: VarlinkHandler {
    public static let interfaceName = "io.tmsd.Clinic"

    /// The interface definition, served verbatim by GetInterfaceDescription.
    public static let interface: VarlinkInterface = {
        let text = String(decoding: PackageResources.io_tmsd_Clinic_varlink, as: UTF8.self)
        do {
            return try VarlinkInterface(description: text)
        } catch {
            fatalError("io.tmsd.Clinic.varlink does not parse: \(error)")  // a build defect; tests catch it
        }
    }()

    public let store: ClinicStore
    public let settings: Settings
    public let logger: Logger
    public let now: @Sendable () -> Date
    private let users = UserDirectory()

    /// What a reload may change while the daemon runs: the configuration and
    /// the clinic calendar built from it (once, not per call).
    public final class Settings: Sendable {
        private let current: Mutex<(Configuration, ClinicCalendar)>
        public init(_ configuration: Configuration) { current = Mutex((configuration, configuration.calendar)) }
        public var configuration: Configuration { current.withLock { $0.0 } }
        public var calendar: ClinicCalendar { current.withLock { $0.1 } }
        public func replace(_ configuration: Configuration) { current.withLock { $0 = (configuration, configuration.calendar) } }
    }

    public init(store: ClinicStore, settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    /// The methods that write: each waits for its commit to reach the disk.
    static let writes: Set<String> = [
        "AddPatient", "CreateCourse", "CancelCourse", "StartSession", "CompleteSession", "AbortSession", "MissSession",
        "RescheduleSession", "PostponeSession", "RecordOutcome", "AcknowledgeAlert", "RecordThreshold", "RecordAdverseEvent", "ResumeHeldCourse", "RecordScreen", "SignOffScreen", "StartMedication", "ChangeMedicationDose", "StopMedication", "RecordTrial", "PauseCourse", "ResumeCourse", "ChangePreferredTime", "SetChairOutOfService",
        "AddAuthorization", "ExtendAuthorization", "ReturnChairToService",
    ]

    public func mayBlock(_ method: VarlinkMethod) -> Bool { Self.writes.contains(method.name) }

    public func handle(_ call: VarlinkCall, method: VarlinkMethod, peer: PeerCredentials) throws -> [String: JSON] {
        let p = Parameters(call.parameters)
        let audit = AuditContext(
            uid: Int(peer.uid), user: users.name(of: peer.uid), pid: Int(peer.pid), method: call.method, at: now())
        if let needed = Role.required[String(call.member)],
           !settings.configuration.roles(of: users.groups(of: peer.uid)).contains(needed) {
            logger.notice("permission denied", metadata: [
                "tmsd_method": "\(call.method)", "tmsd_operator": "\(audit.user)", "tmsd_role_needed": "\(needed.rawValue)",
            ])
            do {
                try store.auditRefusal(audit, summary: "refused: \(call.member) needs the \(needed.rawValue) role")
            } catch {
                logger.error("could not audit a refused call", metadata: ["tmsd_error": "\(error)"])
            }
            throw VarlinkError.permissionDenied
        }
        do {
            return try respond(to: String(call.member), p, audit, call)
        } catch let error as ClinicError {
            logger.notice("refused", metadata: ["tmsd_method": "\(call.method)", "tmsd_operator": "\(audit.user)", "tmsd_error": "\(error.code.rawValue)"])
            throw Encode.error(error)
        } catch let error as VarlinkError {
            throw error
        } catch let error as DatabaseError {
            // GRDB's description names the statement, never its arguments.
            logger.error("database failure", metadata: ["tmsd_method": "\(call.method)", "tmsd_sqlite_code": "\(error.resultCode.rawValue)", "tmsd_error": "\(error.message ?? "")"])
            throw VarlinkError(
                "\(Self.interfaceName).StorageFailure", ["message": .string("The database failed (\(error.resultCode)); nothing was changed.")])
        } catch {
            logger.error("unexpected failure", metadata: ["tmsd_method": "\(call.method)", "tmsd_error": "\(String(describing: type(of: error)))"])
            throw VarlinkError("\(Self.interfaceName).StorageFailure", ["message": .string("Internal failure; nothing was changed.")])
        }
    }

    private func respond(to member: String, _ p: Parameters, _ audit: AuditContext, _ call: VarlinkCall) throws -> [String: JSON] {
        let config = settings.configuration
        let calendar = settings.calendar
        switch member {
        case "AddPatient":
            let mrn = try p.text("mrn", max: 64)
            let new = NewPatient(
                mrn: mrn, familyName: try p.text("familyName"), givenName: try p.text("givenName"),
                birthDate: try p.date("birthDate"))
            let today = calendar.date(at: audit.at)
            if new.birthDate > today { throw ClinicError.invalidValue("birthDate", "is in the future") }
            if new.birthDate.year < 1900 { throw ClinicError.invalidValue("birthDate", "is before 1900") }
            let patient = try store.addPatient(new, audit: audit)
            log("patient registered", audit, ["tmsd_patient": "\(patient.id)"])
            return ["patient": Encode.patient(patient)]

        case "ListPatients":
            return ["patients": .array(try store.patients().map(Encode.patient))]

        case "GetPatient":
            let id = try p.int("id")
            let patient = try store.patient(id: id)
            return ["patient": Encode.patient(patient), "courses": .array(try store.courses(patientId: id).map(Encode.course))]

        case "ListProtocols":
            return ["protocols": .array(ProtocolLibrary.builtIn.map(Encode.treatmentProtocol))]

        case "GetProtocol":
            let id = try p.string("id")
            guard let found = ProtocolLibrary.find(id) else { throw ClinicError.protocolNotFound(id) }
            return ["protocol": Encode.treatmentProtocol(found)]

        case "CreateCourse":
            return try createCourse(p, audit, config, calendar)

        case "GetCourse":
            let (course, progress, sessions) = try store.courseDetail(id: try p.int("id"))
            return [
                "course": Encode.course(course), "progress": Encode.progress(progress),
                "sessions": .array(sessions.map(Encode.session)),
            ]

        case "ListCourses":
            var status: CourseStatus?
            if let raw = try p.optionalString("status") {
                guard let parsed = CourseStatus(rawValue: raw) else {
                    throw ClinicError.invalidValue("status", "'\(raw)' is not one of active, paused, completed, cancelled")
                }
                status = parsed
            }
            return ["courses": .array(try store.courses(patientId: try p.optionalInt("patientId"), status: status).map(Encode.course))]

        case "CancelCourse":
            let course = try store.cancelCourse(id: try p.int("id"), reason: try p.text("reason", max: 500), audit: audit)
            log("course cancelled", audit, ["tmsd_course": "\(course.id)"])
            return ["course": Encode.course(course)]

        case "ListSessions":
            let date: CivilDate
            if try p.optionalString("date") != nil { date = try p.date("date") } else { date = calendar.date(at: audit.at) }
            let sessions = try store.sessions(on: date)
            return [
                "date": .string(date.description),
                "sessions": .array(sessions.map { s in
                    ["session": Encode.session(s.session), "patientName": .string(s.patientName), "protocolId": .string(s.protocolId)]
                }),
            ]

        case "GetSession":
            return ["session": Encode.session(try store.session(id: try p.int("id")))]

        case "StartSession":
            let session = try store.startSession(id: try p.int("id"), audit: audit)
            log("session started", audit, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)"])
            return ["session": Encode.session(session)]

        case "CompleteSession":
            let id = try p.int("id")
            let d = try p.object("delivery")
            let delivery = Delivery(
                motorThreshold: try d.double("motorThreshold"), intensityPercentMT: try d.double("intensityPercentMT"),
                frequencyHz: try d.double("frequencyHz"), pulsesPerTrain: try d.int("pulsesPerTrain"),
                trainDurationSeconds: try d.double("trainDurationSeconds"),
                interTrainIntervalSeconds: try d.double("interTrainIntervalSeconds"), trains: try d.int("trains"),
                pulsesDelivered: try d.int("pulsesDelivered"), coil: try d.text("coil", max: 100),
                target: try d.text("target", max: 200), notes: try d.optionalString("notes") ?? "")
            if delivery.notes.count > 2000 { throw ClinicError.invalidValue("notes", "must be at most 2000 characters") }
            let override = try p.optionalString("override")
            if let override {
                // Overriding a safety rule is a clinician's decision, with a reason.
                guard config.roles(of: users.groups(of: UInt32(audit.uid))).contains(.clinician) else {
                    try store.auditRefusal(audit, summary: "refused: overriding an MT re-check needs the clinician role")
                    throw VarlinkError.permissionDenied
                }
                if override.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw ClinicError.invalidValue("override", "must give the reason")
                }
            }
            let doseWarning = TrainLimit.check(
                config.clinical.trainLimits, coil: delivery.coil, frequencyHz: delivery.frequencyHz,
                percentMT: delivery.intensityPercentMT, trainSeconds: delivery.trainDurationSeconds)
            let (session, progress) = try store.completeSession(
                id: id, delivery: delivery, recheck: config.clinical.recheck, holdKinds: config.clinical.holdKinds,
                recheckDrugs: config.clinical.recheckDrugs, doseWarning: doseWarning, override: override, audit: audit)
            log("session completed", audit, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(id)", "tmsd_pulses": "\(delivery.pulsesDelivered)"])
            return ["session": Encode.session(session), "progress": Encode.progress(progress)]

        case "AbortSession", "MissSession":
            let id = try p.int("id")
            let shortfall: ClinicStore.Shortfall
            if member == "AbortSession" {
                shortfall = .aborted(pulsesDelivered: try p.int("pulsesDelivered"), reason: try p.text("reason", max: 500))
            } else {
                let reason = try p.optionalString("reason")
                if let reason, reason.count > 500 { throw ClinicError.invalidValue("reason", "must be at most 500 characters") }
                shortfall = .missed(reason: reason)
            }
            let result = try store.endShort(
                id: id, shortfall, clinic: BookingPolicy(calendar: calendar, resources: config.resources),
                today: calendar.date(at: audit.at), audit: audit)
            log(member == "AbortSession" ? "session aborted" : "session missed", audit, [
                "tmsd_course": "\(result.session.courseId)", "tmsd_session": "\(id)",
                "tmsd_replacement": "\(result.replacement.id)",
            ])
            return [
                "session": Encode.session(result.session), "replacement": Encode.session(result.replacement),
                "progress": Encode.progress(result.progress), "warnings": try authorizationWarnings(result.session.courseId, audit, config),
            ]

        case "GetDaySchedule":
            let date: CivilDate
            if try p.optionalString("date") != nil { date = try p.date("date") } else { date = calendar.date(at: audit.at) }
            let sessions = try store.sessions(on: date)
            let open = calendar.isClinicDay(date) ? config.resources.openingHours(on: date) : []
            let live: Set<SessionStatus> = [.scheduled, .inProgress, .completed]
            let outages = try store.outages(on: date)
            return [
                "date": .string(date.description),
                "open": .array(open.map { .string($0.description) }),
                "chairs": .array(config.resources.chairs.map { chair in
                    let booked = sessions.compactMap { s in s.session.chair == chair.name && live.contains(s.session.status) ? s.session.range : nil }
                    let free = outages[chair.name] == nil ? TimeRange.free(open: open, booked: booked) : []
                    return Encode.object([
                        ("chair", .string(chair.name)), ("coils", .array(chair.coils.sorted().map(JSON.string))),
                        ("free", .array(free.map { .string($0.description) })),
                        ("outOfService", Encode.optional(outages[chair.name], JSON.string)),
                    ])
                }),
                "sessions": .array(sessions.map { s in
                    ["session": Encode.session(s.session), "patientName": .string(s.patientName), "protocolId": .string(s.protocolId)]
                }),
            ]

        case "RescheduleSession":
            let id = try p.int("id")
            let date = try p.date("date")
            var time: LocalTime?
            if let raw = try p.optionalString("time") {
                guard let parsed = LocalTime(raw) else { throw ClinicError.invalidValue("time", "'\(raw)' is not HH:MM") }
                time = parsed
            }
            let session = try store.reschedule(
                id: id, to: date, time: time, chair: try p.optionalString("chair"),
                clinic: BookingPolicy(calendar: calendar, resources: config.resources), today: calendar.date(at: audit.at),
                audit: audit)
            log("session moved", audit, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(id)"])
            return ["session": Encode.session(session), "warnings": try authorizationWarnings(session.courseId, audit, config)]

        case "PostponeSession":
            let (session, moves) = try store.postponeSession(
                id: try p.int("id"), reason: try p.text("reason", max: 500),
                clinic: BookingPolicy(calendar: calendar, resources: config.resources), today: calendar.date(at: audit.at), audit: audit)
            log("session cancelled and moved", audit, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)", "tmsd_moved": "\(moves.count)"])
            return [
                "session": Encode.session(session), "moved": .array(moves.map(Encode.move)),
                "warnings": try authorizationWarnings(session.courseId, audit, config),
            ]

        case "PauseCourse":
            let course = try store.pauseCourse(id: try p.int("id"), from: try p.date("from"), today: calendar.date(at: audit.at), audit: audit)
            log("course paused", audit, ["tmsd_course": "\(course.id)"])
            return ["course": Encode.course(course), "progress": Encode.progress(try store.progress(courseId: course.id))]

        case "ResumeCourse":
            let course = try store.resumeCourse(
                id: try p.int("id"), on: try p.date("on"), clinic: BookingPolicy(calendar: calendar, resources: config.resources),
                today: calendar.date(at: audit.at), audit: audit)
            log("course resumed", audit, ["tmsd_course": "\(course.id)"])
            let (_, progress, sessions) = try store.courseDetail(id: course.id)
            return [
                "course": Encode.course(course), "progress": Encode.progress(progress), "sessions": .array(sessions.map(Encode.session)),
                "warnings": try authorizationWarnings(course.id, audit, config),
            ]

        case "ChangePreferredTime":
            let raw = try p.string("time")
            guard let time = LocalTime(raw) else { throw ClinicError.invalidValue("time", "'\(raw)' is not HH:MM") }
            let (course, moves) = try store.changePreferredTime(
                id: try p.int("id"), to: time, from: try p.date("from"),
                clinic: BookingPolicy(calendar: calendar, resources: config.resources), today: calendar.date(at: audit.at), audit: audit)
            log("preferred time changed", audit, ["tmsd_course": "\(course.id)", "tmsd_moved": "\(moves.count)"])
            return [
                "course": Encode.course(course), "moved": .array(moves.map(Encode.move)),
                "warnings": try authorizationWarnings(course.id, audit, config),
            ]

        case "SetChairOutOfService":
            let chair = try p.text("chair", max: 100)
            let from = try p.date("from"), to = try p.date("to")
            let (_, moves) = try store.setChairOutOfService(
                chair, from: from, to: to, reason: try p.text("reason", max: 500),
                clinic: BookingPolicy(calendar: calendar, resources: config.resources), today: calendar.date(at: audit.at), audit: audit)
            log("chair out of service", audit, ["tmsd_chair": "\(chair)", "tmsd_moved": "\(moves.count)"])
            var warnings: [JSON] = []
            for course in Set(moves.map(\.course)).sorted() {
                warnings += try store.authorizationWarnings(course, warnPercent: config.authorizationWarningPercent, audit.method, logger)
                    .map { .string("course \(course): \($0)") }
            }
            return ["moved": .array(moves.map(Encode.move)), "warnings": .array(warnings)]

        case "ReturnChairToService":
            let chair = try p.text("chair", max: 100)
            let ended = try store.returnChairToService(
                chair, from: try p.date("from"), clinic: BookingPolicy(calendar: calendar, resources: config.resources),
                today: calendar.date(at: audit.at), audit: audit)
            log("chair back in service", audit, ["tmsd_chair": "\(chair)"])
            return ["outages": .int(ended)]

        case "WhoAmI":
            let groups = users.groups(of: UInt32(audit.uid))
            return [
                "user": .string(audit.user), "uid": .int(audit.uid), "groups": .array(groups.sorted().map(JSON.string)),
                "roles": .array(config.roles(of: groups).sorted().map { .string($0.rawValue) }),
                "required": .object(Role.required.mapValues { .string($0.rawValue) }),
                "roleGroups": .object(Dictionary(uniqueKeysWithValues: Role.allCases.map {
                    ($0.rawValue, JSON.array((config.roleGroups[$0] ?? []).sorted().map(JSON.string)))
                })),
            ]

        case "RecordThreshold":
            let date = try p.date("date")
            if date > calendar.date(at: audit.at) { throw ClinicError.invalidValue("date", "is in the future") }
            let threshold = try store.recordThreshold(
                courseId: try p.int("courseId"), date: date, method: ThresholdMethod(rawValue: try p.string("method"))!,
                muscle: try p.text("muscle", max: 100), value: try p.double("value"), audit: audit)
            log("motor threshold recorded", audit, ["tmsd_course": "\(threshold.courseId)"])
            return ["threshold": Encode.threshold(threshold)]

        case "ListThresholds":
            let courseId = try p.int("courseId")
            let thresholds = try store.thresholds(courseId: courseId)
            let due = try store.recheckDue(
                courseId: courseId, on: calendar.date(at: audit.at), config.clinical.recheck, holdKinds: config.clinical.holdKinds,
                recheckDrugs: config.clinical.recheckDrugs)
            return ["thresholds": .array(thresholds.map(Encode.threshold)), "recheckDue": Encode.optional(due, JSON.string)]

        case "RecordAdverseEvent":
            let kind = try config.clinical.eventKind(try p.string("kind"))
            let date = try p.date("date")
            if date > calendar.date(at: audit.at) { throw ClinicError.invalidValue("date", "is in the future") }
            let event = try store.recordAdverseEvent(
                courseId: try p.int("courseId"), sessionId: try p.optionalInt("sessionId"), kind: kind,
                severity: Severity(rawValue: try p.string("severity"))!, date: date, details: try p.text("details", max: 4000),
                audit: audit)
            if event.held {
                logger.critical("course on hold after an adverse event", metadata: [
                    "tmsd_course": "\(event.courseId)", "tmsd_event": "\(event.id)", "tmsd_event_kind": "\(event.kind)",
                ])
            } else {
                log("adverse event recorded", audit, ["tmsd_course": "\(event.courseId)", "tmsd_event_kind": "\(event.kind)"])
            }
            return ["event": Encode.adverseEvent(event), "course": Encode.course(try store.course(id: event.courseId))]

        case "ListAdverseEvents":
            return ["events": .array(try store.adverseEvents(courseId: try p.int("courseId")).map(Encode.adverseEvent))]

        case "ResumeHeldCourse":
            let course = try store.resumeHeldCourse(id: try p.int("id"), reason: try p.text("reason", max: 2000), audit: audit)
            log("course resumed from hold", audit, ["tmsd_course": "\(course.id)"])
            return ["course": Encode.course(course)]

        case "StartMedication", "ChangeMedicationDose", "StopMedication":
            let date = try p.date("date")
            if date > calendar.date(at: audit.at).adding(days: 1) { throw ClinicError.invalidValue("date", "is in the future") }
            let record: MedicationRecord
            switch member {
            case "StartMedication":
                record = try store.startMedication(
                    patientId: try p.int("patientId"), drug: try p.text("drug", max: 100), dose: try p.double("dose"),
                    unit: (try p.optionalString("unit") ?? ""), on: date, audit: audit)
            case "ChangeMedicationDose":
                record = try store.changeMedicationDose(
                    id: try p.int("id"), dose: try p.double("dose"), unit: (try p.optionalString("unit") ?? ""), on: date, audit: audit)
            default:
                record = try store.stopMedication(id: try p.int("id"), on: date, audit: audit)
            }
            var warnings: [String] = []
            if let known = config.clinical.drugs[record.drug] {
                warnings = known.warnings
                if known.triggersRecheck(config.clinical.recheckOnChange) {
                    for course in try store.courses(patientId: record.patientId, status: .active) {
                        warnings.append("course \(course.id): the motor threshold must be measured again before its next session")
                    }
                }
            } else {
                warnings.append("\(record.drug) is not in the drug table: a clinician must classify it; it does not count as safe")
            }
            log("medication recorded", audit, ["tmsd_patient": "\(record.patientId)", "tmsd_medication": "\(record.id)"])
            return ["medication": Encode.medication(record, config.clinical.drugs), "warnings": .array(warnings.map(JSON.string))]

        case "ListMedications":
            return ["medications": .array(try store.medications(patientId: try p.int("patientId")).map {
                Encode.medication($0, config.clinical.drugs)
            })]

        case "ListUnclassifiedDrugs":
            return ["drugs": .array(try store.drugsInUse().map(\.drug).filter { config.clinical.drugs[$0] == nil }.map(JSON.string))]

        case "RecordTrial":
            let kind = Trial.Kind(rawValue: try p.string("kind"))!
            let drug = try p.optionalString("drug")?.trimmingCharacters(in: .whitespaces).lowercased()
            let trial = Trial(
                id: 0, kind: kind, drug: drug,
                drugClass: try p.optionalString("drugClass") ?? drug.flatMap { config.clinical.drugs[$0]?.drugClass },
                highestDose: try p.optionalDouble("highestDose"), unit: try p.optionalString("unit"),
                weeksAtDose: try p.double("weeksAtDose"), adherence: Trial.Adherence(rawValue: try p.string("adherence"))!,
                outcome: Trial.Outcome(rawValue: try p.string("outcome"))!)
            let recorded = try store.recordTrial(
                patientId: try p.int("patientId"), trial, sideEffects: try p.optionalString("sideEffects") ?? "",
                reasonStopped: try p.optionalString("reasonStopped") ?? "", audit: audit)
            log("trial recorded", audit, ["tmsd_trial": "\(recorded.id)"])
            return ["trial": Encode.trial(recorded)]

        case "GetEligibility":
            let patientId = try p.int("patientId")
            let trials = try store.trials(patientId: patientId)
            let rules = config.clinical.eligibility
            let judged = trials.map { ($0, rules.judge($0)) }
            let adequate = judged.filter { $0.1.counts }.map(\.0)
            let psychotherapy = trials.count { $0.kind == .psychotherapy && $0.adherence != .poor }
            let phq9 = try store.latestPHQ9(patientId: patientId)
            return [
                "trd": .bool(adequate.count >= rules.trdTrials), "adequate": .int(adequate.count), "required": .int(rules.trdTrials),
                "trials": .array(judged.map { trial, verdict in
                    ["trial": Encode.trial(trial), "counts": .bool(verdict.counts), "reason": .string(verdict.reason)]
                }),
                "payers": .array(rules.payers.sorted { $0.id < $1.id }.map { rule in
                    let (meets, findings) = rule.judge(adequate: adequate, psychotherapyTrials: psychotherapy, latestPHQ9: phq9)
                    return ["id": .string(rule.id), "name": .string(rule.name), "meets": .bool(meets),
                            "findings": .array(findings.map(JSON.string))]
                }),
            ]

        case "AddAuthorization":
            let courseId = try p.int("courseId")
            let authorization = try store.addAuthorization(
                courseId: courseId, payer: try p.text("payer", max: 100), reference: try p.text("reference", max: 100),
                sessions: try p.int("sessions"), from: try p.date("from"), to: try p.date("to"), audit: audit)
            log("authorization recorded", audit, ["tmsd_course": "\(courseId)", "tmsd_authorization": "\(authorization.id)"])
            return try authorizationReply(courseId, config, authorization)

        case "ExtendAuthorization":
            let to: CivilDate? = try p.optionalString("to") != nil ? try p.date("to") : nil
            let authorization = try store.extendAuthorization(
                id: try p.int("id"), sessions: try p.int("sessions"), to: to, reason: try p.text("reason", max: 500), audit: audit)
            log("authorization extended", audit, ["tmsd_course": "\(authorization.courseId)", "tmsd_authorization": "\(authorization.id)"])
            return try authorizationReply(authorization.courseId, config, authorization)

        case "ListAuthorizations":
            return try authorizationReply(try p.int("courseId"), config)

        case "GetDailyReport":
            let date: CivilDate
            if try p.optionalString("date") != nil { date = try p.date("date") } else { date = calendar.date(at: audit.at) }
            return try DailyReport(store: store, config: config).build(on: date)

        case "ListScreenQuestions":
            return ["questions": .array(config.clinical.screen.map { q in
                ["id": .string(q.id), "question": .string(q.question), "contraindication": .string(q.weight.rawValue)]
            })]

        case "RecordScreen":
            let date = try p.date("date")
            if date > calendar.date(at: audit.at) { throw ClinicError.invalidValue("date", "is in the future") }
            guard case .object(let raw)? = call.parameters["answers"] else { throw VarlinkError.invalidParameter("answers") }
            let answers = raw.compactMapValues { if case .bool(let b) = $0 { b } else { nil } }
            let screen = try store.recordScreen(
                courseId: try p.int("courseId"), date: date, answers: answers, questions: config.clinical.screen, audit: audit)
            log("safety screen recorded", audit, ["tmsd_course": "\(screen.courseId)", "tmsd_screen": "\(screen.result.rawValue)"])
            return ["screen": Encode.screen(screen)]

        case "SignOffScreen":
            let screen = try store.signOffScreen(courseId: try p.int("courseId"), reason: try p.text("reason", max: 2000), audit: audit)
            log("safety screen signed off", audit, ["tmsd_course": "\(screen.courseId)"])
            return ["screen": Encode.screen(screen)]

        case "GetScreen":
            return ["screen": Encode.optional(try store.screen(courseId: try p.int("courseId")), Encode.screen)]

        case "ListScales":
            return ["scales": .array(config.clinical.scales.values.sorted { $0.id < $1.id }.map(Encode.scale))]

        case "RecordOutcome":
            let scale = try config.clinical.scale(try p.string("scale"))
            let date = try p.date("date")
            if date > calendar.date(at: audit.at) { throw ClinicError.invalidValue("date", "is in the future") }
            var items: [Int]?
            if case .array(let values)? = call.parameters["items"] { items = values.compactMap { if case .int(let i) = $0 { i } else { nil } } }
            let (outcome, alert) = try store.recordOutcome(
                courseId: try p.int("courseId"), scale: scale, timepoint: Timepoint(rawValue: try p.string("timepoint"))!,
                date: date, total: try p.optionalInt("total"), items: items, audit: audit)
            log("outcome recorded", audit, ["tmsd_course": "\(outcome.courseId)", "tmsd_scale": "\(scale.id)"])
            if let alert {
                logger.warning("alert raised", metadata: [
                    "tmsd_alert": "\(alert.id)", "tmsd_course": "\(alert.courseId)", "tmsd_alert_kind": "\(alert.kind)",
                ])
            }
            return ["outcome": Encode.outcome(outcome), "alert": Encode.optional(alert, Encode.alert)]

        case "GetOutcomes":
            return ["trajectories": Encode.trajectories(try store.outcomes(courseId: try p.int("courseId")), config.clinical.scales)]

        case "GetCourseSummary":
            return try courseSummary(try p.int("id"), config)

        case "ListAlerts":
            var all = false
            if case .bool(let b)? = call.parameters["all"] { all = b }
            return ["alerts": .array(try store.alerts(includeAcknowledged: all).map(Encode.alert))]

        case "AcknowledgeAlert":
            let alert = try store.acknowledgeAlert(id: try p.int("id"), note: try p.text("note", max: 2000), audit: audit)
            log("alert acknowledged", audit, ["tmsd_alert": "\(alert.id)", "tmsd_course": "\(alert.courseId)"])
            return ["alert": Encode.alert(alert)]

        case "ListAudit":
            let limit = try p.optionalInt("limit") ?? 100
            guard (1...10_000).contains(limit) else { throw ClinicError.invalidValue("limit", "must be 1 to 10000") }
            return ["entries": .array(try store.audit(courseId: try p.optionalInt("courseId"), limit: limit).map(Encode.audit))]

        default:
            throw VarlinkError.methodNotImplemented("\(Self.interfaceName).\(member)")
        }
    }

    private func createCourse(
        _ p: Parameters, _ audit: AuditContext, _ config: Configuration, _ calendar: ClinicCalendar
    ) throws -> [String: JSON] {
        let protocolId = try p.string("protocolId")
        guard let treatment = ProtocolLibrary.find(protocolId) else { throw ClinicError.protocolNotFound(protocolId) }
        let start = try p.date("startDate")
        let today = calendar.date(at: audit.at)
        if start < today.adding(days: -7) { throw ClinicError.invalidValue("startDate", "is more than a week in the past") }
        if start > today.adding(days: 366) { throw ClinicError.invalidValue("startDate", "is more than a year ahead") }

        let t = try p.object("target")
        guard let method = TargetSite.Method(rawValue: try t.string("method")) else { throw VarlinkError.invalidParameter("target.method") }
        let target = TargetSite(
            method: method, label: try t.text("label"), x: try t.optionalDouble("x"), y: try t.optionalDouble("y"),
            z: try t.optionalDouble("z"), coordinateSystem: try t.optionalString("coordinateSystem"))
        try target.validate()

        let intensity = try p.optionalDouble("intensityPercentMT")
        if let intensity, !(intensity > 0 && intensity <= 200) {
            throw ClinicError.invalidValue("intensityPercentMT", "must be above 0 and at most 200")
        }
        var sessionTime = config.sessionTime
        if let raw = try p.optionalString("sessionTime") {
            guard let time = LocalTime(raw) else { throw ClinicError.invalidValue("sessionTime", "'\(raw)' is not HH:MM") }
            sessionTime = time
        }
        let new = NewCourse(
            patientId: try p.int("patientId"), treatment: treatment, startDate: start, sessionTime: sessionTime,
            prescriber: try p.text("prescriber"), target: target,
            dose: PrescribedDose(protocol: treatment, intensityPercentMT: intensity))
        // The train-duration table: outside it, only with a clinician's reason (CreateCourse needs the clinician role).
        var overridden: String?
        if let warning = TrainLimit.check(
            config.clinical.trainLimits, coil: treatment.coil, frequencyHz: treatment.frequencyHz,
            percentMT: intensity ?? treatment.intensityPercentMT, trainSeconds: treatment.trainDurationSeconds) {
            guard let override = try p.optionalString("override"), !override.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ClinicError.doseLimitExceeded(warning)
            }
            overridden = "dose limit (\(warning)) overridden: \(override)"
        }
        if config.resources.chairs(carrying: treatment.coil).isEmpty {
            throw ClinicError.invalidValue("protocolId", "no chair in this clinic carries the \(treatment.coil) coil it needs")
        }
        let course = try store.createCourse(
            new, clinic: BookingPolicy(calendar: calendar, resources: config.resources), timeZone: config.timeZoneName,
            overridden: overridden, audit: audit)
        log("course prescribed", audit, ["tmsd_course": "\(course.id)", "tmsd_protocol": "\(treatment.id)", "tmsd_sessions": "\(course.totalSessions)"])
        let (_, progress, sessions) = try store.courseDetail(id: course.id)
        return [
            "course": Encode.course(course), "progress": Encode.progress(progress), "sessions": .array(sessions.map(Encode.session)),
        ]
    }

    /// Sessions booked past what the course's authorizations allow, after a
    /// booking change; each warning is logged with the course's id.
    private func authorizationWarnings(_ courseId: Int, _ audit: AuditContext, _ config: Configuration) throws -> JSON {
        .array(try store.authorizationWarnings(courseId, warnPercent: config.authorizationWarningPercent, audit.method, logger)
            .map(JSON.string))
    }

    private func authorizationReply(_ courseId: Int, _ config: Configuration, _ authorization: Authorization? = nil) throws -> [String: JSON] {
        let (authorizations, use) = try store.authorizationUse(courseId, warnPercent: config.authorizationWarningPercent)
        var reply: [String: JSON] = ["use": Encode.authorizationUse(use), "warnings": .array(use.warnings.map(JSON.string))]
        if let authorization {
            reply["authorization"] = Encode.authorization(authorizations.first { $0.id == authorization.id } ?? authorization)
        } else {
            reply["authorizations"] = .array(authorizations.map(Encode.authorization))
        }
        return reply
    }

    /// Everything about one course a referring physician or a payer asks for.
    private func courseSummary(_ id: Int, _ config: Configuration) throws -> [String: JSON] {
        let facts = try store.courseFacts(id: id)
        let (course, patient) = (facts.course, facts.patient)
        let identifiers = config.courseSummaryIdentifiers ?? config.reportIdentifiers
        let delivered = facts.sessions.filter { $0.status == .completed }.sorted { ($0.scheduledAt, $0.id) < ($1.scheduledAt, $1.id) }
        let codes = config.clinical.billing.codes(
            delivered: delivered.map { ($0.id, $0.date) }, measured: Set(facts.thresholds.map(\.date)))
        return [
            "clinic": .string(config.clinicName),
            "billing": .array(delivered.map { s in
                ["session": .int(s.id), "date": .string(s.date.description), "cpt": .string(codes[s.id] ?? "")]
            }),
            "patient": .string(DailyReport.label(patient, identifiers: identifiers)),
            "birthDate": identifiers == "full" ? .string(patient.birthDate.description) : .null,
            "mrn": identifiers == "initials" ? .null : .string(patient.mrn),
            "course": Encode.course(course), "progress": Encode.progress(facts.progress),
            "thresholds": .array(facts.thresholds.map(Encode.threshold)),
            "sessions": .array(facts.sessions.map(Encode.session)),
            "medications": .array(facts.medications.map { Encode.medication($0, config.clinical.drugs) }),
            "trajectories": Encode.trajectories(facts.outcomes, config.clinical.scales),
            "events": .array(facts.events.map(Encode.adverseEvent)),
            "authorizations": .array(facts.authorizations.map(Encode.authorization)),
            "use": Encode.authorizationUse(
                AuthorizationUse.assess(facts.authorizations, bookings: facts.bookings, warnPercent: config.authorizationWarningPercent)),
        ]
    }

    /// One line per change: ids and the operator, never patient data. The
    /// caller's place is passed on, so CODE_FILE/LINE/FUNC name the change.
    private func log(
        _ message: Logger.Message, _ audit: AuditContext, _ metadata: Logger.Metadata,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        var m = metadata
        m["tmsd_method"] = "\(audit.method)"
        m["tmsd_operator"] = "\(audit.user)"
        logger.info(message, metadata: m, file: file, function: function, line: line)
    }
}
