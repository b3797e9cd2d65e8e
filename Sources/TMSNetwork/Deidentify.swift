import TMSStore
import Varlink

/// What of a site's records may leave it for a research or quality roll-up.
public enum RecordsShipped: String, Sendable, Equatable, CaseIterable {
    /// Every record as the site holds it.
    case full
    /// Without names, MRNs, birth dates or contact details, and without free
    /// text (reasons, notes, details, side effects) that may name a patient.
    /// Dates are kept as they are.
    case deidentified = "de-identified"
}

/// An entry made fit to leave a site de-identified: its hash and its link
/// kept (the central server checks the chain's links, which these still
/// make), its summary and its records' identifying and free-text columns left out.
enum Deidentify {
    /// Columns that identify a patient, by name.
    static let identifying: Set<String> = ["mrn", "family_name", "given_name", "birth_date", "phone", "email", "old_value", "new_value",
                                           "referred_by", "name_key"]
    /// Free text a person wrote, which may name anyone: any column whose name holds one of these.
    static let freeText = ["reason", "note", "detail", "side_effects", "summary"]

    static func dropped(_ column: String) -> Bool {
        identifying.contains(column) || freeText.contains { column.contains($0) }
    }

    static func entry(_ entry: ChangeLogEntry) -> ChangeLogEntry {
        var out = entry
        out.summary = "(de-identified)"
        if let changes = entry.changes, case .array(let records)? = try? JSON(parsing: Array(changes.utf8)) {
            out.changes = JSON.array(records.map(record)).text
        } else {
            out.changes = entry.changes == nil ? nil : "[]"
        }
        return out
    }

    static func record(_ record: JSON) -> JSON {
        guard case .object(var members) = record, case .object(let row)? = members["row"] else { return record }
        members["row"] = .object(row.filter { !dropped($0.key) })
        return .object(members)
    }
}
