import Testing
@testable import TMSCore

@Suite struct DeliveryRulesTests {
    func delivery(mt: Double = 55, intensity: Double = 120, pulses: Int = 3000) -> Delivery {
        Delivery(motorThreshold: mt, intensityPercentMT: intensity, frequencyHz: 10, pulsesPerTrain: 40,
                 trainDurationSeconds: 4, interTrainIntervalSeconds: 26, trains: 75, pulsesDelivered: pulses,
                 coil: "figure-8", target: "left DLPFC")
    }

    @Test func aPrescribedSessionPasses() throws {
        try DeliveryRules.check(delivery(), prescribedPulses: 3000)
        #expect(delivery().outputPercent == 66)
    }

    @Test func intensityAboveMachineOutputIsRefused() {
        #expect(throws: ClinicError(.intensityAboveMachineOutput, "")) {
            try DeliveryRules.check(self.delivery(mt: 90, intensity: 120), prescribedPulses: 3000)
        }
        // Exactly 100% of output is allowed.
        #expect(throws: Never.self) { try DeliveryRules.check(self.delivery(mt: 80, intensity: 125), prescribedPulses: 3000) }
    }

    @Test func morePulsesThanPrescribedIsRefused() {
        #expect(throws: ClinicError(.pulsesAbovePrescription, "")) {
            try DeliveryRules.check(self.delivery(pulses: 3000), prescribedPulses: 2999)
        }
    }

    @Test func outOfRangeValuesAreNamed() {
        do {
            try DeliveryRules.check(delivery(mt: 0), prescribedPulses: 3000)
            Issue.record("accepted MT 0")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.parameters.first?.1 == .string("motorThreshold"))
        }
        #expect(throws: ClinicError(.invalidValue, "")) {
            try DeliveryRules.check(self.delivery(pulses: 3001), prescribedPulses: 4000)  // more than 75 x 40
        }
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
