import TMSCore
import TMSInterface
import TMSStore
import Varlink

// Patients and the protocol library.
extension ClinicHandler {
    func registerPatients(_ table: inout MethodTable) {
        table.on(Clinic.AddPatient.self) { input, call in
            try checkMRN(input.mrn, call)
            let patient = try store.addPatient(
                NewPatient(mrn: input.mrn, familyName: input.familyName, givenName: input.givenName, birthDate: input.birthDate),
                audit: call.audit)
            log("patient registered", call, ["tmsd_patient": "\(patient.id)"])
            return .init(patient: Clinic.Patient(patient))
        }
        table.on(Clinic.ListPatients.self) { input, call in
            var patients = try store.patients(includingInactive: input.inactive ?? false || input.stage == .discharged)
            if let stage = input.stage {
                let facts = try store.pathFacts()
                patients = patients.filter { facts[$0.id].map { Standing($0, call.clinical, today: call.today).stage } == stage }
            }
            return .init(patients: patients.map(Clinic.Patient.init))
        }
        table.on(Clinic.FindPatients.self) { input, _ in
            guard let query = PatientQuery(input.query) else { throw ClinicError.invalidValue("query", "has no word to look for") }
            let found = try store.findPatients(query, limit: input.limit ?? 50)
            return .init(patients: found.patients.map(Clinic.Patient.init), more: found.more)
        }
        table.on(Clinic.GetPatient.self) { input, call in
            let patient = try findPatient(input, call.configuration)
            return .init(
                patient: Clinic.Patient(patient), stage: try standing(patient.id, call).stage,
                courses: try store.courses(patientId: patient.id).map(Clinic.Course.init),
                contact: try store.contact(patient: patient.id),
                corrections: try store.corrections(patient: patient.id).map(Clinic.PatientCorrection.init),
                referrals: try store.referrals(patientId: patient.id))
        }
        table.on(Clinic.CorrectPatient.self) { input, call in
            if let mrn = input.mrn { try checkMRN(mrn, call) }
            let corrected = try store.correctPatient(
                id: input.id,
                PatientChange(mrn: input.mrn, familyName: input.familyName, givenName: input.givenName, birthDate: input.birthDate),
                reason: input.reason, audit: call.audit)
            log("patient corrected", call, ["tmsd_patient": "\(input.id)"])
            return .init(patient: Clinic.Patient(corrected.patient), corrections: corrected.corrections.map(Clinic.PatientCorrection.init))
        }
        table.on(Clinic.SetPatientActive.self) { input, call in
            let patient = try store.setPatientActive(id: input.id, input.active, reason: input.reason, audit: call.audit)
            log(input.active ? "patient made active" : "patient made inactive", call, ["tmsd_patient": "\(input.id)"])
            return .init(patient: Clinic.Patient(patient))
        }
        table.on(Clinic.SetPatientContact.self) { input, call in
            let preferred: ContactMethod?? = switch input.preferred {
            case nil: nil
            case .none?: .some(nil)
            case .phone?: .phone
            case .email?: .email
            }
            let contact = try store.setContact(
                patient: input.id, ContactChange(phone: input.phone, email: input.email, preferred: preferred, reminders: input.reminders),
                audit: call.audit)
            log("patient contact details changed", call, ["tmsd_patient": "\(input.id)"])
            return .init(contact: contact)
        }
        table.on(Clinic.ListReminders.self) { input, call in
            let date = input.date ?? call.today.adding(days: 1)
            return .init(
                date: date, clinic: call.configuration.clinicName,
                reminders: try store.reminders(on: date).map { Clinic.Reminder(patientId: $0.patient, email: $0.email, times: $0.times) })
        }
        table.on(Clinic.ListProtocols.self) { _, _ in
            .init(protocols: ProtocolLibrary.builtIn.map(Clinic.StimulationProtocol.init))
        }
        table.on(Clinic.GetProtocol.self) { input, _ in
            guard let found = ProtocolLibrary.find(input.id) else { throw ClinicError.protocolNotFound(input.id) }
            return .init(protocol: Clinic.StimulationProtocol(found))
        }
    }

    /// Refuses an MRN that does not look like this clinic's ([patients] mrn-pattern).
    /// (The message does not repeat it: an MRN is patient data.)
    func checkMRN(_ mrn: String, _ call: Call) throws {
        guard call.configuration.looksLikeMRN(mrn) else {
            throw ClinicError.invalidValue("mrn", "does not look like this clinic's MRNs ([patients] mrn-pattern)")
        }
    }

    /// The patient GetPatient names: by id, by MRN, or by a reference. With
    /// [patients] mrn-pattern, a reference that matches it is an MRN and any
    /// other an id; without, it is the MRN a patient has, else an id (refused
    /// as ambiguous when it is one patient's MRN and another's id).
    func findPatient(_ input: Clinic.GetPatient.Input, _ configuration: Configuration) throws -> PatientRecord {
        let given = [input.id != nil, input.mrn != nil, input.ref != nil].filter { $0 }.count
        // None or several: the call does not name one patient, as a required parameter left out does not.
        guard given == 1 else { throw VarlinkError.invalidParameter(input.id == nil ? "id" : input.mrn != nil ? "mrn" : "ref") }
        func byMRN(_ mrn: String) throws -> PatientRecord {
            guard let patient = try store.patient(mrn: mrn) else { throw ClinicError.mrnNotFound }
            return patient
        }
        if let id = input.id { return try store.patient(id: id) }
        if let mrn = input.mrn { return try byMRN(mrn) }
        let ref = input.ref!
        // The id a reference spells, if it spells one a client may send.
        let id = Int(ref).flatMap { (1...Constraint.largestID).contains($0) ? $0 : nil }
        if configuration.mrnPattern != nil {
            if configuration.looksLikeMRN(ref) { return try byMRN(ref) }
            guard let id else { throw ClinicError.mrnNotFound }
            return try store.patient(id: id)
        }
        let withMRN = try store.patient(mrn: ref)
        var byID: PatientRecord?
        if let id {
            do {
                byID = try store.patient(id: id)
            } catch let error as ClinicError where error.code == .patientNotFound {}
        }
        switch (withMRN, byID) {
        case (let m?, let i?) where m.id != i.id: throw ClinicError.patientAmbiguous(mrnOf: m.id, id: i.id)
        case (let m?, _): return m
        case (nil, let i?): return i
        // (A number neither an MRN nor an id is refused as before MRNs were accepted: no patient has that id.)
        case (nil, nil): throw Int(ref).map(ClinicError.patientNotFound) ?? ClinicError.mrnNotFound
        }
    }
}
