"""Imports (issue 15, part 2): patients and trial histories from CSV files,
each record held to the rules of the method it stands for; a dry run lists
every problem by line and column and changes nothing; a real run is all or
nothing, and one entry of the audit trail with the file's SHA-256."""
import hashlib

from conftest import add_patient, refused

C = "io.tmsd.Clinic."

PATIENTS = (
    "MRN,Family_Name,given_name,birth_date,phone,email\r\n"
    'P-1,Núñez,Inés,1970-05-06,+1 555 0101,ines@example.org\r\n'
    '"P-2","Smith, Jr","John ""Jack""",1980-12-01,,\r\n'
    "P-3,O'Brien,Seán,1991-06-01,,\r\n"
)


def test_patients_are_imported_all_at_once_and_audited_with_the_files_hash(daemon, tmp_dir):
    d = daemon
    f = tmp_dir / "patients.csv"
    f.write_bytes(PATIENTS.encode())
    dry = d.tmsctl("import", "patients", str(f), "--dry-run")
    assert "3 records, no problems; nothing imported (dry run)" in dry.stdout
    assert d.call(C + "ListPatients")["patients"] == []
    r = d.tmsctl("import", "patients", str(f))
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    assert f"Imported 3 patients (ids 1 to 3) from {f}, SHA-256 {digest}." in r.stdout
    patients = {p["mrn"]: p for p in d.call(C + "ListPatients")["patients"]}
    assert patients["P-2"]["familyName"] == "Smith, Jr" and patients["P-2"]["givenName"] == 'John "Jack"'
    assert patients["P-3"]["givenName"] == "Seán"
    assert d.call(C + "GetPatient", id=patients["P-1"]["id"])["contact"]["email"] == "ines@example.org"
    # Found by the front desk's search, as a patient registered one by one is.
    assert [p["mrn"] for p in d.call(C + "FindPatients", query="nunez")["patients"]] == ["P-1"]
    (entry,) = [e for e in d.tmsctl_json("audit")["entries"] if e["method"] == "io.tmsd.Clinic.ImportPatients"]
    assert entry["summary"] == f"import of 3 patients (1 to 3), file sha256 {digest}"
    assert d.tmsctl("audit", "verify", "--records").returncode == 0
    # The same file again: every MRN is taken, and nothing changes.
    name, p = refused(d, C + "ImportPatients", csv=PATIENTS)
    assert (name, p["problems"], p["line"], p["column"]) == ("ImportInvalid", 3, 2, "mrn")


def test_a_dry_run_names_every_problem_by_line_and_column_and_changes_nothing(daemon, tmp_dir):
    d = daemon
    add_patient(d, "P-9")
    csv = ("mrn,family_name,given_name,birth_date,email\n"
           "P-10,Doe,Jane,2099-01-01,jane@\n"       # 2: a birth date ahead, a bad address
           "P-9,Roe,Ann,1980-02-30,\n"              # 3: an MRN taken, no such day
           "P-11,,Al,1970-01-01,\n"                 # 4: a name left empty
           "P-12,Poe,Ed\n"                          # 5: too few fields
           "P-13,Moe,Bo,1970-01-01,\n"              # 6: fine
           "P-13,Zoe,Cy,1970-01-01,\n")             # 7: the MRN of line 6 again
    reply = d.call(C + "ImportPatients", csv=csv, dryRun=True)
    assert (reply["rows"], reply["imported"], reply["ids"]) == (6, 0, [])
    assert [(p["line"], p.get("column")) for p in reply["problems"]] == [
        (2, "email"), (2, "birth_date"), (3, "birth_date"), (3, "mrn"), (4, "family_name"), (5, None), (7, "mrn")]
    messages = {(p["line"], p.get("column")): p["message"] for p in reply["problems"]}
    assert messages[(3, "mrn")] == "is already registered, to patient 1"
    assert messages[(7, "mrn")] == "repeats the MRN of line 6" and messages[(5, None)] == "has 3 fields; the header has 5"
    out = d.tmsctl("import", "patients", "-", "--dry-run", check=False, input=csv)
    assert out.returncode == 65 and out.stdout.startswith("standard input: 6 records, 7 problems; nothing imported.")
    assert ["7", "mrn", "repeats the MRN of line 6"] in [l.split(None, 2) for l in out.stdout.splitlines()]
    # A real run of the same file: refused whole, line 6 not imported either.
    name, p = refused(d, C + "ImportPatients", csv=csv)
    assert (name, p["problems"], p["line"], p["column"]) == ("ImportInvalid", 7, 2, "email")
    assert [x["mrn"] for x in d.call(C + "ListPatients")["patients"]] == ["P-9"]


def test_a_file_that_cannot_be_read_as_csv_or_has_the_wrong_columns_is_refused(daemon):
    d = daemon
    for csv, line, column, words in [
        ("", 1, None, "the file is empty"),
        ("mrn,family_name,given_name,birth_date\n", 2, None, "a header and no records"),
        ('mrn,family_name,given_name,birth_date\nP-1,"Doe,Jane,1980-01-01\n', 2, None, "never closed"),
        ('mrn,family_name,given_name,birth_date\nP-1,Do"e,Jane,1980-01-01\n', 2, None, "a quote inside an unquoted field"),
        ("mrn,family_name,given_name\nP-1,Doe,Jane\n", 1, "birth_date", "the column is missing"),
        ("mrn,family_name,given_name,birth_date,shoe\nP-1,Doe,Jane,1980-01-01,9\n", 1, "shoe", "unknown column"),
        ("mrn,mrn,family_name,given_name,birth_date\nP-1,P-1,Doe,Jane,1980-01-01\n", 1, None, "named twice"),
    ]:
        reply = d.call(C + "ImportPatients", csv=csv, dryRun=True)
        (problem,) = reply["problems"]
        assert (problem["line"], problem.get("column")) == (line, column) and words in problem["message"], csv
    # A control character other than a tab or a line break: refused before it is read.
    assert refused(d, C + "ImportPatients", csv="mrn\u001b[2J,x\n")[0] == "InvalidValue"


def test_trials_are_imported_for_registered_patients_and_counted_for_eligibility(daemon, tmp_dir):
    d = daemon
    pid = add_patient(d, "T-1")["id"]
    good = ("mrn,kind,drug,drug_class,highest_dose,unit,weeks_at_dose,adherence,outcome,side_effects,reason_stopped\n"
            'T-1,medication,Sertraline,,150,mg,8,good,none,"nausea,\nthen headache",no response\n'
            "T-1,medication,venlafaxine,,225,mg,10,good,partial,,\n"
            "T-1,psychotherapy,,,,,16,good,none,,\n")
    bad = good + ("T-404,medication,fluoxetine,,20,mg,8,good,none,,\n"
                  "T-1,pill,x,,-5,mg,800,fine,none,,\n"
                  "T-1,medication,,,,,8,good,none,,\n")
    problems = d.call(C + "ImportTrials", csv=bad, dryRun=True)["problems"]
    # (The quoted field's line break: the records after it are a line further on.)
    assert [(p["line"], p.get("column")) for p in problems] == [
        (6, "mrn"), (7, "kind"), (7, "adherence"), (7, "highest_dose"), (7, "weeks_at_dose"), (8, "drug")]
    assert refused(d, C + "ImportTrials", csv=bad)[0] == "ImportInvalid"
    f = tmp_dir / "trials.csv"
    f.write_text(good)
    out = d.tmsctl("import", "trials", str(f)).stdout
    assert "Imported 3 trials (ids 1 to 3)" in out
    e = d.call(C + "GetEligibility", patientId=pid)
    assert (e["trd"], e["adequate"]) == (True, 2)
    assert [t["trial"]["drug"] for t in e["trials"][:2]] == ["sertraline", "venlafaxine"]
    assert e["trials"][0]["trial"]["drugClass"] == "antidepressant (SSRI)"  # from the drug table, as RecordTrial fills it
