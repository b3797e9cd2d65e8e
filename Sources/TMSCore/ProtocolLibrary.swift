/// The protocols tmsd knows out of the box, as CLINICAL.md tabulates them.
///
/// This is data, not logic: values marked [verify] in CLINICAL.md are the
/// clinic's to correct, and every entry is checked by `TreatmentProtocol.validate()`
/// in the tests.
public enum ProtocolLibrary {
    public static let builtIn: [TreatmentProtocol] = [
        TreatmentProtocol(
            id: "10hz-ldlpfc", name: "10 Hz left DLPFC", coil: "figure-8", target: "left DLPFC",
            source: "NeuroStar; O'Reardon 2007", frequencyHz: 10, intensityPercentMT: 120,
            pulsesPerTrain: 40, trainDurationSeconds: 4, interTrainIntervalSeconds: 26, trains: 75,
            pulsesPerSession: 3000, phases: standardTaper),
        TreatmentProtocol(
            id: "10hz-dash", name: "10 Hz left DLPFC, Dash", coil: "figure-8", target: "left DLPFC",
            source: "NeuroStar Dash (11 s inter-train interval)", frequencyHz: 10, intensityPercentMT: 120,
            pulsesPerTrain: 40, trainDurationSeconds: 4, interTrainIntervalSeconds: 11, trains: 75,
            pulsesPerSession: 3000, phases: standardTaper),
        TreatmentProtocol(
            id: "deep-tms-h1", name: "Deep TMS H1 18 Hz", coil: "H1", target: "left DLPFC",
            source: "BrainsWay; Levkovitz 2015", frequencyHz: 18, intensityPercentMT: 120,
            pulsesPerTrain: 36, trainDurationSeconds: 2, interTrainIntervalSeconds: 20, trains: 55,
            pulsesPerSession: 1980,
            phases: [.daily(name: "acute", days: 20), .weekly(name: "continuation", perWeek: 2, weeks: 12)]),
        TreatmentProtocol(
            id: "itbs", name: "iTBS 600 pulses", coil: "figure-8", target: "left DLPFC",
            source: "THREE-D, Blumberger 2018 (intensity [verify])", frequencyHz: 50, burstFrequencyHz: 5,
            pulsesPerBurst: 3, intensityPercentMT: 120, pulsesPerTrain: 30, trainDurationSeconds: 2,
            interTrainIntervalSeconds: 8, trains: 20, pulsesPerSession: 600,
            phases: [.daily(name: "acute", days: 30)]),
        TreatmentProtocol(
            id: "1hz-rdlpfc", name: "1 Hz right DLPFC", coil: "figure-8", target: "right DLPFC",
            source: "low-frequency right DLPFC (intensity and pulses [verify])", frequencyHz: 1,
            intensityPercentMT: 110, pulsesPerTrain: 60, trainDurationSeconds: 60, interTrainIntervalSeconds: 0,
            trains: 15, pulsesPerSession: 900, phases: [.daily(name: "acute", days: 30)]),
        TreatmentProtocol(
            id: "accelerated-itbs", name: "Accelerated iTBS (SAINT/SNT)", coil: "figure-8",
            target: "left DLPFC, fMRI-guided", source: "Cole 2020/2022 (SAINT)", frequencyHz: 50,
            burstFrequencyHz: 5, pulsesPerBurst: 3, intensityPercentMT: 90, pulsesPerTrain: 30,
            trainDurationSeconds: 2, interTrainIntervalSeconds: 8, trains: 60, pulsesPerSession: 1800,
            sessionsPerDay: 10, minimumIntervalMinutes: 50, phases: [.daily(name: "accelerated", days: 5)]),
        TreatmentProtocol(
            id: "ocd-h7", name: "Deep TMS H7 for OCD", indication: "obsessive-compulsive disorder", coil: "H7",
            target: "medial prefrontal / anterior cingulate", source: "BrainsWay H7 (100% of leg MT)",
            frequencyHz: 20, intensityPercentMT: 100, pulsesPerTrain: 40, trainDurationSeconds: 2,
            interTrainIntervalSeconds: 20, trains: 50, pulsesPerSession: 2000,
            phases: [.daily(name: "acute", days: 30)]),
        TreatmentProtocol(
            id: "smoking-h4", name: "Deep TMS H4 for smoking cessation", indication: "smoking cessation",
            coil: "H4", target: "lateral prefrontal and insular cortices", source: "BrainsWay H4 ([verify])",
            frequencyHz: 10, intensityPercentMT: 120, pulsesPerTrain: 30, trainDurationSeconds: 3,
            interTrainIntervalSeconds: 15, trains: 60, pulsesPerSession: 1800,
            phases: [.daily(name: "acute", days: 15), .weekly(name: "maintenance", perWeek: 1, weeks: 3)]),
    ]

    /// 5 a week for 6 weeks, then a taper of 3, 2 and 1 a week: 36 sessions.
    static let standardTaper: [CoursePhase] = [
        .daily(name: "acute", days: 30),
        .weekly(name: "taper 1", perWeek: 3, weeks: 1),
        .weekly(name: "taper 2", perWeek: 2, weeks: 1),
        .weekly(name: "taper 3", perWeek: 1, weeks: 1),
    ]

    public static func find(_ id: String) -> TreatmentProtocol? { builtIn.first { $0.id == id } }
}
