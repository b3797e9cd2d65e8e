import TMSCore
import TMSInterface
import TMSStore

// Safety: motor thresholds, adverse events and holds, the safety screen.
extension ClinicHandler {
    func registerSafety(_ table: inout MethodTable) {
        table.on(Clinic.RecordThreshold.self) { input, call in
            let date = input.date ?? call.today
            let threshold = try store.recordThreshold(
                courseId: input.courseId, date: date, at: call.instant(date, input.time), method: input.method, muscle: input.muscle,
                value: input.value, audit: call.audit)
            log("motor threshold recorded", call, ["tmsd_course": "\(threshold.courseId)"])
            return .init(threshold: Clinic.Threshold(threshold))
        }
        table.on(Clinic.ListThresholds.self) { input, call in
            let thresholds = try store.thresholds(courseId: input.courseId)
            return .init(thresholds: thresholds.map(Clinic.Threshold.init), recheckDue: try recheckDue(input.courseId, call))
        }
        table.on(Clinic.RecordAdverseEvent.self) { input, call in
            let kind = try call.clinical.eventKind(input.kind)
            let date = input.date ?? call.today
            let event = try store.recordAdverseEvent(
                courseId: input.courseId, sessionId: input.sessionId, kind: kind, severity: input.severity, date: date,
                at: call.instant(date, input.time), details: input.details, audit: call.audit)
            if event.held {
                logger.critical("course on hold after an adverse event", metadata: [
                    "tmsd_course": "\(event.courseId)", "tmsd_event": "\(event.id)", "tmsd_event_kind": "\(event.kind)",
                ])
            } else {
                log("adverse event recorded", call, ["tmsd_course": "\(event.courseId)", "tmsd_event_kind": "\(event.kind)"])
            }
            return .init(event: Clinic.AdverseEvent(event), course: Clinic.Course(try store.course(id: event.courseId)))
        }
        table.on(Clinic.ListAdverseEvents.self) { input, _ in
            .init(events: try store.adverseEvents(courseId: input.courseId).map(Clinic.AdverseEvent.init))
        }
        table.on(Clinic.ResumeHeldCourse.self) { input, call in
            let course = try store.resumeHeldCourse(id: input.id, reason: input.reason, call.selection, audit: call.audit) { facts in
                _ = try TreatmentGate.decide(call.gate.findings(.resume, facts), overrides: [:], reason: nil, clinician: true)
            }
            log("course resumed from hold", call, ["tmsd_course": "\(course.id)"])
            return .init(course: Clinic.Course(course))
        }
        table.on(Clinic.ListScreenQuestions.self) { _, call in
            .init(questions: call.clinical.screen.map {
                Clinic.ScreenQuestion(id: $0.id, question: $0.question, contraindication: $0.weight)
            })
        }
        table.on(Clinic.RecordScreen.self) { input, call in
            let screen = try store.recordScreen(
                courseId: input.courseId, date: input.date ?? call.today, answers: input.answers, questions: call.clinical.screen,
                audit: call.audit)
            log("safety screen recorded", call, ["tmsd_course": "\(screen.courseId)", "tmsd_screen": "\(screen.result.rawValue)"])
            return .init(screen: Clinic.Screen(screen))
        }
        table.on(Clinic.SignOffScreen.self) { input, call in
            let screen = try store.signOffScreen(courseId: input.courseId, reason: input.reason, audit: call.audit)
            log("safety screen signed off", call, ["tmsd_course": "\(screen.courseId)"])
            return .init(screen: Clinic.Screen(screen))
        }
        table.on(Clinic.GetScreen.self) { input, _ in Clinic.ScreenHistory(try store.screenHistory(courseId: input.courseId)) }
        table.on(Clinic.ClearScreenFinding.self) { input, call in
            let history = try store.clearScreenFinding(
                courseId: input.courseId, question: input.question, reason: input.reason, audit: call.audit)
            log("safety screen finding cleared", call, ["tmsd_course": "\(input.courseId)"])
            return Clinic.ScreenHistory(history)
        }
    }

    /// Why the course's motor threshold must be measured before a session now, by the gate's rule, or nil.
    func recheckDue(_ courseId: Int, _ call: Call) throws -> String? {
        let facts = try store.treatmentFacts(courseId: courseId, call.selection)
        return call.clinical.recheck.due(
            at: call.audit.at, on: call.today, lastMeasured: facts.lastMeasured, lastDelivered: facts.lastDelivered,
            seizures: facts.seizures, changes: facts.changes, calendar: call.calendar)
    }
}
