import TMSCore
import TMSInterface
import TMSStore

// Booking: the front desk's day, moving sessions, chairs out of service.
extension ClinicHandler {
    func registerBooking(_ table: inout MethodTable) {
        table.on(Clinic.GetDaySchedule.self) { input, call in
            let date = input.date ?? call.today
            let resources = call.configuration.resources
            let sessions = try store.sessions(on: date)
            let open = call.calendar.isClinicDay(date) ? resources.openingHours(on: date) : []
            let outages = try store.outages(on: date)
            return .init(
                date: date, open: open.map(\.description),
                chairs: resources.chairs.map { chair in
                    let booked = sessions.compactMap { s in
                        s.session.chair == chair.name && s.session.status.holdsChair ? s.session.range : nil
                    }
                    let free = outages[chair.name] == nil ? TimeRange.free(open: open, booked: booked) : []
                    return Clinic.ChairDay(
                        chair: chair.name, coils: chair.coils.sorted(), free: free.map(\.description), outOfService: outages[chair.name])
                },
                sessions: sessions.map(Clinic.DaySession.init), now: date == call.today ? call.calendar.time(at: call.audit.at) : nil,
                consultations: try store.consultations(on: date))
        }
        table.on(Clinic.PostponeSession.self) { input, call in
            let (session, moves) = try store.postponeSession(
                id: input.id, reason: input.reason, clinic: call.booking, today: call.today, audit: call.audit)
            log("session cancelled and moved", call, [
                "tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)", "tmsd_moved": "\(moves.count)",
            ])
            return .init(
                session: Clinic.Session(session), moved: moves.map(Clinic.Move.init),
                warnings: try authorizationWarnings(session.courseId, call))
        }
        table.on(Clinic.RescheduleSession.self) { input, call in
            let session = try store.reschedule(
                id: input.id, to: input.date, time: input.time, chair: input.chair, clinic: call.booking, today: call.today,
                audit: call.audit)
            log("session moved", call, ["tmsd_course": "\(session.courseId)", "tmsd_session": "\(session.id)"])
            return .init(session: Clinic.Session(session), warnings: try authorizationWarnings(session.courseId, call))
        }
        table.on(Clinic.SetChairOutOfService.self) { input, call in
            let (_, moves) = try store.setChairOutOfService(
                input.chair, from: input.from, to: input.to, reason: input.reason, clinic: call.booking, today: call.today,
                audit: call.audit)
            log("chair out of service", call, ["tmsd_chair": "\(input.chair)", "tmsd_moved": "\(moves.count)"])
            var warnings: [String] = []
            for course in Set(moves.map(\.course)).sorted() {
                warnings += try authorizationWarnings(course, call).map { "course \(course): \($0)" }
            }
            return .init(moved: moves.map(Clinic.Move.init), warnings: warnings)
        }
        table.on(Clinic.ReturnChairToService.self) { input, call in
            let ended = try store.returnChairToService(
                input.chair, from: input.from, clinic: call.booking, today: call.today, audit: call.audit)
            log("chair back in service", call, ["tmsd_chair": "\(input.chair)"])
            return .init(outages: ended)
        }
    }
}
