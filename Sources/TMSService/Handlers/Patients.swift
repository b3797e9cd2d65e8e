import TMSCore
import TMSInterface
import TMSStore

// Patients and the protocol library.
extension ClinicHandler {
    func registerPatients(_ table: inout MethodTable) {
        table.on(Clinic.AddPatient.self) { input, call in
            let patient = try store.addPatient(
                NewPatient(mrn: input.mrn, familyName: input.familyName, givenName: input.givenName, birthDate: input.birthDate),
                audit: call.audit)
            log("patient registered", call, ["tmsd_patient": "\(patient.id)"])
            return .init(patient: Clinic.Patient(patient))
        }
        table.on(Clinic.ListPatients.self) { _, _ in
            .init(patients: try store.patients().map(Clinic.Patient.init))
        }
        table.on(Clinic.GetPatient.self) { input, _ in
            .init(patient: Clinic.Patient(try store.patient(id: input.id)),
                  courses: try store.courses(patientId: input.id).map(Clinic.Course.init))
        }
        table.on(Clinic.ListProtocols.self) { _, _ in
            .init(protocols: ProtocolLibrary.builtIn.map(Clinic.StimulationProtocol.init))
        }
        table.on(Clinic.GetProtocol.self) { input, _ in
            guard let found = ProtocolLibrary.find(input.id) else { throw ClinicError.protocolNotFound(input.id) }
            return .init(protocol: Clinic.StimulationProtocol(found))
        }
    }
}
