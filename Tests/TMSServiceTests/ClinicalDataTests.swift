import Testing
import TMSCore
@testable import TMSService

@Suite struct ClinicalDataTests {
    @Test func theBundledScalesLoadAndHoldTogether() throws {
        let scales = ClinicalData.bundled.scales
        #expect(Set(scales.keys) == ["phq9", "hamd17", "madrs", "qids-sr16", "bdi2"])
        for scale in scales.values { #expect(scale.validate() == [], "\(scale.id)") }
        let phq9 = try #require(scales["phq9"])
        #expect(phq9.items == 9 && phq9.itemMaximum == 3 && phq9.maximum == 27 && phq9.alertItem == 9)
        #expect(scales["madrs"]?.maximum == 60 && scales["hamd17"]?.remissionAtMost == 7)
    }

    @Test(arguments: ProtocolLibrary.builtIn)
    func everyBuiltInProtocolKeepsTheBundledTrainLimits(_ p: TreatmentProtocol) {
        #expect(TrainLimit.check(
            ClinicalData.bundled.trainLimits, coil: p.coil, frequencyHz: p.frequencyHz, percentMT: p.intensityPercentMT,
            trainSeconds: p.trainDurationSeconds) == .within, "\(p.id)")
    }

    @Test func trainLimitsFollowTheTable() {
        let limits = ClinicalData.bundled.trainLimits
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 10, percentMT: 120, trainSeconds: 4.2) == .within)
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 10, percentMT: 120, trainSeconds: 4.3) != .within)
        // 125% falls under the 130% row: 2.9 s.
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 10, percentMT: 125, trainSeconds: 2.9) == .within)
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 10, percentMT: 125, trainSeconds: 3.0) != .within)
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 20, percentMT: 120, trainSeconds: 1.2) != .within)
        #expect(TrainLimit.check(limits, coil: "figure-8", frequencyHz: 10, percentMT: 140, trainSeconds: 1) != .within)  // above every row
        #expect(TrainLimit.check(limits, coil: "H1", frequencyHz: 18, percentMT: 120, trainSeconds: 2) == .within)
        // No row on record is not "no limit": a clinician must judge it (issue 11, hole 5).
        #expect(TrainLimit.check(limits, coil: "H1", frequencyHz: 50, percentMT: 120, trainSeconds: 2)
                == .unknown("the limits table has no row for the H1 coil at 50 Hz"))
    }

    @Test func phq9IsScoredItemByItem() throws {
        let phq9 = try ClinicalData.bundled.scale("phq9")
        #expect(try phq9.score(items: [3, 3, 2, 2, 2, 1, 1, 1, 0], total: nil) == 15)
        #expect(throws: ClinicError(.missingItem, "")) { try phq9.score(items: [1, 1, 1, 1, 1, 1, 1, 1], total: nil) }
        #expect(throws: ClinicError(.missingItem, "")) { try phq9.score(items: nil, total: 12) }
        #expect(throws: ClinicError(.scoreOutOfRange, "")) { try phq9.score(items: [1, 1, 4, 1, 1, 1, 1, 1, 1], total: nil) }
        #expect(throws: ClinicError(.invalidValue, "")) { try phq9.score(items: [1, 1, 1, 1, 1, 1, 1, 1, 1], total: 10) }
        #expect(phq9.alert(items: [0, 0, 0, 0, 0, 0, 0, 0, 1]) == 1)
        #expect(phq9.alert(items: [3, 3, 3, 3, 3, 3, 3, 3, 0]) == nil)
    }

    @Test func totalsAreRangeChecked() throws {
        let madrs = try ClinicalData.bundled.scale("madrs")
        #expect(try madrs.score(items: nil, total: 60) == 60)
        #expect(throws: ClinicError(.scoreOutOfRange, "")) { try madrs.score(items: nil, total: 61) }
        #expect(throws: ClinicError(.scoreOutOfRange, "")) { try madrs.score(items: nil, total: -1) }
        #expect(throws: ClinicError(.scaleNotFound, "")) { try ClinicalData.bundled.scale("gad7") }
    }

    @Test func responseAndRemissionFollowTheData() throws {
        let phq9 = try ClinicalData.bundled.scale("phq9")
        #expect(phq9.isResponse(baseline: 20, latest: 10) && !phq9.isResponse(baseline: 20, latest: 11))
        #expect(phq9.isRemission(4) && !phq9.isRemission(5))
        let hamd = try ClinicalData.bundled.scale("hamd17")
        #expect(hamd.isRemission(7) && !hamd.isRemission(8))
    }

    @Test func aClinicFileCorrectsTheBundledDataKeyByKey() throws {
        let clinic = """
            [scales.bdi2]
            remission-at-most = 10

            [scales.gad7]
            name = "GAD-7"
            minimum = 0
            maximum = 21
            items = 7
            item-maximum = 3
            remission-at-most = 4
            """
        let data = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (clinic, "clinic.toml")])
        #expect(data.scales["bdi2"]?.remissionAtMost == 10 && data.scales["bdi2"]?.maximum == 63)
        #expect(data.scales["gad7"]?.items == 7)
        let broken = "[scales.phq9]\nitems = 8\n"
        do {
            _ = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (broken, "clinic.toml")])
            Issue.record("accepted 8 items of 0-3 for 0-27")
        } catch {
            #expect(error.problems.contains { $0.file == "clinic.toml" && $0.line == 2 })
        }
    }

    @Test func billingCodesAreDataAClinicCorrects() throws {
        #expect(ClinicalData.bundled.billing == BillingRules())
        let clinic = "[billing]\nredetermination-days = 0\ndelivery = \"90868-GT\"\n"
        let data = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (clinic, "clinic.toml")])
        #expect(data.billing.redeterminationDays == 0 && data.billing.delivery == "90868-GT" && data.billing.initial == "90867")
        do {
            _ = try ClinicalData.parse([
                (ClinicalData.bundledText, "bundled"), ("[billing]\ninitial = \"\"\nevery = 3\nredetermination-days = -1\n", "clinic.toml"),
            ])
            Issue.record("accepted an empty code, an unknown key and negative days")
        } catch {
            let keys = Set(error.problems.map { $0.key ?? "" })
            #expect(keys == ["billing.initial", "billing.every", "billing.redetermination-days"])
            #expect(error.problems.first { $0.key == "billing.every" }?.line == 3)
        }
    }

    @Test func theEvaluationsItemsAreDataInTheFilesOrder() throws {
        let items = ClinicalData.bundled.evaluation.items
        #expect(items.prefix(2).map(\.id) == ["mdd", "bipolar-screen"])
        #expect(Set(items.map(\.section)) == Set(EvaluationItem.Section.allCases))
        #expect(items.allSatisfy(\.required) && items.count == 17)
        // A clinic adds an item, makes one optional, and a payer rule requires a result of it.
        let clinic = """
            [evaluation]
            prior-tms = { section = "treatments", name = "Earlier TMS", results = ["none", "tried"], required = false }
            pregnancy = { section = "medical", name = "Pregnancy test", results = ["negative", "positive"] }

            [payers.local]
            name = "Local plan"
            augmentation-counts = true
            evaluation = { bipolar-screen = ["negative"], pregnancy = ["negative"] }
            """
        let data = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (clinic, "clinic.toml")])
        #expect(data.evaluation.items.first { $0.id == "prior-tms" }?.required == false)
        #expect(data.evaluation.items.filter { $0.section == .medical }.last?.id == "pregnancy")
        let local = try #require(data.eligibility.payers.first { $0.id == "local" })
        #expect(local.augmentationCounts == true && local.evaluation == ["bipolar-screen": ["negative"], "pregnancy": ["negative"]])
        #expect(data.drugs["venlafaxine"]?.antidepressant == true && data.drugs["aripiprazole"]?.antidepressant == false)
    }

    @Test func aPayerRuleNamesOnlyItemsAndResultsTheEvaluationHas() {
        let clinic = """
            [payers.local]
            name = "Local plan"
            evaluation = { horoscope = ["good"], bipolar-screen = ["clear"] }

            [evaluation]
            vibes = { section = "mood", name = "Vibes", results = ["good"] }

            [drugs]
            zuranolone = { class = "neurosteroid", antidepressant = "yes please" }
            """
        do {
            _ = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (clinic, "clinic.toml")])
            Issue.record("accepted an unknown item, a result the screen never has, an unknown section")
        } catch {
            let messages = error.problems.map { "\($0.key ?? ""): \($0.message)" }
            #expect(messages.contains("payers.local.evaluation: horoscope is not an evaluation item ([evaluation.ID])"))
            #expect(messages.contains("payers.local.evaluation: bipolar-screen is never clear; it is one of negative, positive"))
            #expect(error.problems.contains { $0.key == "evaluation.vibes" && $0.line == 6 })
            #expect(messages.contains("drugs.zuranolone: antidepressant must be true or false"))
            #expect(error.problems.allSatisfy { $0.file == "clinic.toml" })
        }
    }

    @Test func theEvaluationsPsychotherapyItemIsDataAndNamesWhatTheEvaluationHas() throws {
        let bundled = try #require(ClinicalData.bundled.eligibility.psychotherapyTried)
        #expect(bundled.item == "psychotherapy" && bundled.results == ["tried"])
        // A clinic names its own item and results, or none.
        let own = """
            [evaluation]
            therapy = { section = "treatments", name = "Psychotherapy", results = ["none", "cbt", "ipt"] }
            [eligibility]
            psychotherapy-tried = { therapy = ["cbt", "ipt"] }
            """
        let data = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (own, "clinic.toml")])
        #expect(data.eligibility.psychotherapyTried?.item == "therapy" && data.eligibility.psychotherapyTried?.results == ["cbt", "ipt"])
        let none = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), ("[eligibility]\npsychotherapy-tried = {}\n", "clinic.toml")])
        #expect(none.eligibility.psychotherapyTried == nil)
        for (text, said) in [
            ("psychotherapy-tried = { horoscope = [\"good\"] }", "horoscope is not an evaluation item ([evaluation.ID])"),
            ("psychotherapy-tried = { psychotherapy = [\"maybe\"] }", "psychotherapy is never maybe; it is one of none, tried"),
            ("psychotherapy-tried = { psychotherapy = [] }", "must be { ITEM = [\"RESULT\", ...] } (one evaluation item), or {} for none"),
        ] {
            do {
                _ = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), ("[eligibility]\n" + text + "\n", "clinic.toml")])
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.problems.map { "\($0.key ?? ""): \($0.message)" } == ["eligibility.psychotherapy-tried: \(said)"])
                #expect(error.problems.allSatisfy { $0.file == "clinic.toml" && $0.line == 2 })
            }
        }
    }

    @Test func theExportsCodesAreDataAndAScalesItemsAreCountedAgainstIt() throws {
        let codes = ClinicalData.bundled.codes
        #expect(codes.diagnosis["recurrent"] == .init(code: "F33.9", display: "Major depressive disorder, recurrent, unspecified"))
        #expect(codes.scales["phq9"]?.panel == "44249-1" && codes.scales["phq9"]?.items.count == 9 && codes.procedureSNOMED == nil)
        let clinic = "[fhir]\ndiagnosis = { recurrent-severe = \"F33.2\" }\nprocedure-snomed = [\"12345\", \"TMS\"]\n"
        let data = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (clinic, "clinic.toml")])
        #expect(data.codes.diagnosis["recurrent-severe"]?.code == "F33.2" && data.codes.diagnosis["recurrent"]?.code == "F33.9")
        #expect(data.codes.procedureSNOMED == .init(code: "12345", display: "TMS"))
        let broken = """
            [fhir]
            diagnosis = { recurrent = "F33 9" }
            colour = "blue"
            [fhir.scales.phq9]
            items = ["44250-9"]
            [fhir.scales.gad7]
            total = "70274-6"
            """
        do {
            _ = try ClinicalData.parse([(ClinicalData.bundledText, "bundled"), (broken, "clinic.toml")])
            Issue.record("accepted a code with a space, an unknown key, one item code for nine items, a scale that is not one")
        } catch {
            let keys = error.problems.map { $0.key ?? "" }
            #expect(keys.contains("fhir.diagnosis") && keys.contains("fhir.colour"))
            #expect(error.problems.contains { $0.key == "fhir.scales.phq9" && $0.message == "lists 1 item codes for PHQ-9's 9 items" })
            #expect(error.problems.contains { $0.key == "fhir.scales.gad7" && $0.message.hasPrefix("names no scale") })
        }
    }
}
