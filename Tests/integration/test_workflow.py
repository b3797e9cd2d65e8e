"""A clinic day through the built tmsctl and the reference Varlink client."""
import json
import os
import subprocess

from conftest import TMSCTL, add_course, add_patient, today_utc


def test_varlink_cli_info_help_and_call(daemon):
    info = daemon.varlink_cli("info", f"unix:{daemon.socket}")
    assert info.returncode == 0, info.stderr
    assert "io.tmsd.Clinic" in info.stdout and "org.varlink.service" in info.stdout

    # `help` fetches the IDL and the client parses it: a malformed IDL would fail here.
    described = daemon.varlink_cli("help", f"unix:{daemon.socket}/io.tmsd.Clinic")
    assert described.returncode == 0, described.stderr
    assert "method CompleteSession(" in described.stdout

    call = daemon.varlink_cli("call", f"unix:{daemon.socket}/io.tmsd.Clinic.AddPatient",
                              json.dumps({"mrn": "V-1", "familyName": "Vega", "givenName": "Lu", "birthDate": "1990-01-02"}))
    assert call.returncode == 0, call.stderr
    assert json.loads(call.stdout)["patient"]["mrn"] == "V-1"

    protocols = json.loads(daemon.varlink_cli("call", f"unix:{daemon.socket}/io.tmsd.Clinic.ListProtocols", "{}").stdout)
    ids = {p["id"] for p in protocols["protocols"]}
    assert {"10hz-ldlpfc", "10hz-dash", "deep-tms-h1", "itbs", "1hz-rdlpfc", "accelerated-itbs"} <= ids
    for p in protocols["protocols"]:
        assert p["pulsesPerSession"] == p["trains"] * p["pulsesPerTrain"], p["id"]


def test_python_client_library_sees_named_errors(daemon):
    import varlink
    try:
        daemon.call("io.tmsd.Clinic.GetPatient", id=999)
        raise AssertionError("no error")
    except varlink.VarlinkError as e:
        assert e.error() == "io.tmsd.Clinic.PatientNotFound"
        assert e.parameters()["id"] == 999


def test_a_clinic_day(daemon):
    patient = add_patient(daemon)
    assert daemon.tmsctl_json("patient", "list")["patients"][0]["id"] == patient["id"]
    listed = daemon.tmsctl("patient", "list").stdout
    assert "Doe, Jane" in listed and "MRN-1" in listed

    course = add_course(daemon, patient["id"], "10hz-ldlpfc", today_utc(), "--target-method", "neuronavigation",
                        "--x", "-38", "--y", "44", "--z", "26", "--coordinate-system", "MNI")
    assert course["course"]["target"] == {"method": "neuronavigation", "label": "left DLPFC", "x": -38.0, "y": 44.0,
                                          "z": 26.0, "coordinateSystem": "MNI"}
    assert len(course["sessions"]) == 36 and course["progress"]["remaining"] == 36

    shown = daemon.tmsctl("course", "show", str(course["course"]["id"])).stdout
    assert "0 of 36 done" in shown and "taper 3" in shown

    first = course["sessions"][0]
    day = daemon.tmsctl_json("session", "list", first["date"])
    assert [s["session"]["id"] for s in day["sessions"]] == [first["id"]]
    assert day["sessions"][0]["patientName"] == "Doe, Jane"

    daemon.tmsctl("session", "start", str(first["id"]))
    done = daemon.tmsctl_json("session", "complete", str(first["id"]), "--mt", "55", "--notes", "fine")
    assert done["session"]["status"] == "completed"
    assert done["session"]["delivery"]["pulsesDelivered"] == 3000
    assert done["session"]["delivery"]["outputPercent"] == 66.0
    assert done["progress"]["done"] == 1

    second = course["sessions"][1]
    missed = daemon.tmsctl_json("session", "miss", str(second["id"]), "--reason", "flat tyre")
    assert missed["session"]["status"] == "missed"
    assert missed["replacement"]["replaces"] == second["id"]
    assert missed["progress"]["remaining"] == 35 and missed["progress"]["missed"] == 1

    third = daemon.tmsctl_json("course", "show", str(course["course"]["id"]))
    open_sessions = [s for s in third["sessions"] if s["status"] == "scheduled"]
    aborted = daemon.tmsctl_json("session", "abort", str(open_sessions[0]["id"]), "--pulses", "1200",
                                 "--reason", "headache")
    assert aborted["session"]["pulsesDelivered"] == 1200
    detail = daemon.tmsctl_json("course", "show", str(course["course"]["id"]))
    counting = [s for s in detail["sessions"] if s["status"] not in ("missed", "aborted")]
    assert len(counting) == 36, "the course keeps its session count"
    assert detail["progress"] == {**detail["progress"], "done": 1, "missed": 1, "aborted": 1, "remaining": 35}

    audit = daemon.tmsctl_json("audit", "--course", str(course["course"]["id"]))["entries"]
    methods = [e["method"].rsplit(".", 1)[1] for e in audit]
    assert methods == ["AbortSession", "MissSession", "CompleteSession", "StartSession", "RecordThreshold", "RecordScreen",
                       "CreateCourse"]
    assert all(e["uid"] == os.getuid() and e["user"] == "root" and e["pid"] > 0 for e in audit)
    text = daemon.tmsctl("audit").stdout
    assert "AddPatient" in text and "Doe" not in text, "audit summaries carry ids, not names"


def test_accelerated_course_books_ten_a_day(daemon):
    patient = add_patient(daemon)
    course = add_course(daemon, patient["id"], "accelerated-itbs", "2026-12-07", "--time", "08:00")
    sessions = course["sessions"]
    assert len(sessions) == 50
    assert [s["time"] for s in sessions[:10]] == ["08:00", "08:50", "09:40", "10:30", "11:20", "12:10", "13:00",
                                                  "13:50", "14:40", "15:30"]
    assert sorted({s["date"] for s in sessions}) == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"]


def test_holidays_from_the_config_are_skipped(daemon):
    patient = add_patient(daemon)
    course = add_course(daemon, patient["id"], "10hz-ldlpfc", "2026-12-21")
    dates = [s["date"] for s in course["sessions"]]
    assert "2026-12-25" not in dates and "2027-01-01" not in dates
    assert dates[:6] == ["2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-28", "2026-12-29"]


def test_human_output_is_aligned(daemon):
    add_patient(daemon)
    table = daemon.tmsctl("protocol", "list").stdout.splitlines()
    header = table[0]
    # Every row is as wide as the header's columns allow: the SESSIONS column ends in one place.
    assert len({len(row) for row in table}) == 1, table
    assert header.split()[0] == "ID"
    shown = daemon.tmsctl("protocol", "show", "deep-tms-h1").stdout
    assert "1980" in shown and "18 Hz" in shown and "continuation" in shown


def test_demo_script_runs(tmp_dir):
    env = dict(os.environ, TMSD=os.environ.get("TMSD", ""), TMSCTL=TMSCTL, STATE=str(tmp_dir / "state"))
    from conftest import TMSD
    env["TMSD"] = TMSD
    result = subprocess.run(["sh", os.path.join(os.path.dirname(__file__), "demo.sh")], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 of 36 done" in result.stdout
    assert "WARNING: 36 sessions booked, 30 authorized: 6 beyond the authorization" in result.stdout
    assert "Billing: 90867 x 1" in result.stdout and "Medicare, 1 of 30 used, 36 booked" in result.stdout
    reports = result.stdout.split("tonight's report")[1].split("the audit trail")[0]
    assert "Motor threshold" in reports and "A.R. (#1)" in reports and "Rivera" not in reports
    assert "Rivera, Ana" in result.stdout.split("finds her by name")[1].split("==>")[0]
    assert "ana.rivera@example.org" in result.stdout.split("reminders (config")[1].split("==>")[0]
    assert "Now " in result.stdout.split("the front desk's board")[1].split("==>")[0]
    # The path before the course: consulted, strategies judged, the evaluation whole, eligible, then the timeline.
    path = result.stdout.split("the path before a course")[1].split("the protocol: 10 Hz")[0]
    assert "Patient 1 is now consulted." in path
    assert "Patient 1: evaluation complete." in path and "MDQ 3" in path
    assert "MEETS the TRD definition (2 adequate trial(s)" in path and "Evaluation: complete. Stage: eligible." in path
    assert "a switch from sertraline to venlafaxine: 225 mg for" in path and "counts only where a payer's rule" in path
    assert "Rivera, Ana" in path.split("at the eligible stage")[1]
    timeline = result.stdout.split("her treatment path on a timeline")[1].split("==>")[0]
    assert "Patient 1: in course." in timeline and "switch sertraline>venla" in timeline and "course 1 active" in timeline
    assert "tmsd stopped (exit 0)" in result.stdout
