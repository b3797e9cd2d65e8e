"""The safety holes of issue 11, one test each, named after the hole: each
failed on the daemon before the treatment gate and passes through it."""
import json
import os
import re
import socket
import subprocess
import sqlite3
import threading

import pytest
import varlink

from conftest import (TEST_CONFIG, TMSCTL, Daemon, add_course, add_patient, as_nobody, days_ago, nobodys_group, refused,
                      start_where_nobody_reaches, with_nobody_as_operator)
from test_calendar import CLINIC, course as calendar_course

DELIVERY = dict(motorThreshold=55, intensityPercentMT=120, frequencyHz=10, pulsesPerTrain=40, trainDurationSeconds=4,
                interTrainIntervalSeconds=26, trains=75, pulsesDelivered=3000, coil="figure-8", target="left DLPFC")

# Every rule a clinician may override (README "Rules the daemon enforces").
OVERRIDABLE = ["mt-recheck", "dose-limit", "dose-limit-unknown", "deviation-intensity", "deviation-frequency",
               "deviation-trains", "deviation-pulses-per-train", "deviation-train-duration", "deviation-interval",
               "deviation-coil", "deviation-target", "deviation-motor-threshold"]


def overrides_except(rule, reason="accepted for the test"):
    return [{"rule": r, "reason": reason} for r in OVERRIDABLE if r != rule]


# 1 ---------------------------------------------------------------------------

def test_hole_01_a_rescreen_does_not_erase_an_absolute_finding(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir, with_nobody_as_operator())
    try:
        c = add_course(d, add_patient(d)["id"])
        cid, first = c["course"]["id"], c["sessions"][0]["id"]
        # An operator records a cochlear implant, then screens again answering no to everything.
        assert as_nobody(d, "screen", "record", str(cid), "--yes", "cochlear-implant").returncode == 0
        assert as_nobody(d, "screen", "record", str(cid)).returncode == 0
        name, params = refused(d, "io.tmsd.Clinic.StartSession", id=first)
        assert name == "ScreenRequired" and params["state"] == "absolute" and "cochlear-implant" in params["reason"]
        screen = d.call("io.tmsd.Clinic.GetScreen", courseId=cid)
        assert [s["result"] for s in screen["history"]] == ["clear", "absolute", "clear"], "every screen stays readable"
        assert [(f["question"], f["contraindication"], f["screen"]) for f in screen["standing"]] == [
            ("cochlear-implant", "absolute", screen["history"][1]["id"])]
        shown = d.tmsctl("screen", str(cid)).stdout
        assert "absolute: cochlear-implant" in shown
        # Clearing it is a clinician's act, with a reason, kept.
        denied = as_nobody(d, "screen", "clear", str(cid), "--question", "cochlear-implant", "--reason", "gone")
        assert denied.returncode != 0 and "clinician" in denied.stderr
        d.tmsctl("screen", "clear", str(cid), "--question", "cochlear-implant", "--reason", "implant removed in 2025; CT reviewed")
        assert d.call("io.tmsd.Clinic.GetScreen", courseId=cid)["standing"] == []
        assert d.call("io.tmsd.Clinic.StartSession", id=first)["session"]["status"] == "in_progress"
        summaries = [e["summary"] for e in d.tmsctl_json("audit", "--course", str(cid))["entries"]]
        assert any("cochlear-implant" in s and "implant removed in 2025" in s for s in summaries)
    finally:
        d.stop()


# 2 ---------------------------------------------------------------------------

def test_hole_02_a_seizure_hold_needs_a_threshold_measured_after_the_seizure(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])  # MT measured now, 08:00
    cid = c["course"]["id"]
    daemon.travel(hours=2)
    daemon.call("io.tmsd.Clinic.RecordAdverseEvent", courseId=cid, kind="seizure", severity="severe",
                date=daemon.today(), details="train 12, 40 s, generalized; stimulation stopped")
    name, params = refused(daemon, "io.tmsd.Clinic.ResumeHeldCourse", id=cid, reason="neurology cleared")
    assert name == "ThresholdRequired" and params["since"] == daemon.today(), "the morning's MT came before the seizure"
    daemon.travel(hours=1)
    daemon.call("io.tmsd.Clinic.RecordThreshold", courseId=cid, date=daemon.today(), method="emg", muscle="APB", value=58)
    assert daemon.call("io.tmsd.Clinic.ResumeHeldCourse", id=cid, reason="neurology cleared")["course"]["status"] == "active"


# 3 ---------------------------------------------------------------------------

def test_hole_03_a_medication_change_after_the_days_threshold_makes_it_due(daemon):
    patient = add_patient(daemon)["id"]
    c = add_course(daemon, patient)  # MT measured now, 08:00
    cid, first = c["course"]["id"], c["sessions"][0]["id"]
    daemon.travel(hours=1)
    daemon.call("io.tmsd.Clinic.StartMedication", patientId=patient, drug="bupropion", dose=150, unit="mg",
                date=daemon.today())
    due = daemon.call("io.tmsd.Clinic.ListThresholds", courseId=cid)["recheckDue"]
    assert due and "bupropion" in due
    name, params = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=DELIVERY)
    assert name == "RecheckDue" and "bupropion" in params["reason"]
    daemon.travel(minutes=10)
    daemon.call("io.tmsd.Clinic.RecordThreshold", courseId=cid, date=daemon.today(), method="emg", muscle="APB", value=55)
    assert daemon.call("io.tmsd.Clinic.CompleteSession", id=first, delivery=DELIVERY)["session"]["status"] == "completed"


# 4 ---------------------------------------------------------------------------

@pytest.mark.parametrize("field,value,rule", [
    ("intensityPercentMT", 130, "deviation-intensity"),
    ("frequencyHz", 15, "deviation-frequency"),
    ("coil", "H1", "deviation-coil"),
    ("target", "right DLPFC", "deviation-target"),
    ("motorThreshold", 70, "deviation-motor-threshold"),
])
def test_hole_04_a_delivery_unlike_the_prescription_is_a_named_finding(daemon, field, value, rule):
    c = add_course(daemon, add_patient(daemon)["id"])  # 120% MT, 10 Hz, figure-8, left DLPFC; MT 55
    cid, first = c["course"]["id"], c["sessions"][0]["id"]
    delivery = dict(DELIVERY, **{field: value})
    name, _ = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery)
    assert name in ("DeviationFromPrescription", "DoseLimitExceeded")
    # Every other rule overridden: the deviation itself still needs its own.
    name, params = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery,
                           overrides=overrides_except(rule))
    assert name == "DeviationFromPrescription" and params["rule"] == rule, params
    assert str(value) in params["delivered"]
    done = daemon.call("io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery,
                       overrides=overrides_except(None, reason="as the neurologist advised"))
    assert done["session"]["status"] == "completed"
    kept = daemon.call("io.tmsd.Clinic.GetSession", id=first)["findings"]
    assert any(f["rule"] == rule and f["severity"] == "override" and f["reason"] == "as the neurologist advised"
               and f["recordedBy"] == "root" for f in kept), kept
    # Shown in course show, the course summary and the day's report.
    assert rule in daemon.tmsctl("course", "show", str(cid)).stdout
    assert rule in daemon.tmsctl("report", "course", str(cid)).stdout
    assert rule in daemon.tmsctl("report", "daily").stdout
    assert any(rule in n["detail"] for n in daemon.call("io.tmsd.Clinic.GetDailyReport")["findings"])


# 5 ---------------------------------------------------------------------------

def test_hole_05_a_frequency_without_a_dose_limit_row_needs_a_clinician(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])
    first = c["sessions"][0]["id"]
    delivery = dict(DELIVERY, frequencyHz=15)
    name, params = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery,
                           overrides=overrides_except("dose-limit-unknown"))
    assert name == "DoseLimitExceeded" and params["rule"] == "dose-limit-unknown"
    assert "no limit is on record" in params["reason"]
    done = daemon.call("io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery,
                       overrides=overrides_except(None, reason="15 Hz per the study protocol"))
    assert "dose-limit-unknown" in [f["rule"] for f in done["findings"]]


# 6 ---------------------------------------------------------------------------

def test_hole_06_one_reason_does_not_clear_two_rules(daemon):
    c = add_course(daemon, add_patient(daemon)["id"], measure=False)
    cid, first = c["course"]["id"], c["sessions"][0]["id"]
    daemon.call("io.tmsd.Clinic.RecordThreshold", courseId=cid, date=days_ago(8), method="emg", muscle="APB", value=55)
    # 5 s trains at 120% MT: past the 4.2 s limit, and each changed parameter departs from the prescription.
    delivery = dict(DELIVERY, trainDurationSeconds=5, pulsesPerTrain=50, trains=60)
    rules = ["mt-recheck", "dose-limit", "deviation-trains", "deviation-pulses-per-train", "deviation-train-duration"]
    name, params = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery, override="measured; fine")
    assert name in ("RecheckDue", "DoseLimitExceeded") and "give each its own" in params["message"]
    # Each rule's own reason, stored against it.
    reasons = {rule: f"reason for {rule}" for rule in rules}
    done = daemon.call("io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery,
                       overrides=[{"rule": r, "reason": why} for r, why in reasons.items()])
    assert done["session"]["status"] == "completed"
    kept = daemon.call("io.tmsd.Clinic.GetSession", id=first)["findings"]
    assert {f["rule"]: f["reason"] for f in kept} == reasons
    # Old clients' single reason still stands for the one rule that needs it.
    second = c["sessions"][1]
    daemon.travel_to(second["date"])
    one = daemon.call("io.tmsd.Clinic.CompleteSession", id=second["id"], delivery=DELIVERY, override="measured at the bedside")
    assert [(f["rule"], f["reason"]) for f in one["findings"]] == [("mt-recheck", "measured at the bedside")]


# 7 ---------------------------------------------------------------------------

def test_hole_07_a_session_is_given_on_its_own_day(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])
    first, second = c["sessions"][0], c["sessions"][1]
    assert second["date"] > daemon.today()
    for method in ("StartSession", "CompleteSession"):
        name, params = refused(daemon, f"io.tmsd.Clinic.{method}", id=second["id"])
        assert name == "NotTodaysSession" and params["date"] == second["date"] and params["today"] == daemon.today()
    daemon.call("io.tmsd.Clinic.CompleteSession", id=first["id"], delivery=DELIVERY)
    # Moving it to today is refused too: the course has had its one session today.
    name, _ = refused(daemon, "io.tmsd.Clinic.RescheduleSession", id=second["id"], date=daemon.today())
    assert name == "InvalidValue"
    # On its day it is given.
    daemon.travel_to(second["date"])
    assert daemon.call("io.tmsd.Clinic.CompleteSession", id=second["id"], delivery=DELIVERY)["session"]["status"] == "completed"


# 8 ---------------------------------------------------------------------------

def overlaps(sessions):
    """Pairs of one patient's live sessions that overlap on a day."""
    live = [s for s in sessions if s["status"] in ("scheduled", "in_progress", "completed")]
    out = []
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            if a["date"] == b["date"]:
                a0, b0 = to_minutes(a["time"]), to_minutes(b["time"])
                if a0 < b0 + b["minutes"] and b0 < a0 + a["minutes"]:
                    out.append((a["id"], b["id"], a["date"]))
    return out


def to_minutes(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def test_hole_08_a_patient_is_never_in_two_sessions_at_once(tmp_dir):
    d = Daemon(tmp_dir, config_text=CLINIC).start()
    try:
        patient = add_patient(d)["id"]
        # Two courses at once, both wanting 09:00, in a clinic with two figure-8 chairs free then.
        a = calendar_course(d, patient, "10hz-ldlpfc")
        b = calendar_course(d, patient, "itbs")
        sessions = [s for c in (a, b) for s in d.call("io.tmsd.Clinic.GetCourse", id=c["course"]["id"])["sessions"]]
        assert overlaps(sessions) == []
        # A session of one may not be moved onto the other's time.
        target = a["sessions"][3]
        name, params = refused(d, "io.tmsd.Clinic.RescheduleSession", id=b["sessions"][3]["id"], date=target["date"],
                               time=target["time"])
        assert name == "PatientBooked" and params["session"] == target["id"]
    finally:
        d.stop()


# 9 ---------------------------------------------------------------------------

def test_hole_09_billing_follows_the_order_of_delivery(tmp_dir):
    config = TEST_CONFIG.replace('days = ["mon", "tue", "wed", "thu", "fri"]', 'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]')
    d = Daemon(tmp_dir, config_text=config).start()
    try:
        c = add_course(d, add_patient(d)["id"], "accelerated-itbs", d.today(), "--time", "08:00")
        s = c["sessions"]
        assert s[0]["date"] == s[1]["date"] == d.today() and s[0]["number"] == 1 and s[1]["number"] == 2
        # The second booked is given first.
        for session in (s[1], s[0]):
            d.tmsctl("session", "complete", str(session["id"]), "--mt", "55")
        codes = {r["session"]: r.get("cpt") for r in d.call("io.tmsd.Clinic.GetDailyReport")["sessions"]}
        assert codes[s[1]["id"]] == "90867", "the first delivered is the initial"
        assert codes[s[0]["id"]] == "90868"
        billed = d.call("io.tmsd.Clinic.GetCourseSummary", id=c["course"]["id"])["billing"]
        assert [b["cpt"] for b in billed if b["session"] == s[1]["id"]] == ["90867"]
    finally:
        d.stop()


# 10 --------------------------------------------------------------------------

def test_hole_10_taper_weeks_are_calendar_weeks_spread_apart(daemon):
    import datetime
    # Thirty clinic days from Thursday 2027-03-04 end on Wednesday 2027-04-14.
    c = daemon.tmsctl_json("course", "create", "--patient", str(add_patient(daemon)["id"]), "--protocol", "10hz-ldlpfc",
                           "--start", "2027-03-04", "--prescriber", "Dr. A")
    acute = [datetime.date.fromisoformat(s["date"]) for s in c["sessions"] if s["phase"] == "acute"]
    assert acute[-1] == datetime.date(2027, 4, 14)
    taper = [datetime.date.fromisoformat(s["date"]) for s in c["sessions"] if s["phase"].startswith("taper")]
    weeks = {}
    for day in taper:
        weeks.setdefault(day - datetime.timedelta(days=day.weekday()), []).append(day)
    assert [len(weeks[w]) for w in sorted(weeks)] == [3, 2, 1], taper
    assert not [(a, b) for a, b in zip(taper, taper[1:]) if (b - a).days == 1], "no two taper days in a row"
    assert min(weeks) == datetime.date(2027, 4, 19), "Thursday and Friday cannot hold three apart"


# 11 --------------------------------------------------------------------------

def board_count(text):
    heading = int(re.search(r", (\d+) sessions?\n", text).group(1))
    return heading, len(re.findall(r"#\d+", text))


def test_hole_11_an_outage_moves_only_its_days_and_the_board_draws_every_session(tmp_dir):
    d = Daemon(tmp_dir, config_text=CLINIC).start()
    try:
        courses = [calendar_course(d, add_patient(d, mrn=f"O-{i}")["id"]) for i in range(6)]
        # One session after the outage was moved by hand to the afternoon.
        later = next(s for s in courses[0]["sessions"] if s["date"] == "2026-12-14")
        d.call("io.tmsd.Clinic.RescheduleSession", id=later["id"], date="2026-12-14", time="15:00", chair="chair-1")

        def places():
            return {s["id"]: (s["date"], s["time"], s["chair"]) for c in courses
                    for s in d.call("io.tmsd.Clinic.GetCourse", id=c["course"]["id"])["sessions"]}

        heading, drawn = board_count(d.tmsctl("schedule", "day", "2026-12-09").stdout)
        assert heading == 6 and drawn == 6, "every session is drawn"
        before = places()
        out = d.call("io.tmsd.Clinic.SetChairOutOfService", chair="chair-1", **{"from": "2026-12-09", "to": "2026-12-10"},
                     reason="coil cable")
        after = places()
        changed = {k for k in before if before[k] != after[k]}
        assert changed and changed == {m["session"] for m in out["moved"]}
        assert all(before[k][0] in ("2026-12-09", "2026-12-10") for k in changed), "nothing outside the outage moved"
        assert all(after[k][0] == before[k][0] and after[k][2] == "chair-2" for k in changed), "each kept its day"
        assert after[later["id"]] == ("2026-12-14", "15:00", "chair-1")
        text = d.tmsctl("schedule", "day", "2026-12-09").stdout
        assert board_count(text) == (6, 6), text
        assert "chair-1 is out of service (marked -): coil cable" in text
    finally:
        d.stop()


# 12 --------------------------------------------------------------------------

def test_hole_12_every_refusal_is_audited_once_with_its_error(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir)  # nobody reaches the socket and holds no role
    try:
        patient = add_patient(d)["id"]
        unscreened = add_course(d, patient, screen=False)
        unmeasured = add_course(d, add_patient(d, mrn="MRN-2")["id"], measure=False)
        cancelled = add_course(d, add_patient(d, mrn="MRN-3")["id"])
        d.call("io.tmsd.Clinic.CancelCourse", id=cancelled["course"]["id"], reason="moved away")
        cases = [
            ("CreateCourse", dict(patientId=patient, protocolId="10hz-ldlpfc", startDate=d.today(), prescriber="Dr. A",
                                  target={"method": "beam_f3", "label": "L"}, intensityPercentMT=130), "DoseLimitExceeded"),
            ("StartSession", dict(id=unscreened["sessions"][0]["id"]), "ScreenRequired"),
            ("CompleteSession", dict(id=cancelled["sessions"][1]["id"]), "CourseNotActive"),
            ("CompleteSession", dict(id=unmeasured["sessions"][0]["id"], delivery=DELIVERY), "RecheckDue"),
        ]
        for method, parameters, error in cases:
            before = len(d.refusals())
            name, _ = refused(d, f"io.tmsd.Clinic.{method}", **parameters)
            assert name == error
            rows = d.refusals()[before:]
            assert [(r[0], r[1], r[2]) for r in rows] == [(f"io.tmsd.Clinic.{method}", f"io.tmsd.Clinic.{error}", "root")]
        assert "(RecheckDue)" in d.tmsctl("audit").stdout, "tmsctl audit names the refusal's error"
        # A caller with no role who sends malformed parameters is refused for the role, and it is audited.
        before = len(d.refusals())
        script = ("import json, socket, sys\n"
                  "s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
                  "s.sendall(json.dumps({'method': 'io.tmsd.Clinic.AddPatient', 'parameters': {'mrn': 5}}).encode() + b'\\0')\n"
                  "data = b''\n"
                  "while not data.endswith(b'\\0'): data += s.recv(65536)\n"
                  "print(json.loads(data[:-1])['error'])\n")
        reply = subprocess.run(["/usr/bin/python3", "-c", script, d.socket], capture_output=True, text=True, timeout=30,
                               user="nobody", group=nobodys_group(), extra_groups=[])
        assert reply.stdout.strip() == "org.varlink.service.PermissionDenied", reply.stdout + reply.stderr
        rows = d.refusals()[before:]
        assert [(r[0], r[1], r[2]) for r in rows] == [("io.tmsd.Clinic.AddPatient", "org.varlink.service.PermissionDenied", "nobody")]
    finally:
        d.stop()


# 13 --------------------------------------------------------------------------

def test_hole_13_messages_say_what_is_so(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir, with_nobody_as_operator())
    try:
        patient = add_patient(d)["id"]
        c = add_course(d, patient)
        cid, first = str(c["course"]["id"]), c["sessions"][0]
        # An override refused for want of the clinician role names that role.
        result = as_nobody(d, "session", "complete", str(first["id"]), "--intensity", "110",
                           "--override", "deviation-intensity=in a hurry")
        assert result.returncode == 65 and "needs the clinician role" in result.stderr and "operator role" not in result.stderr
        # A score with no alert prints no alert line; no re-check due says so.
        recorded = d.tmsctl("outcomes", "record", cid, "--scale", "phq9", "--timepoint", "baseline",
                            "--items", "2,2,2,2,2,2,2,2,0").stdout
        assert "ALERT" not in recorded, recorded
        mt = d.tmsctl("mt", cid).stdout
        assert "No re-check due today." in mt and "Re-check due: ." not in mt
        # BDI-II with no baseline: response unknown.
        d.tmsctl("outcomes", "record", cid, "--scale", "bdi2", "--timepoint", "weekly", "--total", "20")
        chart = d.tmsctl("outcomes", cid).stdout
        assert re.search(r"BDI-II.*\n(.*\n)*.*response unknown", chart), chart
        # The payer's PHQ-9 minimum reads the score before treatment (16), not the latest (8).
        d.tmsctl("session", "complete", str(first["id"]), "--mt", "55")
        d.travel(days=1)
        d.tmsctl("outcomes", "record", cid, "--scale", "phq9", "--timepoint", "weekly", "--items", "1,1,1,1,1,1,1,1,0")
        payers = {p["id"]: p for p in d.tmsctl_json("eligibility", str(patient))["payers"]}
        findings = payers["centene-cp-bh-200"]["findings"]
        assert f"met: PHQ-9 of 15 or more before treatment (found 16 on {days_ago(1, d.offset)})" in findings, findings
        # Global options before the command, as with systemctl and chronyc.
        listed = subprocess.run([TMSCTL, "--socket", d.socket, "session", "list"],
                                capture_output=True, text=True, timeout=30)
        assert listed.returncode == 0, listed.stderr
    finally:
        d.stop()


# 14 --------------------------------------------------------------------------

EXTREMES_INT = [0, -1, 2**31, 2**53, 2**63 - 1]
EXTREMES_FLOAT = [0, -1, 2**31, 2**53, 2**63 - 1, 1e308, -0.0]
ALWAYS_WRONG = (-1, 2**53, 2**63 - 1, 1e308)


def sample(t, interface, path, numeric):
    """A value of IDL type `t`, recording each numeric field's path and kind in `numeric`."""
    s = varlink.scanner
    if isinstance(t, s._Maybe):
        return sample(t.element_type, interface, path, numeric)
    if isinstance(t, s._Array):
        return [sample(t.element_type, interface, path + ["[]"], numeric)]
    if isinstance(t, s._Dict):
        return {"pregnancy": sample(t.element_type, interface, path + ["{}"], numeric)}
    if isinstance(t, s._CustomType):
        return sample(interface.members[t.name].type, interface, path, numeric)
    if isinstance(t, s._Enum):
        return list(t.fields)[0]
    if isinstance(t, (s._Struct, s._Object)):
        return {name: sample(ft, interface, path + [name], numeric) for name, ft in t.fields.items()}
    if isinstance(t, bool):
        return False
    if isinstance(t, int):
        numeric.append((path, "int"))
        return 1
    if isinstance(t, float):
        numeric.append((path, "float"))
        return 1.5
    last = path[-1] if path else ""
    if last in ("date", "from", "to", "startDate", "on", "birthDate"):
        return "2026-12-02"
    if last in ("time", "sessionTime"):
        return "10:00"
    return "x"


def put(value, path, extreme):
    if not path:
        return extreme
    head, rest = path[0], path[1:]
    if head in ("[]", "{}"):
        key = 0 if head == "[]" else next(iter(value))
        value[key] = put(value[key], rest, extreme)
    else:
        value[head] = put(value[head], rest, extreme)
    return value


def test_hole_14_no_number_a_client_sends_crashes_the_daemon(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])
    first = c["sessions"][0]["id"]
    pid = daemon.process.pid
    # The overflow that trapped: pulses per train of 2^62, and 2^63-1 with one train.
    for delivery in (dict(DELIVERY, pulsesPerTrain=2**62), dict(DELIVERY, pulsesPerTrain=2**63 - 1, trains=1)):
        name, params = refused(daemon, "io.tmsd.Clinic.CompleteSession", id=first, delivery=delivery)
        assert name == "InvalidValue" and params["parameter"] == "delivery.pulsesPerTrain"
    # Every numeric field of every method, from the IDL as the daemon serves it.
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        interface = client.get_interface("io.tmsd.Clinic")
    tried = 0
    for name, member in interface.members.items():
        if not isinstance(member, varlink.scanner._Method):
            continue
        numeric = []
        base = sample(member.in_type, interface, [], numeric)
        for path, kind in numeric:
            for extreme in (EXTREMES_INT if kind == "int" else EXTREMES_FLOAT):
                parameters = put(json.loads(json.dumps(base)), path, extreme)
                reply = daemon.raw(json.dumps({"method": f"io.tmsd.Clinic.{name}", "parameters": parameters}).encode() + b"\0")
                assert reply, f"{name} {'.'.join(path)}={extreme}: the connection dropped"
                answer = json.loads(reply)
                where = f"{name} {'.'.join(path)}={extreme!r}: {answer}"
                if extreme in ALWAYS_WRONG:
                    assert "error" in answer, where
                if "error" in answer:
                    assert re.fullmatch(r"(io\.tmsd\.Clinic|org\.varlink\.service)\.[A-Za-z]+", answer["error"]), where
                tried += 1
    assert tried > 300
    assert daemon.alive() and daemon.process.pid == pid
    assert daemon.call("io.tmsd.Clinic.GetSession", id=first)["session"]["id"] == first
    # Whatever went through (a 0 where 0 is allowed), nothing stored holds an extreme.
    import sqlite3
    with sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'grdb_%'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                assert not [v for v in row if isinstance(v, (int, float)) and abs(v) >= 2**31], (table, row)
    assert "unexpected failure" not in daemon.log.read_text()


# session complete is one call --------------------------------------------------

def test_session_complete_is_one_call_on_the_socket(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])
    proxy_path = str(daemon.directory / "proxy.sock")
    calls = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(proxy_path)
    listener.listen(8)
    listener.settimeout(10)

    def pump(source, sink, record):
        buffer = b""
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
            if record:
                buffer += data
                while b"\0" in buffer:
                    frame, buffer = buffer.split(b"\0", 1)
                    calls.append(json.loads(frame)["method"])
        sink.shutdown(socket.SHUT_WR)

    def serve():
        try:
            while True:
                client, _ = listener.accept()
                upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                upstream.connect(daemon.socket)
                threading.Thread(target=pump, args=(client, upstream, True), daemon=True).start()
                threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()
        except OSError:
            pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        result = subprocess.run([TMSCTL, "session", "complete", str(c["sessions"][0]["id"]),
                                 "--socket", proxy_path], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert "completed" in result.stdout
        assert calls == ["io.tmsd.Clinic.CompleteSession"], calls
    finally:
        listener.close()


def test_stored_control_characters_reach_no_terminal_raw(daemon):
    """A forged audit line (a newline in a medication's unit), a cursor-up
    escape hiding rows and a title escape in the daily report: refused at the
    boundary; and text stored before that rule (written straight into the
    file) is printed as visible escapes."""
    p = add_patient(daemon)["id"]
    forged = "mg\n99 root forged"
    refused = daemon.tmsctl("med", "start", str(p), "--drug", "sertraline", "--dose", "50", "--unit", forged,
                            check=False)
    assert refused.returncode == 65 and "unit: must not contain control characters" in refused.stderr
    course = add_course(daemon, p)
    session = course["sessions"][0]["id"]
    refused = daemon.tmsctl("session", "miss", str(session), "--reason", "ill\x1b[2A\x1b[2K", check=False)
    assert refused.returncode == 65 and "reason: must not contain control characters" in refused.stderr
    daemon.tmsctl("session", "miss", str(session), "--reason", "ill")
    with sqlite3.connect(daemon.database) as db:
        db.execute("UPDATE session SET reason = ? WHERE id = ?", ("ill\x1b]0;pwned\x07\x1b[2A", session))
        db.execute("UPDATE audit SET summary = summary || ? WHERE seq = 1", ("\n 99  forged line",))
    for args in [("report", "daily"), ("session", "list"), ("audit",), ("course", "show", str(course["course"]["id"]))]:
        out = daemon.tmsctl(*args)
        assert "\x1b" not in out.stdout and "\x07" not in out.stdout, args
    assert "ill\\u{1B}]0;pwned\\u{7}\\u{1B}[2A" in daemon.tmsctl("report", "daily").stdout
    audit = daemon.tmsctl("audit").stdout
    assert "\\n 99  forged line" in audit and not any(line.startswith(" 99  forged") for line in audit.splitlines())
