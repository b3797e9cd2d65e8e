import Foundation
public import TMSCore
public import TMSStore
import TOMLKit

/// The clinical lists and limits tmsd works from: the bundled clinical.toml,
/// with the clinic's own file (`[clinical] data`) laid over it key by key.
public struct ClinicalData: Sendable, Equatable {
    public var scales: [String: OutcomeScale]
    public var recheck = RecheckRules()
    public var eventKinds: [String: AdverseEventKind] = [:]
    public var trainLimits: [TrainLimit] = []
    public var screen: [ScreenQuestion] = []
    public var drugs: [String: DrugClass] = [:]
    /// Drug properties whose change during a course makes the MT re-check due.
    public var recheckOnChange: Set<String> = ["seizure", "raises-mt"]
    public var eligibility = EligibilityRules()
    /// `[evaluation.ID]`: the pre-TMS evaluation's items.
    public var evaluation = EvaluationRules()
    /// `[fhir]`: the codes an export writes.
    public var codes = InterchangeCodes()
    public var billing = BillingRules()
    /// `[rules]`: how the treatment gate weighs each rule, and the tolerances of the deviation rules.
    public var severities: [GateRule: Finding.Severity] = [:]
    public var tolerances: [GateRule: Double] = [:]

    /// The treatment gate's policy: the rules' weights and the tables they read.
    public var policy: GatePolicy {
        var policy = GatePolicy()
        policy.recheck = recheck
        policy.trainLimits = trainLimits
        policy.severities = severities
        policy.tolerances = tolerances
        return policy
    }

    /// Which records the gate's rules read.
    public var selection: FactSelection { FactSelection(holdKinds: holdKinds, recheckDrugs: recheckDrugs) }

    /// The adverse event kinds that put a course on hold (a seizure).
    public var holdKinds: Set<String> { Set(eventKinds.values.filter(\.hold).map(\.id)) }
    /// The drugs whose start, change or stop makes the MT re-check due.
    public var recheckDrugs: Set<String> { Set(drugs.values.filter { $0.triggersRecheck(recheckOnChange) }.map(\.name)) }

    /// The bundled file, as shipped.
    public static let bundledText = String(decoding: PackageResources.clinical_toml, as: UTF8.self)

    /// The bundled data alone. The bundled file is checked by the tests, so a
    /// failure here is a defect of the build.
    public static let bundled: ClinicalData = {
        do {
            return try ClinicalData.parse([(bundledText, "clinical.toml (bundled)")])
        } catch {
            fatalError("the bundled clinical.toml does not load: \(error)")
        }
    }()

    /// Reads each text in order; later texts change earlier ones key by key.
    public static func parse(_ texts: [(text: String, file: String)]) throws(Configuration.Invalid) -> ClinicalData {
        // Per scale, per key: the value, its file, its line, and which text (later wins).
        var fields: [String: [String: (any TOMLValueConvertible, String, Int?, Int)]] = [:]
        var problems: [Configuration.Problem] = []
        var recheck = RecheckRules()
        var kinds: [String: AdverseEventKind] = [:]
        var limits: [TrainLimit] = []
        var screen: [String: ScreenQuestion] = [:]
        var drugs: [String: DrugClass] = [:]
        var recheckOnChange: Set<String> = ["seizure", "raises-mt"]
        var eligibility = EligibilityRules()
        // Each item, and where it was first defined: the evaluation lists its items in the file's order.
        var evaluationItems: [String: (item: EvaluationItem, at: (Int, Int))] = [:]
        var codes = InterchangeCodes()
        var payerLines: [String: (file: String, line: Int?)] = [:]
        var psychotherapyLine: (file: String, line: Int?)?
        var billing = BillingRules()
        var severities: [GateRule: Finding.Severity] = [:]
        var tolerances: [GateRule: Double] = [:]
        for (order, (text, file)) in texts.enumerated() {
            let table: TOMLTable
            do {
                table = try TOMLTable(string: text)
            } catch let error as TOMLParseError {
                throw Configuration.Invalid(problems: [.init(file: file, line: error.source.begin.line, key: nil, message: error.description)])
            } catch {
                throw Configuration.Invalid(problems: [.init(file: file, line: nil, key: nil, message: "\(error)")])
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for key in table.keys where !["scales", "mt-recheck", "adverse-events", "train-limits", "screen", "drugs", "medication-rules", "eligibility", "minimum-doses", "payers", "billing", "rules", "evaluation", "fhir"].contains(key) {
                problems.append(.init(file: file, line: Configuration.line(of: key, in: nil, lines), key: key,
                                      message: "unknown section; clinical data holds [scales.ID], [mt-recheck], [adverse-events], [[train-limits]], [screen], [drugs], [medication-rules], [eligibility], [minimum-doses], [payers.ID], [evaluation.ID], [billing], [rules] and [fhir]"))
            }
            func problem(_ section: String, _ key: String, _ message: String) {
                problems.append(.init(file: file, line: Configuration.line(of: key, in: section, lines), key: "\(section).\(key)",
                                      message: message))
            }
            if let rules = table["mt-recheck"]?.table {
                for key in rules.keys {
                    let value = rules[key]!
                    switch key {
                    case "every-days", "after-gap-days":
                        // 0 turns the rule off.
                        guard let days = value.int, days >= 0 else {
                            problem("mt-recheck", key, "must be a whole number of days (0: never)")
                            continue
                        }
                        if key == "every-days" { recheck.everyDays = days == 0 ? nil : days } else {
                            recheck.afterGapDays = days == 0 ? nil : days
                        }
                    case "after-seizure":
                        guard let flag = value.bool else {
                            problem("mt-recheck", key, "must be true or false")
                            continue
                        }
                        recheck.afterSeizure = flag
                    default:
                        problem("mt-recheck", key, "unknown key; takes every-days, after-gap-days, after-seizure")
                    }
                }
            }
            if let rows = table["train-limits"]?.array {
                // A file's rows replace the rows before it for the coils it names.
                var mine: [TrainLimit] = []
                for (index, element) in rows.enumerated() {
                    let key = "train-limits[\(index + 1)]"
                    func number(_ name: String) -> Double? {
                        element.table?[name].flatMap { $0.double ?? $0.int.map(Double.init) }
                    }
                    guard let row = element.table, let coil = row["coil"]?.string, let frequency = number("frequency"),
                          let upTo = number("up-to-percent-mt"), let seconds = number("seconds"),
                          frequency > 0, upTo > 0, seconds > 0 else {
                        problems.append(.init(file: file, line: Configuration.line(of: key, in: nil, lines), key: key,
                                              message: "needs coil, and frequency, up-to-percent-mt and seconds above 0"))
                        continue
                    }
                    mine.append(TrainLimit(coil: coil, frequencyHz: frequency, upToPercentMT: upTo, seconds: seconds))
                }
                let coils = Set(mine.map(\.coil))
                limits = limits.filter { !coils.contains($0.coil) } + mine
            }
            if let questions = table["screen"]?.table {
                for id in questions.keys {
                    guard let body = questions[id]?.table, let text = body["question"]?.string,
                          let weight = body["contraindication"]?.string.flatMap(ScreenQuestion.Weight.init(rawValue:)) else {
                        problem("screen", id, "must be { question = \"...\", contraindication = \"absolute\" or \"relative\" }")
                        continue
                    }
                    screen[id] = ScreenQuestion(id: id, question: text, weight: weight)
                }
            }
            if let list = table["drugs"]?.table {
                for name in list.keys {
                    guard let body = list[name]?.table, let drugClass = body["class"]?.string else {
                        problem("drugs", name, "must be { class = \"...\" } with seizure, raises-mt, blunts, antidepressant as they apply")
                        continue
                    }
                    if let unknown = body.keys.first(where: { !["class", "seizure", "raises-mt", "blunts", "antidepressant"].contains($0) }) {
                        problem("drugs", name, "unknown key \(unknown); a drug takes class, seizure, raises-mt, blunts, antidepressant")
                        continue
                    }
                    if let flag = ["raises-mt", "blunts", "antidepressant"].first(where: { body[$0] != nil && body[$0]?.bool == nil }) {
                        problem("drugs", name, "\(flag) must be true or false")
                        continue
                    }
                    var hazard: DrugClass.Hazard?
                    if let raw = body["seizure"] {
                        guard let parsed = raw.string.flatMap(DrugClass.Hazard.init(rawValue:)) else {
                            problem("drugs", name, "seizure must be \"strong\" or \"relative\"")
                            continue
                        }
                        hazard = parsed
                    }
                    drugs[name.lowercased()] = DrugClass(
                        name: name.lowercased(), drugClass: drugClass, seizure: hazard, raisesMT: body["raises-mt"]?.bool ?? false,
                        blunts: body["blunts"]?.bool ?? false, antidepressant: body["antidepressant"]?.bool ?? false)
                }
            }
            func number(_ value: (any TOMLValueConvertible)?) -> Double? { value.flatMap { $0.double ?? $0.int.map(Double.init) } }
            if let rules = table["eligibility"]?.table {
                for key in rules.keys {
                    switch key {
                    case "minimum-weeks":
                        guard let weeks = number(rules[key]), weeks > 0 else { problem("eligibility", key, "must be a number of weeks above 0"); continue }
                        eligibility.minimumWeeks = weeks
                    case "trd-trials":
                        guard let n = rules[key]?.int, n > 0 else { problem("eligibility", key, "must be a whole number above 0"); continue }
                        eligibility.trdTrials = n
                    case "augmentation-counts":
                        guard let flag = rules[key]?.bool else { problem("eligibility", key, "must be true or false"); continue }
                        eligibility.augmentationCounts = flag
                    case "psychotherapy-tried":
                        // { ITEM = ["RESULT", ...] }: the evaluation's results that count as psychotherapy tried; {} for none.
                        let shape = "must be { ITEM = [\"RESULT\", ...] } (one evaluation item), or {} for none"
                        guard let body = rules[key]?.table, body.keys.count <= 1 else { problem("eligibility", key, shape); continue }
                        if let item = body.keys.first {
                            let values = body[item]?.array ?? []
                            let results = values.compactMap { $0.string }
                            guard !results.isEmpty, results.count == values.count else { problem("eligibility", key, shape); continue }
                            eligibility.psychotherapyTried = EvaluationResults(item: String(item), results: Set(results))
                        } else {
                            eligibility.psychotherapyTried = nil
                        }
                        psychotherapyLine = (file, Configuration.line(of: key, in: "eligibility", lines))
                    default: problem("eligibility", key, "unknown key; takes minimum-weeks, trd-trials, augmentation-counts, psychotherapy-tried")
                    }
                }
            }
            if let rules = table["rules"]?.table {
                // The treatment gate's rules: { severity = "refuse" | "override" | "warn", tolerance = N } as they apply.
                for key in rules.keys {
                    guard let rule = GateRule(rawValue: key) else {
                        problem("rules", key, "unknown rule; the rules are \(GateRule.allCases.map(\.rawValue).joined(separator: ", "))")
                        continue
                    }
                    guard let body = rules[key]?.table else {
                        problem("rules", key, "must be { severity = \"refuse\", \"override\" or \"warn\" }")
                        continue
                    }
                    for field in body.keys where field != "severity" && !(field == "tolerance" && rule.isDeviation) {
                        problem("rules", key, "unknown key \(field); a rule takes severity\(rule.isDeviation ? " and tolerance" : "")")
                    }
                    if let raw = body["severity"] {
                        guard let severity = raw.string.flatMap(Finding.Severity.init(rawValue:)) else {
                            problem("rules", key, "severity must be \"refuse\", \"override\" or \"warn\"")
                            continue
                        }
                        if rule.isHardStop, severity != .refuse {
                            problem("rules", key, "is a hard stop: it always refuses, whatever the data says")
                            continue
                        }
                        severities[rule] = severity
                    }
                    if let raw = body["tolerance"], rule.isDeviation {
                        guard let tolerance = number(raw), tolerance >= 0, tolerance <= 1000 else {
                            problem("rules", key, "tolerance must be a number, 0 to 1000")
                            continue
                        }
                        tolerances[rule] = tolerance
                    }
                }
            }
            if let rules = table["billing"]?.table {
                for key in rules.keys {
                    switch key {
                    case "initial", "delivery", "redetermination":
                        guard let code = rules[key]?.string, !code.isEmpty, code.count <= 16,
                              code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                            problem("billing", key, "must be a code of 1 to 16 letters, digits or '-'")
                            continue
                        }
                        switch key {
                        case "initial": billing.initial = code
                        case "delivery": billing.delivery = code
                        default: billing.redetermination = code
                        }
                    case "redetermination-days":
                        guard let days = rules[key]?.int, (0...366).contains(days) else {
                            problem("billing", key, "must be a whole number of days, 0 to 366 (0: no limit)")
                            continue
                        }
                        billing.redeterminationDays = days
                    default: problem("billing", key, "unknown key; takes initial, delivery, redetermination, redetermination-days")
                    }
                }
            }
            if let doses = table["minimum-doses"]?.table {
                for drug in doses.keys {
                    guard let mg = number(doses[drug]), mg > 0 else { problem("minimum-doses", drug, "must be a dose in mg above 0"); continue }
                    eligibility.minimumDoses[drug.lowercased()] = mg
                }
            }
            if let payers = table["payers"]?.table {
                for id in payers.keys {
                    guard let body = payers[id]?.table, let name = body["name"]?.string else {
                        problem("payers", id, "must be a [payers.\(id)] section with a name")
                        continue
                    }
                    let keys = ["name", "adequate-trials", "drug-classes", "psychotherapy", "phq9-at-least", "augmentation-counts", "evaluation"]
                    for key in body.keys where !keys.contains(key) {
                        problem("payers.\(id)", key, "unknown key; takes \(keys.joined(separator: ", "))")
                    }
                    var required: [String: [String]] = [:]
                    if let raw = body["evaluation"] {
                        let table = raw.table
                        for item in table?.keys ?? [] {
                            let results = table?[item]?.array?.compactMap { $0.string } ?? []
                            if results.isEmpty || results.count != table?[item]?.array?.count {
                                problem("payers.\(id)", "evaluation", "\(item) must list the results that meet the rule")
                            }
                            required[item] = results
                        }
                        if table == nil { problem("payers.\(id)", "evaluation", "must be { ITEM = [\"result\", ...] }") }
                    }
                    payerLines[id] = (file, Configuration.line(of: id, in: "payers", lines) ?? Configuration.line(of: "name", in: "payers.\(id)", lines))
                    let rule = PayerRule(
                        id: id, name: name, adequateTrials: body["adequate-trials"]?.int, drugClasses: body["drug-classes"]?.int,
                        psychotherapy: body["psychotherapy"]?.bool ?? false, phq9AtLeast: body["phq9-at-least"]?.int,
                        augmentationCounts: body["augmentation-counts"]?.bool, evaluation: required)
                    eligibility.payers.removeAll { $0.id == id }
                    eligibility.payers.append(rule)
                }
            }
            if let items = table["evaluation"]?.table {
                for id in items.keys {
                    guard let body = items[id]?.table, let name = body["name"]?.string, !name.isEmpty,
                          let section = body["section"]?.string.flatMap(EvaluationItem.Section.init(rawValue:)),
                          let results = body["results"]?.array?.compactMap({ $0.string }), !results.isEmpty,
                          results.count == body["results"]?.array?.count else {
                        problem("evaluation", id, "must be { section = \"diagnosis\", \"medical\", \"lifestyle\" or \"treatments\", name = \"...\", results = [\"...\", ...] } (and required = false for an item the evaluation may leave out)")
                        continue
                    }
                    for key in body.keys where !["section", "name", "results", "required"].contains(key) {
                        problem("evaluation", id, "unknown key \(key); an item takes section, name, results, required")
                    }
                    let at = evaluationItems[id]?.at ?? (order, Configuration.line(of: id, in: "evaluation", lines) ?? 0)
                    evaluationItems[id] = (EvaluationItem(id: id, section: section, name: name, results: results, required: body["required"]?.bool ?? true), at)
                }
            }
            if let fhir = table["fhir"]?.table {
                codes.read(fhir) { key, message in problem("fhir", key, message) }
            }
            if let rules = table["medication-rules"]?.table {
                for key in rules.keys {
                    guard key == "recheck-on-change", let list = rules[key]?.array?.compactMap({ $0.string }),
                          list.allSatisfy({ ["seizure", "raises-mt", "blunts"].contains($0) }) else {
                        problem("medication-rules", key, "takes recheck-on-change, a list of seizure, raises-mt, blunts")
                        continue
                    }
                    recheckOnChange = Set(list)
                }
            }
            if let events = table["adverse-events"]?.table {
                for id in events.keys {
                    guard let body = events[id]?.table, let name = body["name"]?.string, !name.isEmpty else {
                        problem("adverse-events", id, "must be { name = \"...\" } (and hold = true to put the course on hold)")
                        continue
                    }
                    kinds[id] = AdverseEventKind(id: id, name: name, hold: body["hold"]?.bool ?? false)
                }
            }
            guard let scales = table["scales"]?.table else { continue }
            for id in scales.keys {
                guard let body = scales[id]?.table else { continue }
                for key in body.keys {
                    fields[id, default: [:]][key] = (body[key]!, file, Configuration.line(of: key, in: "scales.\(id)", lines), order)
                }
            }
        }
        // An item, and results of it, named outside [evaluation] must be the evaluation's.
        func checkEvaluationItem(_ item: String, _ results: [String], key: String, at place: (file: String, line: Int?)?) {
            let (file, line) = place ?? ("clinical data", nil)
            guard let known = evaluationItems[item]?.item else {
                problems.append(.init(file: file, line: line, key: key, message: "\(item) is not an evaluation item ([evaluation.ID])"))
                return
            }
            for result in results where !known.results.contains(result) {
                problems.append(.init(file: file, line: line, key: key,
                                      message: "\(item) is never \(result); it is one of \(known.results.joined(separator: ", "))"))
            }
        }
        if let tried = eligibility.psychotherapyTried {
            checkEvaluationItem(tried.item, tried.results.sorted(), key: "eligibility.psychotherapy-tried", at: psychotherapyLine)
        }
        for rule in eligibility.payers {
            for (item, results) in rule.evaluation.sorted(by: { $0.key < $1.key }) {
                checkEvaluationItem(item, results, key: "payers.\(rule.id).evaluation", at: payerLines[rule.id])
            }
        }
        var data = ClinicalData(
            scales: [:], recheck: recheck, eventKinds: kinds, trainLimits: limits,
            screen: screen.values.sorted { ($0.weight.rawValue, $0.id) < ($1.weight.rawValue, $1.id) }, drugs: drugs,
            recheckOnChange: recheckOnChange, eligibility: eligibility, evaluation: EvaluationRules(items: evaluationItems.values.sorted { $0.at < $1.at }.map(\.item)), codes: codes,
            billing: billing, severities: severities,
            tolerances: tolerances)
        let known = ["name", "minimum", "maximum", "items", "item-maximum", "remission-at-most", "response-drop", "alert-item",
                     "alert-above"]
        for (id, values) in fields.sorted(by: { $0.key < $1.key }) {
            func problem(_ key: String?, _ message: String) {
                // A named key where it was set; else the key the latest file set, which made the scale what it is.
                let latest = values.max { ($0.value.3, $1.key) < ($1.value.3, $0.key) }!
                let (name, (_, file, line, _)) = key.flatMap { k in values[k].map { (k, $0) } } ?? (latest.key, latest.value)
                problems.append(.init(file: file, line: line, key: "scales.\(id).\(name)", message: message))
            }
            for key in values.keys where !known.contains(key) { problem(key, "unknown key; a scale takes \(known.joined(separator: ", "))") }
            func int(_ key: String) -> Int? {
                guard let value = values[key]?.0 else { return nil }
                guard let int = value.int else {
                    problem(key, "must be a whole number")
                    return nil
                }
                return int
            }
            guard let name = values["name"]?.0.string, let minimum = int("minimum"), let maximum = int("maximum"),
                  let remission = int("remission-at-most") else {
                problem(nil, "a scale needs name, minimum, maximum and remission-at-most")
                continue
            }
            let drop = values["response-drop"]?.0.double ?? values["response-drop"]?.0.int.map(Double.init) ?? 0.5
            let scale = OutcomeScale(
                id: id, name: name, minimum: minimum, maximum: maximum, items: int("items"), itemMaximum: int("item-maximum"),
                remissionAtMost: remission, responseDrop: drop, alertItem: int("alert-item"), alertAbove: int("alert-above") ?? 0)
            for message in scale.validate() { problem(nil, message) }
            data.scales[id] = scale
        }
        for (id, scale) in codes.scales.sorted(by: { $0.key < $1.key }) {
            guard let known = data.scales[id] else {
                problems.append(.init(file: "clinical data", line: nil, key: "fhir.scales.\(id)", message: "names no scale ([scales.\(id)])"))
                continue
            }
            if !scale.items.isEmpty, scale.items.count != known.items ?? 0 {
                problems.append(.init(file: "clinical data", line: nil, key: "fhir.scales.\(id)",
                                      message: "lists \(scale.items.count) item codes for \(known.name)'s \(known.items ?? 0) items"))
            }
        }
        if !problems.isEmpty { throw Configuration.Invalid(problems: problems) }
        return data
    }

    public func eventKind(_ id: String) throws(ClinicError) -> AdverseEventKind {
        guard let kind = eventKinds[id] else { throw ClinicError.eventKindNotFound(id) }
        return kind
    }

    public func scale(_ id: String) throws(ClinicError) -> OutcomeScale {
        guard let scale = scales[id] else { throw ClinicError.scaleNotFound(id) }
        return scale
    }
}

/// The codes a FHIR export writes, from the clinical data's `[fhir]`: none
/// of them in code, each the clinic's to correct.
public struct InterchangeCodes: Sendable, Equatable {
    /// A code and the words it stands for.
    public struct Coding: Sendable, Equatable {
        public var code: String
        public var display: String?
        public init(code: String, display: String? = nil) {
            self.code = code
            self.display = display
        }
    }

    /// A scale's LOINC codes: its panel, its total score, and its items in order.
    public struct ScaleCodes: Sendable, Equatable {
        public var panel: String?
        public var total: String?
        public var items: [String] = []
    }

    /// ICD-10-CM, by the evaluation's `mdd` result.
    public var diagnosis: [String: Coding] = [:]
    /// SNOMED CT's concept for the procedure, where the clinic uses one.
    public var procedureSNOMED: Coding?
    public var scales: [String: ScaleCodes] = [:]

    public init() {}

    /// A code is letters, digits, '.', '-': what ICD-10-CM, LOINC and SNOMED CT write.
    static func isCode(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 32 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
    }

    /// `"CODE"` or `["CODE", "display"]`.
    static func coding(_ value: any TOMLValueConvertible) -> Coding? {
        if let code = value.string, isCode(code) { return Coding(code: code) }
        guard let pair = value.array?.compactMap({ $0.string }), pair.count == 2, value.array?.count == 2, isCode(pair[0]) else { return nil }
        return Coding(code: pair[0], display: pair[1])
    }

    /// Reads a `[fhir]` table over what is set; `problem(key, message)` for each fault.
    mutating func read(_ table: TOMLTable, problem: (String, String) -> Void) {
        for key in table.keys {
            let value = table[key]!
            switch key {
            case "diagnosis":
                guard let results = value.table else {
                    problem(key, "must be { RESULT = \"CODE\" or [\"CODE\", \"display\"] } by the evaluation's mdd result")
                    continue
                }
                for result in results.keys {
                    guard let coding = Self.coding(results[result]!) else {
                        problem(key, "\(result) must be \"CODE\" or [\"CODE\", \"display\"] (a code is letters, digits, '.', '-')")
                        continue
                    }
                    diagnosis[result] = coding
                }
            case "procedure-snomed":
                guard let coding = Self.coding(value) else { problem(key, "must be \"CODE\" or [\"CODE\", \"display\"]"); continue }
                procedureSNOMED = coding
            case "scales":
                for id in value.table?.keys ?? [] {
                    guard let body = value.table?[id]?.table else { problem("scales.\(id)", "must be { panel, total, items }"); continue }
                    var codes = scales[id] ?? ScaleCodes()
                    for field in body.keys {
                        switch field {
                        case "panel", "total":
                            guard let code = body[field]?.string, Self.isCode(code) else { problem("scales.\(id)", "\(field) must be a code"); continue }
                            if field == "panel" { codes.panel = code } else { codes.total = code }
                        case "items":
                            let items = body[field]?.array?.compactMap { $0.string } ?? []
                            guard !items.isEmpty, items.count == body[field]?.array?.count, items.allSatisfy(Self.isCode) else {
                                problem("scales.\(id)", "items must be a list of codes, one per item in order")
                                continue
                            }
                            codes.items = items
                        default: problem("scales.\(id)", "unknown key \(field); takes panel, total, items")
                        }
                    }
                    scales[id] = codes
                }
            default: problem(key, "unknown key; [fhir] takes diagnosis, procedure-snomed, scales.ID")
            }
        }
    }
}
