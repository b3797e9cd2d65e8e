"""The front desk's patients (issue 14, part 4): found by name, MRN or birth
date whatever the case and accents; shown by MRN or id; corrected with a
reason and the old value kept; made inactive; and their contact details,
which are never logged and never in the nightly report. Each refusal is a
named error that changes nothing."""
import json

import pytest

from conftest import TEST_CONFIG, Daemon, add_course, add_patient, refused, today_utc


def names(reply):
    return [(p["familyName"], p["givenName"]) for p in reply["patients"]]


@pytest.fixture
def desk(daemon):
    add_patient(daemon, "MRN-1001", "Müller", "Anna-Lena", "1980-02-03")
    add_patient(daemon, "MRN-1002", "Muller", "John", "1979-04-12")
    add_patient(daemon, "X-77", "Ångström", "Åsa", "1979-11-30")
    add_patient(daemon, "X-78", "O'Brien", "Seán", "1991-06-01")
    return daemon


def test_a_patient_is_found_by_any_name_word_ignoring_case_and_accents(desk):
    find = lambda q: names(desk.tmsctl_json("patient", "find", q))
    # By name as folded: Müller, Anna-Lena before Muller, John.
    assert find("muller") == [("Müller", "Anna-Lena"), ("Muller", "John")]
    assert find("MÜLLER lena") == [("Müller", "Anna-Lena")]
    assert find("anna-lena") == [("Müller", "Anna-Lena")]
    assert find("angstrom") == [("Ångström", "Åsa")]
    assert find("asa") == [("Ångström", "Åsa")]
    assert find("obrien") == find("O'Brien") == find("o’brien") == [("O'Brien", "Seán")]
    assert find("sean") == [("O'Brien", "Seán")]
    assert find("brien") == []  # a word's start, not any part of it
    assert find("uller") == []
    # The reference client finds the same.
    assert names(desk.call("io.tmsd.Clinic.FindPatients", query="Muller, J")) == [("Muller", "John")]


def test_a_patient_is_found_by_the_start_of_the_mrn_or_the_birth_date(desk):
    find = lambda q: [p["mrn"] for p in desk.tmsctl_json("patient", "find", q)["patients"]]
    assert find("mrn-100") == ["MRN-1001", "MRN-1002"]
    assert find("X-7") == ["X-77", "X-78"]
    assert find("1979") == ["X-77", "MRN-1002"]
    assert find("1979-04") == ["MRN-1002"]
    assert find("1979-11-30") == ["X-77"]
    assert find("muller 1980") == ["MRN-1001"]  # every word must match
    assert find("muller 1991") == []


def test_the_query_is_read_from_standard_input_and_the_list_says_when_more_match(desk):
    r = desk.tmsctl("patient", "find", "--limit", "1", input="muller\n")
    assert "Müller, Anna-Lena" in r.stdout and "John" not in r.stdout
    assert "More patients match" in r.stdout
    reply = desk.call("io.tmsd.Clinic.FindPatients", query="muller", limit=1)
    assert reply["more"] is True and len(reply["patients"]) == 1
    nothing = desk.tmsctl("patient", "find", check=False, input="")
    assert nothing.returncode == 64 and "No query given" in nothing.stderr
    assert refused(desk, "io.tmsd.Clinic.FindPatients", query=" , ")[0] == "InvalidValue"
    assert refused(desk, "io.tmsd.Clinic.FindPatients", query="x", limit=501)[1]["parameter"] == "limit"


def test_show_takes_the_mrn_or_the_id_and_refuses_a_reference_that_is_both(daemon):
    first = add_patient(daemon, "MRN-5", "Doe", "Jane")
    second = add_patient(daemon, str(first["id"]), "Roe", "Rita")  # an MRN that is also patient 1's id
    shown = lambda *args: daemon.tmsctl_json("patient", "show", *args)["patient"]["id"]
    assert shown("MRN-5") == first["id"]
    assert shown("--id", str(second["id"])) == second["id"]
    assert shown("--mrn", str(first["id"])) == second["id"]
    # Without REF, it is read from standard input, off the command line.
    assert json.loads(daemon.tmsctl("patient", "show", "--json", input="MRN-5\n").stdout)["patient"]["id"] == first["id"]
    ambiguous = daemon.tmsctl("patient", "show", str(first["id"]), check=False)
    assert ambiguous.returncode == 65 and "MRN of patient 2 and the id of patient 1" in ambiguous.stderr
    error, parameters = refused(daemon, "io.tmsd.Clinic.GetPatient", ref=str(first["id"]))
    assert (error, parameters["mrnOf"], parameters["id"]) == ("PatientAmbiguous", second["id"], first["id"])
    assert "MRN-5" not in parameters["message"]
    assert refused(daemon, "io.tmsd.Clinic.GetPatient", ref="99")[0] == "PatientNotFound"
    assert refused(daemon, "io.tmsd.Clinic.GetPatient", ref="MRN-404")[0] == "MRNNotFound"
    assert refused(daemon, "io.tmsd.Clinic.GetPatient", mrn="MRN-404")[0] == "MRNNotFound"
    assert refused(daemon, "io.tmsd.Clinic.GetPatient", id=1, mrn="MRN-5")[0] == "InvalidParameter"
    # The old call, by id alone, still answers.
    assert daemon.call("io.tmsd.Clinic.GetPatient", id=first["id"])["patient"]["mrn"] == "MRN-5"


def test_a_correction_keeps_the_value_it_replaced_with_its_reason(desk):
    r = desk.tmsctl("patient", "correct", "1", "--reason", "typo at registration", "--identity", "-",
                    input="family-name: Mueller\nbirth-date: 1980-02-04\n")
    assert "Corrected patient 1: Mueller, Anna-Lena" in r.stdout and "2 corrections on record" in r.stdout
    shown = desk.tmsctl_json("patient", "show", "--id", "1")
    assert shown["patient"]["familyName"] == "Mueller" and shown["patient"]["birthDate"] == "1980-02-04"
    assert [(c["field"], c["old"], c["new"], c["reason"], c["user"]) for c in shown["corrections"]] == [
        ("familyName", "Müller", "Mueller", "typo at registration", "root"),
        ("birthDate", "1980-02-03", "1980-02-04", "typo at registration", "root")]
    text = desk.tmsctl("patient", "show", "--id", "1").stdout
    assert "familyName" in text and "Müller" in text and "typo at registration" in text
    # Found by the new name, no longer by the old one alone.
    assert names(desk.tmsctl_json("patient", "find", "mueller")) == [("Mueller", "Anna-Lena")]
    assert names(desk.tmsctl_json("patient", "find", "muller")) == [("Muller", "John")]
    # The audit trail has the change, naming the fields, not the values.
    [entry] = [e for e in desk.tmsctl_json("audit", "list")["entries"] if e["method"].endswith("CorrectPatient")]
    assert entry["summary"] == "patient 1 corrected: familyName, birthDate (typo at registration)"
    assert desk.tmsctl("audit", "verify", "--records").returncode == 0


def test_a_correction_that_changes_nothing_or_takes_an_mrn_is_refused(desk):
    assert refused(desk, "io.tmsd.Clinic.CorrectPatient", id=1, familyName="Müller", reason="r")[0] == "InvalidValue"
    assert refused(desk, "io.tmsd.Clinic.CorrectPatient", id=1, reason="r")[0] == "InvalidValue"
    error, parameters = refused(desk, "io.tmsd.Clinic.CorrectPatient", id=1, mrn="MRN-1002", reason="r")
    assert (error, parameters["patient"]) == ("DuplicateMRN", 2)
    for change, parameter in [(dict(familyName="Mueller", reason="  "), "reason"), (dict(givenName="A\nB", reason="r"), "givenName"),
                              (dict(birthDate="2999-01-01", reason="r"), "birthDate"), (dict(mrn="", reason="r"), "mrn")]:
        error, parameters = refused(desk, "io.tmsd.Clinic.CorrectPatient", id=1, **change)
        assert (error, parameters["parameter"]) == ("InvalidValue", parameter), change
    assert refused(desk, "io.tmsd.Clinic.CorrectPatient", id=99, familyName="X", reason="r")[0] == "PatientNotFound"
    before = desk.dump()
    no_reason = desk.tmsctl("patient", "correct", "1", "--family-name", "X", check=False)
    assert no_reason.returncode == 64 and desk.dump() == before


def test_an_inactive_patient_is_listed_apart_and_gets_no_new_course(desk):
    desk.tmsctl("patient", "inactivate", "2", "--reason", "moved away")
    listed = desk.tmsctl_json("patient", "list")["patients"]
    assert 2 not in [p["id"] for p in listed] and all(p["active"] for p in listed)
    everyone = desk.tmsctl_json("patient", "list", "--all")["patients"]
    assert [p["active"] for p in everyone if p["id"] == 2] == [False]
    assert "inactive" in desk.tmsctl("patient", "list", "--all").stdout
    assert "(inactive)" in desk.tmsctl("patient", "show", "--id", "2").stdout
    # Found at the desk still, marked.
    assert [p["active"] for p in desk.tmsctl_json("patient", "find", "john")["patients"]] == [False]
    before = desk.dump()
    course = desk.tmsctl("course", "create", "--patient", "2", "--protocol", "10hz-ldlpfc", "--start", today_utc(),
                         "--prescriber", "Dr. A", check=False)
    assert course.returncode == 65 and "Patient 2 is marked inactive" in course.stderr, course.stderr
    assert desk.dump() == before
    assert desk.refusals()[-1][:2] == ("io.tmsd.Clinic.CreateCourse", "io.tmsd.Clinic.PatientInactive")
    assert refused(desk, "io.tmsd.Clinic.SetPatientActive", id=2, active=False, reason="again")[0] == "InvalidValue"
    desk.tmsctl("patient", "reactivate", "2", "--reason", "back in town")
    add_course(desk, 2)
    # A patient whose course is under way is not made inactive.
    error, parameters = refused(desk, "io.tmsd.Clinic.SetPatientActive", id=2, active=False, reason="r")
    assert (error, parameters["course"]) == ("PatientInCourse", 1)


def test_contact_details_are_kept_checked_and_never_logged_or_reported(desk):
    desk.tmsctl("patient", "contact", "1", "--phone", "+44 (20) 7946-0958", "--email", "anna@example.org",
                "--prefer", "email", "--reminders")
    contact = desk.tmsctl_json("patient", "show", "--id", "1")["contact"]
    assert contact == {"phone": "+44 (20) 7946-0958", "email": "anna@example.org", "preferred": "email", "reminders": True}
    assert "anna@example.org" in desk.tmsctl("patient", "show", "--id", "1").stdout
    # Details that cannot stand, each named, none stored.
    bad = [
        (dict(email="anna@example"), "email"),
        (dict(email="anna@example.org\nBcc: all@example.org"), "email"),
        (dict(email="Anna <anna@example.org>"), "email"),
        (dict(phone="call me"), "phone"),
        (dict(phone="12"), "phone"),
        (dict(email=""), "preferred"),  # e-mail is preferred (and reminders go by e-mail)
        (dict(email="", preferred="none"), "reminders"),
        (dict(preferred="phone", phone=""), "preferred"),
    ]
    for change, field in bad:
        error, parameters = refused(desk, "io.tmsd.Clinic.SetPatientContact", id=1, **change)
        assert (error, parameters["parameter"]) == ("InvalidValue", field), change
    assert refused(desk, "io.tmsd.Clinic.SetPatientContact", id=1, preferred="pigeon")[0] == "InvalidParameter"
    # Cleared one at a time.
    reply = desk.call("io.tmsd.Clinic.SetPatientContact", id=1, reminders=False, preferred="none", email="")
    assert reply["contact"] == {"phone": "+44 (20) 7946-0958", "reminders": False}
    nothing = desk.tmsctl("patient", "contact", "1", check=False)
    assert nothing.returncode == 64
    # Never in the log, never in the report.
    desk.tmsctl("patient", "contact", "1", "--email", "anna@example.org", "--reminders")
    add_course(desk, 1)
    report = desk.tmsctl("report", "daily").stdout + desk.tmsctl("report", "daily", "--format", "csv").stdout
    log = desk.log.read_text()
    assert "patient contact details changed" in log
    for secret in ["anna@example.org", "7946", "Müller", "MRN-1001"]:
        assert secret not in log, secret
        assert secret not in report, secret


def test_with_an_mrn_pattern_a_reference_that_matches_it_is_an_mrn_and_others_are_ids(tmp_dir):
    d = Daemon(tmp_dir, TEST_CONFIG + '\n[patients]\nmrn-pattern = "[0-9]{6}"\n').start()
    try:
        first = add_patient(d, "000001", "Doe", "Jane")
        second = add_patient(d, "000002", "Roe", "Rita")
        shown = lambda ref: d.tmsctl_json("patient", "show", ref)["patient"]["id"]
        assert shown("000002") == second["id"] and shown(str(first["id"])) == first["id"]
        assert shown(str(second["id"])) == second["id"]  # "2" is no MRN here: an id, never ambiguous
        assert refused(d, "io.tmsd.Clinic.GetPatient", ref="000404")[0] == "MRNNotFound"
        error, parameters = refused(d, "io.tmsd.Clinic.AddPatient", mrn="MRN-9", familyName="X", givenName="Y",
                                    birthDate="1980-01-01")
        assert (error, parameters["parameter"]) == ("InvalidValue", "mrn") and "MRN-9" not in parameters["message"]
        assert refused(d, "io.tmsd.Clinic.CorrectPatient", id=1, mrn="12345", reason="r")[1]["parameter"] == "mrn"
    finally:
        d.stop()

