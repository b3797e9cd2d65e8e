/// One row of the train-duration limits: for a coil at a frequency, the
/// longest single train up to an intensity.
public struct TrainLimit: Sendable, Hashable {
    public var coil: String
    public var frequencyHz: Double
    public var upToPercentMT: Double
    public var seconds: Double

    public init(coil: String, frequencyHz: Double, upToPercentMT: Double, seconds: Double) {
        self.coil = coil
        self.frequencyHz = frequencyHz
        self.upToPercentMT = upToPercentMT
        self.seconds = seconds
    }

    /// Why a train breaks the table, or nil when it keeps it (or the table
    /// has no row for its coil and frequency).
    public static func check(
        _ limits: [TrainLimit], coil: String, frequencyHz: Double, percentMT: Double, trainSeconds: Double
    ) -> String? {
        let rows = limits.filter { $0.coil == coil && abs($0.frequencyHz - frequencyHz) < 0.01 }.sorted { $0.upToPercentMT < $1.upToPercentMT }
        guard !rows.isEmpty else { return nil }
        guard let row = rows.first(where: { percentMT <= $0.upToPercentMT + 1e-9 }) else {
            return "\(percentMT.clinical)% MT at \(frequencyHz.clinical) Hz on the \(coil) coil is above every row of the limits table"
                + " (highest: \(rows.last!.upToPercentMT.clinical)%)"
        }
        guard trainSeconds <= row.seconds + 1e-9 else {
            return "\(trainSeconds.clinical) s trains at \(frequencyHz.clinical) Hz and \(percentMT.clinical)% MT on the \(coil) coil exceed"
                + " the \(row.seconds.clinical) s limit"
        }
        return nil
    }
}
