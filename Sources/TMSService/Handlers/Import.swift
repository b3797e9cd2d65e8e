import Crypto
import TMSCore
import TMSInterface
import TMSStore
import Varlink

/// An import's columns: each a CSV header name and the method parameter it
/// fills, so a record is held to the very rules the method's own call is
/// (its constraints and its decoding), not to a second copy of them.
struct ImportColumns {
    enum Kind { case text, number }

    struct Column {
        let name: String
        /// The method's parameter; nil for a column read apart (an MRN looked up, a contact detail).
        let parameter: String?
        let kind: Kind
        let required: Bool
        /// The words it takes, for a column the method reads as one of them.
        var values: [String]? = nil
        /// A value it takes, standing in for a required one found wrong so the rest of the record is checked.
        var sample: JSON {
            if let first = values?.first { return .string(first) }
            return kind == .number ? .double(1) : name.hasSuffix("_date") ? "2000-01-01" : "x"
        }
    }

    let columns: [Column]

    var names: [String] { columns.map(\.name) }

    /// The column that fills `parameter`.
    func column(of parameter: String) -> String? {
        let root = parameter.split(separator: ".").first.map(String.init) ?? parameter
        return columns.first { $0.parameter == root }?.name
    }

    /// The header's problems: a column not known, a required one missing.
    func check(header: [String]) -> [Clinic.ImportProblem] {
        var problems = header.filter { !names.contains($0) }.map {
            Clinic.ImportProblem(line: 1, column: $0, message: "unknown column; the columns are \(names.joined(separator: ", "))")
        }
        for column in columns where column.required && !header.contains(column.name) {
            problems.append(.init(line: 1, column: column.name, message: "the column is missing (it is required)"))
        }
        return problems
    }

    /// A record's values by column (empty ones left out), and its parameters
    /// for the method; or the record's problems.
    func read(_ record: CSVTable.Record, header: [String]) -> (values: [String: String], parameters: [String: JSON], problems: [Clinic.ImportProblem]) {
        guard record.fields.count == header.count else {
            return ([:], [:], [.init(line: record.line, column: nil,
                                     message: "has \(record.fields.count) fields; the header has \(header.count)")])
        }
        var values: [String: String] = [:], parameters: [String: JSON] = [:], problems: [Clinic.ImportProblem] = []
        for (name, field) in zip(header, record.fields) where !field.isEmpty {
            values[name] = field
        }
        for column in columns {
            guard let value = values[column.name], !value.allSatisfy(\.isWhitespace) else {
                if column.required { problems.append(.init(line: record.line, column: column.name, message: "is empty (it is required)")) }
                continue
            }
            guard let parameter = column.parameter else { continue }
            if let words = column.values, !words.contains(value) {
                problems.append(.init(line: record.line, column: column.name, message: "is not one of \(words.joined(separator: ", "))"))
                continue
            }
            switch column.kind {
            case .text: parameters[parameter] = .string(value)
            case .number:
                guard let number = Double(value.trimmingCharacters(in: .whitespaces)), number.isFinite else {
                    problems.append(.init(line: record.line, column: column.name, message: "is not a number"))
                    continue
                }
                parameters[parameter] = .double(number)
            }
        }
        return (values, parameters, problems)
    }

    /// `M`'s input from a record's parameters; nil, and every problem that
    /// keeps it from one (named by column) added to `problems`, when it
    /// cannot be. (The method's rules name one parameter at a time: each
    /// found is set aside and the rest checked again.)
    func input<M: ClinicMethod>(
        _ method: M.Type, _ parameters: [String: JSON], line: Int, rules: ConstraintRules, today: CivilDate,
        problems: inout [Clinic.ImportProblem]
    ) -> M.Input? {
        var parameters = parameters
        var found: [Clinic.ImportProblem] = []
        for _ in 0...(2 * columns.count) {
            do {
                let input = try MethodTable.input(M.self, parameters, rules: rules, today: today)
                if found.isEmpty { return input }
                break
            } catch {
                let problem = problem(error, line: line)
                guard let column = columns.first(where: { $0.name == problem.column }), let parameter = column.parameter else {
                    found.append(problem)
                    break
                }
                // Named once: a required value found wrong (here or as the record was read) is missing after.
                let named = (found + problems).contains { $0.line == line && $0.column == column.name }
                if !named { found.append(problem) }
                if column.required {
                    if parameters[parameter] == column.sample { break }
                    parameters[parameter] = column.sample
                } else {
                    parameters[parameter] = nil
                }
            }
        }
        problems += found
        return nil
    }

    /// A refusal as a problem of the column its parameter came from.
    func problem(_ error: any Error, line: Int) -> Clinic.ImportProblem {
        if let error = error as? ClinicError {
            let parameter = error.parameters.first { $0.0 == "parameter" }.flatMap { if case .string(let p) = $0.1 { p } else { nil } }
            let reason = error.parameters.first { $0.0 == "reason" }.flatMap { if case .string(let r) = $0.1 { r } else { nil } }
            switch error.code {
            case .invalidDate: return .init(line: line, column: parameter.flatMap(column(of:)), message: "is not a date (YYYY-MM-DD)")
            case .invalidValue: return .init(line: line, column: parameter.flatMap(column(of:)), message: reason ?? error.message)
            default: return .init(line: line, column: nil, message: error.message)
            }
        }
        if let error = error as? VarlinkError, case .string(let parameter)? = error.parameters["parameter"] {
            return .init(line: line, column: column(of: parameter), message: "is not one of the values it takes")
        }
        return .init(line: line, column: nil, message: "\(error)")
    }
}

// Imports of patients and trial histories from CSV files.
extension ClinicHandler {
    static let patientColumns = ImportColumns(columns: [
        .init(name: "mrn", parameter: "mrn", kind: .text, required: true),
        .init(name: "family_name", parameter: "familyName", kind: .text, required: true),
        .init(name: "given_name", parameter: "givenName", kind: .text, required: true),
        .init(name: "birth_date", parameter: "birthDate", kind: .text, required: true),
        .init(name: "phone", parameter: nil, kind: .text, required: false),
        .init(name: "email", parameter: nil, kind: .text, required: false),
    ])

    static let trialColumns = ImportColumns(columns: [
        .init(name: "mrn", parameter: nil, kind: .text, required: true),
        .init(name: "kind", parameter: "kind", kind: .text, required: true, values: Trial.Kind.allCases.map(\.rawValue)),
        .init(name: "drug", parameter: "drug", kind: .text, required: false),
        .init(name: "drug_class", parameter: "drugClass", kind: .text, required: false),
        .init(name: "highest_dose", parameter: "highestDose", kind: .number, required: false),
        .init(name: "unit", parameter: "unit", kind: .text, required: false),
        .init(name: "weeks_at_dose", parameter: "weeksAtDose", kind: .number, required: true),
        .init(name: "adherence", parameter: "adherence", kind: .text, required: true, values: Trial.Adherence.allCases.map(\.rawValue)),
        .init(name: "outcome", parameter: "outcome", kind: .text, required: true, values: Trial.Outcome.allCases.map(\.rawValue)),
        .init(name: "side_effects", parameter: "sideEffects", kind: .text, required: false),
        .init(name: "reason_stopped", parameter: "reasonStopped", kind: .text, required: false),
    ])

    func registerImports(_ table: inout MethodTable) {
        let patientRules = ConstraintRules(Clinic.AddPatient.Input.constraints)
        let trialRules = ConstraintRules(Clinic.RecordTrial.Input.constraints)
        table.on(Clinic.ImportPatients.self) { input, call in
            try importing(input, call, Self.patientColumns) { table, problems in
                let columns = Self.patientColumns
                var rows: [(patient: NewPatient, contact: Contact?)] = []
                var seen: [String: Int] = [:]  // MRN: the line it was first on
                let registered = try store.patientIds(mrns: Self.mrns(table))
                for record in table.records {
                    let before = problems.count
                    let (values, parameters, found) = columns.read(record, header: table.header)
                    problems += found
                    guard record.fields.count == table.header.count else { continue }
                    var contact: Contact?
                    if values["phone"] != nil || values["email"] != nil {
                        let c = Contact(phone: values["phone"].map(UntrustedText.trimmed), email: values["email"].map(UntrustedText.trimmed))
                        if let (field, reason) = c.problem { problems.append(.init(line: record.line, column: field, message: reason)) }
                        contact = c
                    }
                    let patient = columns.input(
                        Clinic.AddPatient.self, parameters, line: record.line, rules: patientRules, today: call.today, problems: &problems)
                    if let mrn = values["mrn"].map(UntrustedText.trimmed), !mrn.isEmpty {
                        if !call.configuration.looksLikeMRN(mrn) {
                            problems.append(.init(line: record.line, column: "mrn", message: "does not look like this clinic's MRNs ([patients] mrn-pattern)"))
                        } else if let existing = registered[mrn] {
                            problems.append(.init(line: record.line, column: "mrn", message: "is already registered, to patient \(existing)"))
                        } else if let first = seen[mrn] {
                            problems.append(.init(line: record.line, column: "mrn", message: "repeats the MRN of line \(first)"))
                        } else {
                            seen[mrn] = record.line
                        }
                    }
                    guard problems.count == before, let patient else { continue }
                    rows.append((NewPatient(mrn: patient.mrn, familyName: patient.familyName, givenName: patient.givenName,
                                            birthDate: patient.birthDate), contact))
                }
                return { sha256 in try store.importPatients(rows, sha256: sha256, audit: call.audit) }
            }
        }
        table.on(Clinic.ImportTrials.self) { input, call in
            try importing(input, call, Self.trialColumns) { table, problems in
                let columns = Self.trialColumns
                var rows: [(patientId: Int, trial: Trial, sideEffects: String, reasonStopped: String)] = []
                let registered = try store.patientIds(mrns: Self.mrns(table))
                for record in table.records {
                    let before = problems.count
                    let (values, read, found) = columns.read(record, header: table.header)
                    var parameters = read
                    problems += found
                    guard record.fields.count == table.header.count else { continue }
                    // (A placeholder id while the MRN is not found, so the rest of the record is checked too.)
                    let patientId = values["mrn"].map(UntrustedText.trimmed).flatMap { registered[$0] }
                    if values["mrn"] != nil, patientId == nil {
                        problems.append(.init(line: record.line, column: "mrn", message: "no patient has this MRN; import the patients first"))
                    }
                    parameters["patientId"] = .int(patientId ?? 1)
                    guard let t = columns.input(
                        Clinic.RecordTrial.self, parameters, line: record.line, rules: trialRules, today: call.today, problems: &problems)
                    else { continue }
                    let drug = t.drug?.lowercased()
                    let trial = Trial(
                        id: 0, kind: t.kind, drug: drug, drugClass: t.drugClass ?? drug.flatMap { call.clinical.drugs[$0]?.drugClass },
                        highestDose: t.highestDose, unit: t.unit,
                        weeksAtDose: t.weeksAtDose, adherence: t.adherence, outcome: t.outcome)
                    do throws(ClinicError) {
                        try trial.check()
                    } catch {
                        problems.append(columns.problem(error, line: record.line))
                    }
                    guard problems.count == before, let patientId else { continue }
                    rows.append((patientId, trial, t.sideEffects ?? "", t.reasonStopped ?? ""))
                }
                return { sha256 in try store.importTrials(rows, sha256: sha256, audit: call.audit) }
            }
        }
    }

    /// The MRNs a file's records name.
    static func mrns(_ table: CSVTable) -> Set<String> {
        guard let index = table.header.firstIndex(of: "mrn") else { return [] }
        return Set(table.records.compactMap { $0.fields.count == table.header.count ? UntrustedText.trimmed($0.fields[index]) : nil })
    }

    /// An import: the file read, its records checked by `check` (which adds
    /// what it finds to the problems and returns the write to make), and,
    /// unless it was a dry run or something was found, that write.
    private func importing(
        _ input: Clinic.ImportInput, _ call: Call, _ columns: ImportColumns,
        _ check: (CSVTable, inout [Clinic.ImportProblem]) throws -> (String) throws -> [Int]
    ) throws -> Clinic.ImportReply {
        let sha256 = SHA256.hash(data: Array(input.csv.utf8)).withUnsafeBytes(Hex.string)
        var problems: [Clinic.ImportProblem] = []
        var rows = 0
        var write: ((String) throws -> [Int])?
        do {
            let table = try CSVTable(parsing: input.csv)
            rows = table.records.count
            problems = columns.check(header: table.header)
            if problems.isEmpty {
                if table.records.isEmpty { problems.append(.init(line: 2, column: nil, message: "the file has a header and no records")) }
                write = try check(table, &problems)
            }
        } catch let error as CSVTable.Unreadable {
            problems = [.init(line: error.line, column: nil, message: error.reason)]
        }
        problems.sort { $0.line < $1.line }  // (stable: a line's problems in the order of its checks)
        if let first = problems.first, input.dryRun != true {
            throw ClinicError.importInvalid(problems: problems.count, line: first.line, column: first.column, reason: first.message)
        }
        guard input.dryRun != true, let write else { return .init(rows: rows, imported: 0, problems: problems, sha256: sha256, ids: []) }
        let ids = try write(sha256)
        log("import recorded", call, ["tmsd_records": "\(ids.count)", "tmsd_sha256": "\(sha256)"])
        return .init(rows: rows, imported: ids.count, problems: [], sha256: sha256, ids: ids)
    }
}
