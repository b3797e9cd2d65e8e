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

    /// How a train stands against the table.
    public enum Verdict: Sendable, Equatable {
        /// Within its row.
        case within
        /// Longer than its row allows, or above the table's intensities: why.
        case exceeds(String)
        /// The table has no row for its coil and frequency: nothing on record says it is safe.
        case unknown(String)
    }

    /// Judges a train of `trainSeconds` at `frequencyHz` and `percentMT` on `coil` by the table.
    public static func check(
        _ limits: [TrainLimit], coil: String, frequencyHz: Double, percentMT: Double, trainSeconds: Double
    ) -> Verdict {
        let rows = limits.filter { $0.coil == coil && abs($0.frequencyHz - frequencyHz) < 0.01 }.sorted { $0.upToPercentMT < $1.upToPercentMT }
        guard !rows.isEmpty else {
            return .unknown("the limits table has no row for the \(coil) coil at \(frequencyHz.clinical) Hz")
        }
        guard let row = rows.first(where: { percentMT <= $0.upToPercentMT + 1e-9 }) else {
            return .exceeds("\(percentMT.clinical)% MT at \(frequencyHz.clinical) Hz on the \(coil) coil is above every row of the limits table"
                + " (highest: \(rows.last!.upToPercentMT.clinical)%)")
        }
        guard trainSeconds <= row.seconds + 1e-9 else {
            return .exceeds("\(trainSeconds.clinical) s trains at \(frequencyHz.clinical) Hz and \(percentMT.clinical)% MT on the \(coil) coil exceed"
                + " the \(row.seconds.clinical) s limit")
        }
        return .within
    }
}
