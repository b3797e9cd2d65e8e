import Testing
@testable import TMSCore

@Suite struct DeliveryRulesTests {
    func delivery(mt: Double = 55, intensity: Double = 120, pulses: Int = 3000) -> Delivery {
        Delivery(motorThreshold: mt, intensityPercentMT: intensity, frequencyHz: 10, pulsesPerTrain: 40,
                 trainDurationSeconds: 4, interTrainIntervalSeconds: 26, trains: 75, pulsesDelivered: pulses,
                 coil: "figure-8", target: "left DLPFC")
    }

    @Test func pulsesFitTheTrains() throws {
        try DeliveryRules.checkConsistency(delivery())
        #expect(delivery().outputPercent == 66)
        do {
            try DeliveryRules.checkConsistency(delivery(pulses: 3001))  // more than 75 x 40
            Issue.record("accepted 3001 pulses in 75 trains of 40")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.parameters.first?.1 == .string("delivery.pulsesDelivered"))
        }
    }

    @Test func machineOutputAndPrescribedPulses() {
        #expect(throws: ClinicError(.intensityAboveMachineOutput, "")) {
            try DeliveryRules.checkOutput(intensityPercentMT: 120, motorThreshold: 90)
        }
        // Exactly 100% of output is allowed.
        #expect(throws: Never.self) { try DeliveryRules.checkOutput(intensityPercentMT: 125, motorThreshold: 80) }
        #expect(throws: ClinicError(.pulsesAbovePrescription, "")) { try DeliveryRules.checkPulses(3000, prescribed: 2999) }
    }

    @Test func targetsNeedTheirCoordinates() {
        #expect(throws: ClinicError(.invalidValue, "")) {
            try TargetSite(method: .neuronavigation, label: "left DLPFC").validate()
        }
        #expect(throws: ClinicError(.invalidValue, "")) {
            try TargetSite(method: .neuronavigation, label: "left DLPFC", x: -38, y: 44, z: 26).validate()  // no system
        }
        #expect(throws: Never.self) {
            try TargetSite(method: .neuronavigation, label: "left DLPFC", x: -38, y: 44, z: 26, coordinateSystem: "MNI").validate()
        }
        #expect(throws: Never.self) { try TargetSite(method: .beamF3, label: "left DLPFC").validate() }
    }
}
