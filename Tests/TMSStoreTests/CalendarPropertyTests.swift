import Foundation
import Testing
import TMSCore
@testable import TMSStore

/// Over many random clinics, courses and change sequences: no chair is ever
/// double-booked; every course keeps its session count and each phase its
/// count; no session falls on a holiday, a closed day, outside opening hours
/// or on a chair without its coil; no patient (some have two courses at
/// once) is in two sessions at one time.
@Suite struct CalendarPropertyTests {
    static let seeds: [UInt64] = Array(1...40)

    @Test(arguments: seeds)
    func invariantsHoldThroughRandomChanges(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let t = try TemporaryStore()
        defer { t.remove() }
        var (policy, zone) = randomClinic(&random)
        var outages: [(chair: String, from: CivilDate, to: CivilDate)] = []
        let coils = Set(policy.resources.chairs.flatMap(\.coils))
        let protocols = ProtocolLibrary.builtIn.filter { coils.contains($0.coil) && $0.id != "accelerated-itbs" || $0.id == "accelerated-itbs" && coils.contains("figure-8") }
        let monday = CivilDate("2027-01-04")!
        var audit = AuditContext(uid: 0, user: "prop", pid: 1, method: "io.tmsd.Clinic.CreateCourse", at: Date(timeIntervalSince1970: 1_798_000_000))
        var courses: [CourseRecord] = []
        var patient: PatientRecord?
        for n in 0..<Int.random(in: 3...7, using: &random) {
            let treatment = protocols.randomElement(using: &random)!
            // A third of the courses are a second course of the patient before.
            if patient == nil || Int.random(in: 0..<3, using: &random) != 0 {
                patient = try t.store.addPatient(
                    NewPatient(mrn: "P\(seed)-\(n)", familyName: "F", givenName: "G", birthDate: CivilDate("1980-01-01")!), audit: audit)
            }
            guard let patient else { continue }
            let preferred = LocalTime(minutes: Int.random(in: 7 * 12...17 * 12, using: &random) * 5)!
            do {
                courses.append(try t.store.createCourse(
                    NewCourse(patientId: patient.id, treatment: treatment, startDate: monday.adding(days: Int.random(in: 0...20, using: &random)),
                              sessionTime: preferred, prescriber: "Dr", target: TargetSite(method: .beamF3, label: "L"),
                              dose: PrescribedDose(protocol: treatment)),
                    clinic: policy, timeZone: zone, audit: audit))
            } catch let error as ClinicError where error.code == .noFreeSlot || error.code == .invalidValue {
                continue  // a clinic too small for this course refuses it whole
            }
        }
        // Changes: misses, aborts, reschedules, pauses, new preferred times,
        // chair outages and new holidays, in random order.
        for _ in 0..<Int.random(in: 5...25, using: &random) {
            guard let course = courses.randomElement(using: &random) else { break }
            let open = try t.store.courseDetail(id: course.id).sessions.filter { $0.status == .scheduled }
            guard let session = open.randomElement(using: &random) else { continue }
            let today = session.date.adding(days: -Int.random(in: 0...2, using: &random))
            do {
                switch Int.random(in: 0..<7, using: &random) {
                case 3:
                    audit.method = "io.tmsd.Clinic.PauseCourse"
                    _ = try t.store.pauseCourse(id: course.id, from: session.date, today: today, audit: audit)
                    _ = try t.store.resumeCourse(
                        id: course.id, on: session.date.adding(days: Int.random(in: 1...15, using: &random)), clinic: policy,
                        today: today, audit: audit)
                case 4:
                    audit.method = "io.tmsd.Clinic.ChangePreferredTime"
                    _ = try t.store.changePreferredTime(
                        id: course.id, to: LocalTime(minutes: Int.random(in: 84...216, using: &random) * 5)!, from: session.date,
                        clinic: policy, today: today, audit: audit)
                case 5:
                    audit.method = "io.tmsd.Clinic.SetChairOutOfService"
                    let chair = policy.resources.chairs.randomElement(using: &random)!.name
                    let to = session.date.adding(days: Int.random(in: 0...4, using: &random))
                    _ = try t.store.setChairOutOfService(chair, from: session.date, to: to, reason: "repair", clinic: policy, today: today, audit: audit)
                    outages.append((chair, session.date, to))
                case 6:
                    audit.method = "reload"
                    policy.calendar.holidays.insert(session.date)
                    _ = try t.store.applyClinicChange(clinic: policy, today: today, audit: audit)
                case 0:
                    audit.method = "io.tmsd.Clinic.MissSession"
                    _ = try t.store.endShort(id: session.id, .missed(reason: nil), clinic: policy, today: today, audit: audit)
                case 1:
                    audit.method = "io.tmsd.Clinic.AbortSession"
                    _ = try t.store.endShort(id: session.id, .aborted(pulsesDelivered: 10, reason: "x"), clinic: policy, today: today, audit: audit)
                default:
                    audit.method = "io.tmsd.Clinic.RescheduleSession"
                    let target = session.date.adding(days: Int.random(in: -3...10, using: &random))
                    let time = Bool.random(using: &random) ? LocalTime(minutes: Int.random(in: 84...216, using: &random) * 5) : nil
                    _ = try t.store.reschedule(id: session.id, to: target, time: time, chair: nil, clinic: policy, today: today, audit: audit)
                }
            } catch let error as ClinicError {
                // Refusals are fine (a full or closed day, a taken slot); they must change nothing, checked below.
                #expect(error.code != .sessionAlreadyFinished, "seed \(seed)")
            }
        }
        try check(t.store, courses, policy, outages: outages, seed: seed)
    }

    func check(
        _ store: ClinicStore, _ courses: [CourseRecord], _ policy: BookingPolicy,
        outages: [(chair: String, from: CivilDate, to: CivilDate)], seed: UInt64
    ) throws {
        var booked: [String: [(TimeRange, Int)]] = [:]
        var attended: [String: [(TimeRange, Int)]] = [:]
        for course in courses {
            let (stored, progress, sessions, _) = try store.courseDetail(id: course.id)
            let counting = sessions.filter { $0.status != .missed && $0.status != .aborted }
            if stored.status == .paused { continue }  // a paused course owes its rest until it resumes
            #expect(counting.count == stored.totalSessions, "seed \(seed): course \(course.id) keeps its count")
            #expect(progress.remaining + progress.done == stored.totalSessions, "seed \(seed)")
            for phase in stored.phases {
                #expect(counting.count { $0.phase == phase.name } == phase.days * stored.sessionsPerDay,
                        "seed \(seed): course \(course.id) phase \(phase.name)")
            }
            for s in counting {
                let where_ = "seed \(seed): session \(s.id) on \(s.date) \(s.time)"
                #expect(policy.calendar.isClinicDay(s.date), "\(where_) is on a closed day")
                let range = try #require(s.range, "\(where_) has no chair")
                #expect(policy.resources.openingHours(on: s.date).contains { $0.contains(range) }, "\(where_) outside hours")
                let chair = try #require(policy.resources.chair(named: s.chair ?? ""), "\(where_)")
                #expect(chair.coils.contains(stored.coil), "\(where_): \(chair.name) lacks \(stored.coil)")
                if s.status == .scheduled {
                    #expect(!outages.contains { $0.chair == chair.name && $0.from <= s.date && s.date <= $0.to },
                            "\(where_): \(chair.name) is out of service")
                }
                booked["\(s.date) \(chair.name)", default: []].append((range, s.id))
                attended["\(s.date) patient \(stored.patientId)", default: []].append((range, s.id))
            }
            // Several a day only for protocols that book several a day.
            let perDay = Dictionary(grouping: counting, by: \.date).values.map(\.count).max() ?? 0
            #expect(perDay <= stored.sessionsPerDay, "seed \(seed): course \(course.id)")
        }
        for (key, ranges) in booked.merging(attended, uniquingKeysWith: +) {
            let sorted = ranges.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                #expect(!a.0.overlaps(b.0), "seed \(seed): \(key): sessions \(a.1) and \(b.1) overlap")
            }
        }
    }

    /// Two to five chairs with random coils (a figure-8 on at least one), a
    /// random week of hours (lunch breaks, short days, a closed Wednesday),
    /// random holidays, in a zone that changes its clocks.
    func randomClinic(_ random: inout SeededGenerator) -> (BookingPolicy, String) {
        let coilTypes = ["figure-8", "H1", "H7", "H4"]
        var chairs: [Chair] = []
        for n in 1...Int.random(in: 2...5, using: &random) {
            var coils = Set(coilTypes.filter { _ in Bool.random(using: &random) })
            if n == 1 || coils.isEmpty { coils.insert("figure-8") }
            chairs.append(Chair(name: "chair-\(n)", coils: coils))
        }
        var days: Set<Weekday> = [.monday, .tuesday, .thursday, .friday]
        if Bool.random(using: &random) { days.insert(.wednesday) }
        if Bool.random(using: &random) { days.insert(.saturday) }
        var hours: [Weekday: [TimeRange]] = [:]
        for day in days {
            let open = Int.random(in: 84...108, using: &random) * 5  // 07:00-09:00
            let close = Int.random(in: 180...228, using: &random) * 5  // 15:00-19:00
            if Bool.random(using: &random) {
                let lunch = Int.random(in: 138...150, using: &random) * 5
                hours[day] = [TimeRange(start: open, end: lunch), TimeRange(start: lunch + 45, end: close)]
            } else {
                hours[day] = [TimeRange(start: open, end: close)]
            }
        }
        let holidays = Set((0..<Int.random(in: 0...6, using: &random)).map { _ in
            CivilDate("2027-01-04")!.adding(days: Int.random(in: 0...90, using: &random))
        })
        let zone = ["America/New_York", "Europe/Berlin", "UTC"].randomElement(using: &random)!
        let calendar = ClinicCalendar(timeZone: TimeZone(identifier: zone)!, clinicDays: days, holidays: holidays)
        let resources = ClinicResources(
            chairs: chairs, hours: hours, setupMinutes: Int.random(in: 0...15, using: &random))
        return (BookingPolicy(calendar: calendar, resources: resources), zone)
    }
}
