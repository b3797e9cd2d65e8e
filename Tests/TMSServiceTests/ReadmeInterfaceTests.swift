import Foundation
import Testing
import TMSInterface

/// The README's lists of methods and errors ("The Varlink interface") are
/// the interface's own: a method or error added without its line fails here.
@Suite struct ReadmeInterfaceTests {
    /// The backquoted names in the README's paragraph that starts with `opening`, up to its blank line.
    func names(after opening: String) throws -> [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(text.range(of: "\n" + opening))
        let paragraph = String(text[start.upperBound...]).components(separatedBy: "\n\n")[0]
        let pieces = paragraph.components(separatedBy: "`")
        return stride(from: 1, to: pieces.count, by: 2).map { pieces[$0] }
    }

    @Test func theReadmeListsEveryMethod() throws {
        let listed = Set(try names(after: "Methods:"))
        let declared = Set(Clinic.methods.map { $0.name })
        #expect(listed == declared)
    }

    @Test func theReadmeListsEveryError() throws {
        let named = try names(after: "Every failure is a named error")
        let listed = Set(named.filter { !$0.contains(".") && $0 != "message" })
        let standard: Set<String> = ["MethodNotFound", "InvalidParameter"]
        let declared = Set(Clinic.interface.errors.keys)
        #expect(listed.subtracting(standard) == declared)
    }
}
