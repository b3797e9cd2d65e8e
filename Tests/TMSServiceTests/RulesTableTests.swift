import Foundation
import Testing
import TMSCore
import TMSInterface
@testable import TMSService

/// The README's "Rules the daemon enforces" is the gate's rules as the
/// bundled clinical data weighs them: the two cannot drift.
@Suite struct RulesTableTests {
    struct Row: Equatable {
        var rule: String
        /// "refuse (hard stop)", "override", "warn".
        var severity: String
        var tolerance: String
        var error: String
    }

    /// The rows of the table under the `<!-- rules: ... -->` marker.
    func readmeRows() throws -> [Row] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- rules: rule | what it checks | severity | tolerance | error -->"))
        var rows: [Row] = []
        for line in text[marker.upperBound...].split(separator: "\n").dropFirst(2) {
            guard line.hasPrefix("| `") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(cells.count == 7, "\(line)")
            rows.append(Row(
                rule: cells[1].trimmingCharacters(in: ["`"]), severity: cells[3],
                tolerance: cells[4], error: cells[5].trimmingCharacters(in: ["`"])))
        }
        return rows
    }

    @Test func theReadmeListsEveryRuleAsTheBundledDataWeighsIt() throws {
        let rows = try readmeRows()
        #expect(rows.map(\.rule) == GateRule.allCases.map(\.rawValue), "one row per rule, in the gate's order")
        let bundled = ClinicalData.bundled
        for rule in GateRule.allCases {
            guard let row = rows.first(where: { $0.rule == rule.rawValue }) else { continue }
            let severity = bundled.policy.severity(rule).rawValue
            #expect(row.severity == (rule.isHardStop ? "\(severity) (hard stop)" : severity), "\(rule.rawValue)")
            let tolerance = bundled.tolerances[rule].map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? ""
            #expect(row.tolerance == tolerance, "\(rule.rawValue)")
        }
    }

    @Test func everyRulesErrorIsOneTheInterfaceDeclares() throws {
        let declared = Set(Clinic.interface.errors.keys)
        for row in try readmeRows() {
            #expect(declared.contains(row.error) || declared.contains("\(Clinic.interfaceName).\(row.error)"), "\(row.rule): \(row.error)")
        }
    }

    /// Every rule of the bundled `[rules]` is a rule of the gate, and every rule of the gate is in it.
    @Test func theBundledRulesNameEveryRule() {
        let bundled = ClinicalData.bundled
        #expect(Set(bundled.severities.keys) == Set(GateRule.allCases))
    }
}
