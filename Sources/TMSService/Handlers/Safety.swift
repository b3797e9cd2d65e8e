import TMSCore
import TMSInterface
import TMSStore

// Safety: motor thresholds, adverse events and holds, the safety screen.
extension ClinicHandler {
    func registerSafety(_ table: inout MethodTable) {
        table.on(Clinic.RecordThreshold.self) { input, call in
            let threshold = try store.recordThreshold(
                courseId: input.courseId, date: input.date, method: input.method, muscle: input.muscle, value: input.value,
                audit: call.audit)
            log("motor threshold recorded", call, ["tmsd_course": "\(threshold.courseId)"])
            return .init(threshold: Clinic.Threshold(threshold))
        }
        table.on(Clinic.ListThresholds.self) { input, call in
            let clinical = call.clinical
            let thresholds = try store.thresholds(courseId: input.courseId)
            let due = try store.recheckDue(
                courseId: input.courseId, on: call.today, clinical.recheck, holdKinds: clinical.holdKinds,
                recheckDrugs: clinical.recheckDrugs)
            return .init(thresholds: thresholds.map(Clinic.Threshold.init), recheckDue: due)
        }
        table.on(Clinic.RecordAdverseEvent.self) { input, call in
            let kind = try call.clinical.eventKind(input.kind)
            let event = try store.recordAdverseEvent(
                courseId: input.courseId, sessionId: input.sessionId, kind: kind, severity: input.severity, date: input.date,
                details: input.details, audit: call.audit)
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
            let course = try store.resumeHeldCourse(id: input.id, reason: input.reason, audit: call.audit)
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
                courseId: input.courseId, date: input.date, answers: input.answers, questions: call.clinical.screen,
                audit: call.audit)
            log("safety screen recorded", call, ["tmsd_course": "\(screen.courseId)", "tmsd_screen": "\(screen.result.rawValue)"])
            return .init(screen: Clinic.Screen(screen))
        }
        table.on(Clinic.SignOffScreen.self) { input, call in
            let screen = try store.signOffScreen(courseId: input.courseId, reason: input.reason, audit: call.audit)
            log("safety screen signed off", call, ["tmsd_course": "\(screen.courseId)"])
            return .init(screen: Clinic.Screen(screen))
        }
        table.on(Clinic.GetScreen.self) { input, _ in
            .init(screen: try store.screen(courseId: input.courseId).map(Clinic.Screen.init))
        }
    }
}
