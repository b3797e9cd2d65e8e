/// How the stimulation target was found, and where it is.
public struct TargetSite: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, CaseIterable {
        /// 5 (or 5.5) cm anterior to the motor hot spot.
        case fiveCM = "five_cm_rule"
        /// Beam F3 from tragus-tragus, nasion-inion and head circumference.
        case beamF3 = "beam_f3"
        /// Neuronavigation, MNI or native coordinates in mm.
        case neuronavigation = "neuronavigation"
        /// fMRI-guided (SAINT), coordinates in mm.
        case fmriGuided = "fmri_guided"
        /// A device's cap or head-positioning system (BrainsWay cap, NeuroStar).
        case capPosition = "cap_position"

        /// Methods that find a point only by its coordinates.
        public var needsCoordinates: Bool { self == .neuronavigation || self == .fmriGuided }
    }

    public var method: Method
    /// Where, in words: "left DLPFC".
    public var label: String
    /// Coordinates, with their system ("MNI", "native", "cap-cm", "scalp-cm").
    public var x: Double?
    public var y: Double?
    public var z: Double?
    public var coordinateSystem: String?

    public init(method: Method, label: String, x: Double? = nil, y: Double? = nil, z: Double? = nil, coordinateSystem: String? = nil) {
        self.method = method
        self.label = label
        self.x = x
        self.y = y
        self.z = z
        self.coordinateSystem = coordinateSystem
    }

    public func validate() throws(ClinicError) {
        if label.isEmpty { throw .invalidValue("target.label", "must name the site") }
        let given = [x, y, z].compactMap { $0 }
        if !given.isEmpty, given.count < (method.needsCoordinates ? 3 : 2) {
            throw .invalidValue("target", "coordinates need x and y (and z for \(method.rawValue))")
        }
        if method.needsCoordinates, given.count != 3 {
            throw .invalidValue("target", "\(method.rawValue) needs x, y and z coordinates")
        }
        if !given.isEmpty, (coordinateSystem ?? "").isEmpty {
            throw .invalidValue("target.coordinateSystem", "coordinates need their system (MNI, native, cap-cm, scalp-cm)")
        }
        if given.contains(where: { !$0.isFinite || abs($0) > 1000 }) {
            throw .invalidValue("target", "coordinates must be finite and within 1000")
        }
    }
}

/// The dose of one session as prescribed, copied from the protocol. (Its
/// property names are the interface's field names.)
public struct PrescribedDose: Sendable, Hashable, Codable {
    public var frequencyHz: Double
    public var intensityPercentMT: Double
    public var pulsesPerTrain: Int
    public var trainDurationSeconds: Double
    public var interTrainIntervalSeconds: Double
    public var trains: Int
    public var pulsesPerSession: Int

    /// The protocol's dose, at another intensity if the prescriber chose one.
    public init(protocol p: TreatmentProtocol, intensityPercentMT: Double? = nil) {
        self = p.dose
        if let intensityPercentMT { self.intensityPercentMT = intensityPercentMT }
    }
}

extension PrescribedDose {
    public init(frequencyHz: Double, intensityPercentMT: Double, pulsesPerTrain: Int, trainDurationSeconds: Double,
         interTrainIntervalSeconds: Double, trains: Int, pulsesPerSession: Int) {
        self.frequencyHz = frequencyHz
        self.intensityPercentMT = intensityPercentMT
        self.pulsesPerTrain = pulsesPerTrain
        self.trainDurationSeconds = trainDurationSeconds
        self.interTrainIntervalSeconds = interTrainIntervalSeconds
        self.trains = trains
        self.pulsesPerSession = pulsesPerSession
    }
}

/// What a technician records when a session is done. (Its property names
/// are the interface's field names.)
public struct Delivery: Sendable, Hashable, Codable {
    /// Resting motor threshold, % of machine output.
    public var motorThreshold: Double
    public var intensityPercentMT: Double
    public var frequencyHz: Double
    public var pulsesPerTrain: Int
    public var trainDurationSeconds: Double
    public var interTrainIntervalSeconds: Double
    public var trains: Int
    public var pulsesDelivered: Int
    public var coil: String
    public var target: String
    public var notes: String

    public init(
        motorThreshold: Double, intensityPercentMT: Double, frequencyHz: Double, pulsesPerTrain: Int,
        trainDurationSeconds: Double, interTrainIntervalSeconds: Double, trains: Int, pulsesDelivered: Int,
        coil: String, target: String, notes: String = ""
    ) {
        self.motorThreshold = motorThreshold
        self.intensityPercentMT = intensityPercentMT
        self.frequencyHz = frequencyHz
        self.pulsesPerTrain = pulsesPerTrain
        self.trainDurationSeconds = trainDurationSeconds
        self.interTrainIntervalSeconds = interTrainIntervalSeconds
        self.trains = trains
        self.pulsesDelivered = pulsesDelivered
        self.coil = coil
        self.target = target
        self.notes = notes
    }

    /// Intensity in % of machine output: %MT x MT.
    public var outputPercent: Double { intensityPercentMT * motorThreshold / 100 }
}

/// What a delivery must be to be a delivery at all (the treatment gate weighs
/// it against the prescription and the safety rules).
public enum DeliveryRules {
    /// The pulses given fit in the trains given, which are bounded (1-10000
    /// trains of 1-10000 pulses), so the product cannot overflow.
    public static func checkConsistency(_ d: Delivery) throws(ClinicError) {
        if d.pulsesDelivered > d.trains.multipliedReportingOverflow(by: d.pulsesPerTrain).partialValue || d.trains < 1 || d.pulsesPerTrain < 1 {
            throw .invalidValue(
                "delivery.pulsesDelivered", "\(d.pulsesDelivered) is more than \(d.trains) trains x \(d.pulsesPerTrain) pulses")
        }
    }

    public static func checkMotorThreshold(_ mt: Double) throws(ClinicError) {
        if !(mt >= 1 && mt <= 100) { throw .invalidValue("motorThreshold", "must be 1 to 100 (% of machine output)") }
    }

    /// Intensity above 100% of machine output is never given.
    public static func checkOutput(intensityPercentMT: Double, motorThreshold: Double) throws(ClinicError) {
        if intensityPercentMT * motorThreshold / 100 > 100 {
            throw aboveMachineOutput(intensityPercentMT: intensityPercentMT, motorThreshold: motorThreshold)
        }
    }

    public static func aboveMachineOutput(intensityPercentMT: Double, motorThreshold: Double) -> ClinicError {
        let output = intensityPercentMT * motorThreshold / 100
        return ClinicError(
            .intensityAboveMachineOutput,
            "\(intensityPercentMT.clinical)% of MT \(motorThreshold.clinical)% is \(output.clinical)% of machine output, above 100%.",
            [("intensityPercentMT", .double(intensityPercentMT)), ("motorThreshold", .double(motorThreshold)),
             ("outputPercent", .double(output))])
    }

    /// No session delivers more pulses than prescribed.
    public static func checkPulses(_ delivered: Int, prescribed: Int) throws(ClinicError) {
        if delivered > prescribed { throw abovePrescription(delivered, prescribed: prescribed) }
    }

    public static func abovePrescription(_ delivered: Int, prescribed: Int) -> ClinicError {
        ClinicError(
            .pulsesAbovePrescription, "\(delivered) pulses is more than the \(prescribed) prescribed per session.",
            [("delivered", .int(delivered)), ("prescribed", .int(prescribed))])
    }
}
