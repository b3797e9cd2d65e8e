"""The course summary for the referring physician and the payer: every part, against the course's records."""
import re

from conftest import TEST_CONFIG, Daemon, add_course, add_patient


def a_course(d):
    """A course with two sessions given (one at a changed MT), one missed, medications, scores, an event, an authorization."""
    patient = add_patient(d, mrn="S-77", family="Quill", given="Ada", born="1971-05-06")
    c = add_course(d, patient["id"])
    cid, sessions = c["course"]["id"], c["sessions"]
    first = sessions[0]["date"]
    d.tmsctl("med", "start", str(patient["id"]), "--drug", "sertraline", "--dose", "100", "--unit", "mg", "--date", first)
    d.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "baseline", "--date", first,
             "--items", "3,3,2,2,2,2,2,2,0")
    d.tmsctl("session", "complete", str(sessions[0]["id"]), "--mt", "55", "--pulses", "3000")
    d.tmsctl("session", "miss", str(sessions[1]["id"]), "--reason", "car broke down")
    d.tmsctl("events", "record", str(cid), "--kind", "headache", "--severity", "mild", "--details", "eased by rest",
             "--date", first)
    d.tmsctl("auth", "add", str(cid), "--payer", "Medicare", "--reference", "PA-55", "--sessions", "36",
             "--from", first, "--to", "2027-12-31")
    return patient, c


def test_the_summary_holds_every_part_of_the_course(daemon):
    patient, c = a_course(daemon)
    cid = c["course"]["id"]
    s = daemon.tmsctl_json("report", "course", str(cid))
    assert s["patient"] == f"A.Q. (#{patient['id']})" and s["mrn"] is None and s["birthDate"] is None
    assert s["course"]["protocolId"] == "10hz-ldlpfc" and s["course"]["target"]["label"]
    assert (s["progress"]["done"], s["progress"]["missed"], s["progress"]["total"]) == (1, 1, 36)
    assert [t["value"] for t in s["thresholds"]] == [55]
    given = [x for x in s["sessions"] if x["status"] == "completed"]
    assert len(given) == 1 and given[0]["delivery"]["pulsesDelivered"] == 3000 and given[0]["delivery"]["motorThreshold"] == 55
    assert [m["drug"] for m in s["medications"]] == ["sertraline"]
    assert s["trajectories"][0]["baseline"] == 18
    assert [(e["kind"], e["severity"]) for e in s["events"]] == [("headache", "mild")]
    assert s["authorizations"][0]["reference"] == "PA-55" and s["use"]["used"] == 1
    assert s["billing"] == [{"session": given[0]["id"], "date": given[0]["date"], "cpt": "90867"}]

    text = daemon.tmsctl("report", "course", str(cid)).stdout
    assert all(len(line) <= 80 for line in text.splitlines()), max(text.splitlines(), key=len)
    for part in ["Course", "Motor threshold", "Sessions", "Rules overridden and warnings", "Medications during the course", "Outcomes", "Adverse events",
                 "Authorizations"]:
        assert f"\n{part}\n" in text, part
    assert re.search(r"\n1 +\d{4}-\d\d-\d\d +completed +55 +120 +10 +75x40 +3000 +figure-8 +90867\n", text), text
    assert "Billing: 90867 x 1" in text
    assert "missed: car broke down" in text and "sertraline" in text and "eased by rest" in text
    assert re.search(r"\d{4}-\d\d-\d\d +headache +mild +no\n", text), "the event's row"
    assert "Used 1 of 36 authorized; 36 booked." in text
    assert "baseline 18, latest -: response unknown, remission no" in text, "no verdict before a later score"
    daemon.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "weekly", "--date", c["sessions"][0]["date"],
                  "--items", "1,1,1,1,1,1,1,0,0")
    text = daemon.tmsctl("report", "course", str(cid)).stdout
    assert "baseline 18, latest 7: response yes, remission no" in text
    assert re.search(r"\d{4}-\d\d-\d\d weekly +\|#+\.+\| 7\n", text), "the trajectory as a chart"
    assert all(len(line) <= 80 for line in text.splitlines())
    for secret in ["Quill", "Ada", "S-77", "1971-05-06"]:
        assert secret not in text, secret

    html = daemon.tmsctl("report", "course", str(cid), "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert html.count("<h2>") == 8 and "<td>car broke down</td>" not in html and "car broke down" in html
    assert "<td>sertraline</td>" in html


def test_full_identifiers_for_the_summary_only(tmp_dir):
    config = TEST_CONFIG + '\n[reports]\nidentifiers = "initials"\ncourse-identifiers = "full"\n'
    d = Daemon(tmp_dir, config_text=config).start()
    try:
        patient, c = a_course(d)
        text = d.tmsctl("report", "course", str(c["course"]["id"])).stdout
        assert f"Quill, Ada (#{patient['id']})" in text and "born 1971-05-06, MRN S-77" in text
        daily = d.tmsctl("report", "daily", "--date", c["sessions"][0]["date"]).stdout
        assert "Quill" not in daily and f"A.Q. (#{patient['id']})" in daily
    finally:
        d.stop()


def test_bad_input(daemon):
    result = daemon.tmsctl("report", "course", "99", check=False)
    assert result.returncode == 65 and "No course has id 99" in result.stderr and result.stderr.count("\n") == 1
    result = daemon.tmsctl("report", "course", "1", "--format", "pdf", check=False)
    assert result.returncode == 64 and "--format must be text, html or json" in result.stderr


def test_long_details_fit_80_columns(daemon):
    patient, c = a_course(daemon)
    cid = str(c["course"]["id"])
    daemon.tmsctl("events", "record", cid, "--kind", "headache", "--severity", "moderate", "--details",
                  "throbbing behind the left eye " * 12 + "y" * 120, "--date", c["sessions"][0]["date"])
    daemon.tmsctl("med", "start", str(patient["id"]), "--drug", "a-remarkably-long-compound-drug-name-for-testing",
                  "--dose", "5", "--unit", "mg", "--date", c["sessions"][0]["date"])
    text = daemon.tmsctl("report", "course", cid).stdout
    assert all(len(line) <= 80 for line in text.splitlines()), max(text.splitlines(), key=len)
    flat = " ".join(line.strip() for line in text.splitlines())
    assert "left eye throbbing behind" in flat, "the details are wrapped, whole"
    html = daemon.tmsctl("report", "course", cid, "--format", "html").stdout
    assert "a-remarkably-long-compound-drug-name-for-testing" in html
