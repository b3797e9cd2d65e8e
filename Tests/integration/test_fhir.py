"""FHIR R4 export (issue 15, part 1): a patient's records as a Bundle that the
PyPI package fhir.resources (its R4B models) accepts, with every reference
resolving inside the bundle and the codes the clinical data gives."""
import json
import os
import stat

import pytest
from fhir.resources.R4B.bundle import Bundle

from conftest import add_course, add_patient, refused

C = "io.tmsd.Clinic."


@pytest.fixture
def treated(daemon):
    """A patient with every kind of record an export carries."""
    d = daemon
    pid = add_patient(d, "MRN-F1", "Rivera", "Ana", "1979-04-12")["id"]
    d.tmsctl("patient", "contact", str(pid), "--phone", "+1 555 0100", "--email", "ana@example.org", "--prefer", "email")
    d.call(C + "RecordEvaluationItem", patientId=pid, item="mdd", result="recurrent", detail="severe, 14 months")
    d.tmsctl("trial", str(pid), "--drug", "sertraline", "--dose", "150", "--weeks", "8", "--outcome", "none")
    d.tmsctl("med", "start", str(pid), "--drug", "venlafaxine", "--dose", "225", "--unit", "mg", "--date", "2026-10-01")
    strategy = d.call(C + "RecordStrategy", patientId=pid, kind="augmentation", base="venlafaxine", drug="aripiprazole",
                      startDate="2026-11-02", doseSteps=[{"date": "2026-11-02", "dose": 2, "unit": "mg"}])["strategy"]
    course = add_course(d, pid)
    cid = course["course"]["id"]
    first = course["sessions"][0]["id"]
    d.tmsctl("session", "start", str(first))
    d.tmsctl("session", "complete", str(first), "--mt", "55", "--notes", "tolerated\nwell")
    d.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "baseline", "--items", "3,3,2,2,2,2,2,2,0")
    d.tmsctl("outcomes", "record", str(cid), "--scale", "madrs", "--timepoint", "baseline", "--total", "30")
    d.tmsctl("events", "record", str(cid), "--kind", "headache", "--severity", "mild", "--details", "after session",
             "--session", str(first))
    return d, pid, cid, first, strategy["id"]


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_is_valid_fhir_r4_and_its_references_resolve(treated, tmp_dir):
    d, pid, cid, session, strategy = treated
    out = tmp_dir / "bundle.json"
    r = d.tmsctl("export", "fhir", str(pid), "--output", str(out))
    assert "a FHIR R4 Bundle of" in r.stdout
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    bundle = json.loads(out.read_text())
    Bundle.model_validate(bundle)  # raises on anything R4 does not allow
    assert bundle["type"] == "collection" and bundle["id"] == f"tmsd-patient-{pid}"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) and all(u.startswith("urn:uuid:") for u in urls)
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert len(set(ids)) == len(ids)

    def references(node):
        if isinstance(node, dict):
            if set(node) == {"reference"}:
                yield node["reference"]
            for value in node.values():
                yield from references(value)
        elif isinstance(node, list):
            for value in node:
                yield from references(value)
    found = list(references(bundle))
    assert found and set(found) <= set(urls)
    counts = {kind: len(resources(bundle, kind)) for kind in
              ("Patient", "Condition", "MedicationStatement", "Procedure", "Observation", "AdverseEvent")}
    # Statements: the trial, the strategy, venlafaxine and the aripiprazole the strategy started.
    assert counts == {"Patient": 1, "Condition": 1, "MedicationStatement": 4, "Procedure": 1, "Observation": 3,
                      "AdverseEvent": 1}
    # A second export names every resource alike.
    again = d.call(C + "ExportFHIR", patientId=pid)["bundle"]
    assert [e["fullUrl"] for e in again["entry"]] == urls


def test_the_resources_carry_the_records_and_the_clinical_datas_codes(treated):
    d, pid, cid, session, strategy = treated
    bundle = d.call(C + "ExportFHIR", patientId=pid)["bundle"]
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"] == [{"use": "usual", "system": "urn:tmsd:mrn", "value": "MRN-F1"}]
    assert patient["name"] == [{"family": "Rivera", "given": ["Ana"]}] and patient["birthDate"] == "1979-04-12"
    assert {"system": "email", "value": "ana@example.org", "rank": 1} in patient["telecom"]
    (condition,) = resources(bundle, "Condition")
    assert condition["code"]["coding"] == [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.9",
                                            "display": "Major depressive disorder, recurrent, unspecified"}]
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"
    (procedure,) = resources(bundle, "Procedure")
    assert procedure["id"] == f"procedure-{session}" and procedure["status"] == "completed"
    assert procedure["code"]["coding"] == [{"system": "http://www.ama-assn.org/go/cpt", "code": "90867"}]
    extensions = {x["url"].rpartition(":")[2]: x for x in procedure["extension"]}
    assert extensions["motor-threshold"]["valueQuantity"]["value"] == 55
    assert extensions["intensity-percent-mt"]["valueQuantity"]["value"] == 120
    assert extensions["frequency"]["valueQuantity"]["code"] == "Hz" and extensions["trains"]["valueInteger"] == 75
    assert extensions["pulses-delivered"]["valueInteger"] == 3000 and extensions["coil"]["valueString"] == "figure-8"
    assert procedure["note"] == [{"text": "tolerated\nwell"}]  # as recorded, not escaped for a terminal
    observations = {o["id"]: o for o in resources(bundle, "Observation")}
    phq9 = next(o for o in observations.values() if o["code"]["coding"][0]["code"] == "44249-1")
    components = [(c["code"]["coding"][0]["code"], c["valueInteger"]) for c in phq9["component"]]
    assert components[0] == ("44261-6", 18) and components[1] == ("44250-9", 3) and components[-1] == ("44260-8", 0)
    assert len(components) == 10
    madrs = next(o for o in observations.values() if o["code"]["text"] == "MADRS")
    assert madrs["valueInteger"] == 30 and madrs["code"]["coding"][0]["system"] == "urn:tmsd:fhir:scale"
    mt = next(o for o in observations.values() if o["id"].startswith("threshold-"))
    assert mt["valueQuantity"] == {"value": 55, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
    (event,) = resources(bundle, "AdverseEvent")
    assert event["severity"]["coding"][0]["code"] == "mild" and event["suspectEntity"][0]["instance"]["reference"] == next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["id"] == f"procedure-{session}")
    statements = {s["id"]: s for s in resources(bundle, "MedicationStatement")}
    assert statements[f"strategy-{strategy}"]["status"] == "active"
    aripiprazole = next(s for s in statements.values() if s["id"].startswith("medication-")
                        and s["medicationCodeableConcept"]["text"] == "aripiprazole")
    assert aripiprazole["derivedFrom"][0]["reference"] == next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["id"] == f"strategy-{strategy}")
    trial = statements[next(k for k in statements if k.startswith("trial-"))]
    assert "8 weeks at 150 mg" in trial["note"][0]["text"]


def test_a_course_export_holds_that_course_and_a_wrong_one_is_refused(treated, tmp_dir):
    d, pid, cid, session, strategy = treated
    bundle = d.call(C + "ExportFHIR", patientId=pid, courseId=cid)["bundle"]
    Bundle.model_validate(bundle)
    assert bundle["id"] == f"tmsd-patient-{pid}-course-{cid}"
    other = add_patient(d, "MRN-F2")["id"]
    assert refused(d, C + "ExportFHIR", patientId=other, courseId=cid)[0] == "CourseNotFound"
    assert refused(d, C + "ExportFHIR", patientId=999)[0] == "PatientNotFound"
    # A bare patient exports too: a provisional diagnosis and nothing else made up.
    bare = d.call(C + "ExportFHIR", patientId=other)["bundle"]
    Bundle.model_validate(bare)
    assert [e["resource"]["resourceType"] for e in bare["entry"]] == ["Patient", "Condition"]
    assert resources(bare, "Condition")[0]["verificationStatus"]["coding"][0]["code"] == "provisional"
    # The file is never written over.
    out = tmp_dir / "taken.json"
    out.write_text("x")
    r = d.tmsctl("export", "fhir", str(pid), "--output", str(out), check=False)
    assert r.returncode == 73 and "File exists" in r.stderr and out.read_text() == "x"
    # To standard output, the bundle alone.
    assert json.loads(d.tmsctl("export", "fhir", str(pid), "--course", str(cid)).stdout)["resourceType"] == "Bundle"
