"""Motor threshold re-checks, overrides, adverse events and the seizure hold."""
import pytest
import varlink

from conftest import (add_course, add_patient, as_nobody, days_ago, start_where_nobody_reaches, today_utc,
                      with_nobody_as_operator)

DELIVERY = dict(motorThreshold=55, intensityPercentMT=120, frequencyHz=10, pulsesPerTrain=40, trainDurationSeconds=4,
                interTrainIntervalSeconds=26, trains=75, pulsesDelivered=3000, coil="figure-8", target="left DLPFC")



def refused(d, call, name, **parameters):
    before = d.dump()
    with pytest.raises(varlink.VarlinkError) as caught:
        d.call(call, **parameters)
    assert caught.value.error() == f"io.tmsd.Clinic.{name}", caught.value.parameters()
    assert d.dump() == before
    return caught.value.parameters()


def test_no_measurement_means_no_completed_session(daemon):
    course = add_course(daemon, add_patient(daemon)["id"], measure=False)
    first = course["sessions"][0]["id"]
    reason = refused(daemon, "io.tmsd.Clinic.CompleteSession", "RecheckDue", id=first, delivery=DELIVERY)["reason"]
    assert reason == "no motor threshold has been measured for this course"
    result = daemon.tmsctl("session", "complete", str(first), "--mt", "55", check=False)
    assert result.returncode == 65 and "needs its motor threshold measured again" in result.stderr
    daemon.tmsctl("mt", "record", str(course["course"]["id"]), "--value", "55", "--method", "visual")
    assert daemon.tmsctl_json("session", "complete", str(first), "--mt", "55")["session"]["status"] == "completed"


def test_a_week_old_measurement_is_due_and_a_clinician_may_override(daemon):
    course = add_course(daemon, add_patient(daemon)["id"], measure=False)
    cid = str(course["course"]["id"])
    daemon.tmsctl("mt", "record", cid, "--value", "50", "--method", "emg", "--date", days_ago(8))
    listed = daemon.tmsctl("mt", cid).stdout
    assert f"Re-check due: the last measurement was on {days_ago(8)}, 8 days ago (every 7 days)." in listed
    first = str(course["sessions"][0]["id"])
    assert daemon.tmsctl("session", "complete", first, "--mt", "50", check=False).returncode == 65
    done = daemon.tmsctl_json("session", "complete", first, "--mt", "50", "--override", "mt-recheck=measured at the bedside, unchanged")
    assert done["session"]["status"] == "completed"
    assert [(f["rule"], f["severity"], f["reason"]) for f in done["findings"]] == [
        ("mt-recheck", "override", "measured at the bedside, unchanged")]
    audit = daemon.tmsctl_json("audit", "--course", cid)["entries"][0]
    assert f"mt-recheck (the last measurement was on {days_ago(8)}" in audit["summary"]
    assert "overridden: measured at the bedside" in audit["summary"]
    assert refused(daemon, "io.tmsd.Clinic.RecordThreshold", "InvalidValue", courseId=int(cid), date=days_ago(0), method="emg",
                   muscle="APB", value=101)["parameter"] == "value"


def test_an_operator_may_not_override(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir, with_nobody_as_operator())
    try:
        course = add_course(d, add_patient(d)["id"], measure=False)
        result = as_nobody(d, "session", "complete", str(course["sessions"][0]["id"]), "--mt", "55", "--override", "in a hurry")
        assert result.returncode == 65
        assert "Permission denied: overriding the mt-recheck rule needs the clinician role." in result.stderr
        assert d.refusals()[-1][:3] == ("io.tmsd.Clinic.CompleteSession", "io.tmsd.Clinic.OverrideNotPermitted", "nobody")
    finally:
        d.stop()


def test_a_seizure_holds_the_course_until_a_clinician_resumes_after_a_new_threshold(daemon):
    course = add_course(daemon, add_patient(daemon)["id"], measure=False)
    cid = course["course"]["id"]
    daemon.tmsctl("mt", "record", str(cid), "--value", "55", "--method", "emg", "--date", days_ago(1))
    first = course["sessions"][0]["id"]
    recorded = daemon.tmsctl_json("events", "record", str(cid), "--kind", "seizure", "--severity", "severe", "--session",
                                  str(first), "--details", "train 12, 40 s, generalized tonic-clonic; stimulation stopped")
    assert recorded["event"]["held"] is True and recorded["course"]["status"] == "on_hold"
    assert recorded["course"]["statusReason"].startswith(f"on hold since {today_utc()}: Seizure")
    started = daemon.tmsctl("session", "start", str(first), check=False)
    assert started.returncode == 65 and "is on_hold, not active" in started.stderr
    params = refused(daemon, "io.tmsd.Clinic.ResumeHeldCourse", "ThresholdRequired", id=cid, reason="lower intensity")
    assert params["since"] == today_utc()
    daemon.tmsctl("mt", "record", str(cid), "--value", "58", "--method", "emg")
    resumed = daemon.tmsctl_json("course", "resume-hold", str(cid), "--reason", "neurology cleared; 110% MT")
    assert resumed["course"]["status"] == "active"
    # The measurement after the seizure satisfies the re-check rule.
    assert daemon.tmsctl_json("mt", str(cid)).get("recheckDue") is None
    done = daemon.tmsctl_json("session", "complete", str(first), "--mt", "58", "--intensity", "110",
                              "--override", "deviation-intensity=neurology: 110% MT after the seizure")
    assert done["session"]["status"] == "completed"
    assert [f["rule"] for f in done["findings"]] == ["deviation-intensity"]
    events = daemon.tmsctl("events", str(cid)).stdout
    assert "seizure" in events and "yes" in events
    assert refused(daemon, "io.tmsd.Clinic.RecordAdverseEvent", "EventKindNotFound", courseId=cid, kind="nosebleed",
                   severity="mild", date=today_utc(), details="x")["kind"] == "nosebleed"


def test_a_mild_event_does_not_hold(daemon):
    course = add_course(daemon, add_patient(daemon)["id"])
    recorded = daemon.tmsctl_json("events", "record", str(course["course"]["id"]), "--kind", "headache", "--severity", "mild",
                                  "--details", "relieved by paracetamol")
    assert recorded["event"]["held"] is False and recorded["course"]["status"] == "active"


def test_the_train_limits_table_needs_an_override(daemon):
    patient = add_patient(daemon)["id"]
    args = ["course", "create", "--patient", str(patient), "--protocol", "10hz-ldlpfc", "--start", today_utc(),
            "--prescriber", "Dr. A", "--intensity", "130"]  # 4 s trains at 130%: the limit is 2.9 s
    result = daemon.tmsctl(*args, check=False)
    assert result.returncode == 65
    assert "4 s trains at 10 Hz and 130% MT on the figure-8 coil exceed the 2.9 s limit" in result.stderr
    reason = refused(daemon, "io.tmsd.Clinic.CreateCourse", "DoseLimitExceeded", patientId=patient, protocolId="10hz-ldlpfc",
                     startDate=today_utc(), prescriber="Dr. A", target={"method": "beam_f3", "label": "L"},
                     intensityPercentMT=130)["reason"]
    assert "exceed the 2.9 s limit" in reason
    made = daemon.tmsctl_json(*args, "--override", "motor threshold low; discussed with the patient")
    cid = made["course"]["id"]
    assert "dose-limit (4 s trains" in daemon.tmsctl_json("audit", "--course", str(cid))["entries"][0]["summary"]
    # Delivered: 5 s trains at 120% break the 4.2 s row; a clinician's override lets it through, audited.
    daemon.tmsctl("screen", "record", str(cid))
    daemon.tmsctl("mt", "record", str(cid), "--value", "50", "--method", "emg")
    first = str(made["sessions"][0]["id"])
    long_trains = ["--intensity", "120", "--train-duration", "5", "--pulses-per-train", "50", "--pulses", "3000",
                   "--trains", "60"]
    blocked = daemon.tmsctl("session", "complete", first, "--mt", "50", *long_trains, check=False)
    assert blocked.returncode == 65 and "exceed the 4.2 s limit" in blocked.stderr
    # One reason for the limit and the four departures from the prescription is not enough: each has its own.
    vague = daemon.tmsctl("session", "complete", first, "--mt", "50", *long_trains, "--override", "protocol amended",
                          check=False)
    assert vague.returncode == 65 and "One reason was given for 5 rules (dose-limit, deviation-intensity" in vague.stderr
    rules = ["dose-limit", "deviation-intensity", "deviation-trains", "deviation-pulses-per-train",
             "deviation-train-duration"]
    overrides = [a for rule in rules for a in ("--override", f"{rule}=protocol amended")]
    done = daemon.tmsctl_json("session", "complete", first, "--mt", "50", *long_trains, *overrides)
    assert done["session"]["status"] == "completed"
    assert sorted(f["rule"] for f in done["findings"]) == sorted(rules)
    assert "dose-limit (5 s trains" in daemon.tmsctl_json("audit", "--course", str(cid))["entries"][0]["summary"]


def test_the_safety_screen_gates_treatment(daemon):
    course = add_course(daemon, add_patient(daemon)["id"], screen=False)
    cid, first = str(course["course"]["id"]), str(course["sessions"][0]["id"])
    blocked = daemon.tmsctl("session", "start", first, check=False)
    assert blocked.returncode == 65 and "no safety screen has been recorded" in blocked.stderr
    # Every question must be answered.
    params = refused(daemon, "io.tmsd.Clinic.RecordScreen", "InvalidValue", courseId=int(cid), date=today_utc(),
                     answers={"pregnancy": False})
    assert "is not answered" in params["reason"]
    relative = daemon.tmsctl_json("screen", "record", cid, "--yes", "seizure-history,sleep-deprivation")["screen"]
    assert relative["result"] == "relative" and relative["findings"] == ["seizure-history", "sleep-deprivation"]
    still = daemon.tmsctl("session", "start", first, check=False)
    assert still.returncode == 65 and "a clinician must sign it off" in still.stderr
    signed = daemon.tmsctl_json("screen", "sign-off", cid, "--reason", "febrile seizure at 3; EEG normal")["screen"]
    assert signed["signedOffBy"] == "root"
    assert daemon.tmsctl_json("session", "start", first)["session"]["status"] == "in_progress"
    # A later screen with an absolute contraindication stops treatment; it cannot be signed off.
    absolute = daemon.tmsctl_json("screen", "record", cid, "--yes", "cochlear-implant")["screen"]
    assert absolute["result"] == "absolute"
    stopped = daemon.tmsctl("session", "complete", first, "--mt", "55", check=False)
    assert stopped.returncode == 65 and "absolute contraindication (cochlear-implant (screen 2" in stopped.stderr
    refusal = daemon.tmsctl("screen", "sign-off", cid, "--reason", "x", check=False)
    assert refusal.returncode == 65 and "cannot be signed off" in refusal.stderr
    assert "ABSOLUTE" not in daemon.tmsctl("screen", cid).stdout and "absolute: cochlear-implant" in daemon.tmsctl("screen", cid).stdout


def test_medications_warn_mark_the_recheck_and_are_snapshotted(daemon):
    patient = add_patient(daemon)["id"]
    course = add_course(daemon, patient, measure=False)
    cid = str(course["course"]["id"])
    daemon.tmsctl("mt", "record", cid, "--value", "55", "--method", "emg", "--date", days_ago(2))
    sertraline = daemon.tmsctl_json("med", "start", str(patient), "--drug", "Sertraline", "--dose", "100", "--unit", "mg",
                                    "--date", days_ago(30))
    assert sertraline["medication"]["classified"] is True and sertraline["warnings"] == []
    # A drug that lowers the seizure threshold, started during the course: warnings and a re-check.
    started = daemon.tmsctl("med", "start", str(patient), "--drug", "bupropion", "--dose", "150", "--unit", "mg", "--date",
                            days_ago(1)).stdout
    assert "WARNING: bupropion lowers the seizure threshold (strong hazard)" in started
    assert f"WARNING: course {cid}: the motor threshold must be measured again before its next session" in started
    assert f"Re-check due: bupropion changed on {days_ago(1)}, after the last measurement ({days_ago(2)})" in \
        daemon.tmsctl("mt", cid).stdout
    first = str(course["sessions"][0]["id"])
    assert daemon.tmsctl("session", "complete", first, "--mt", "55", check=False).returncode == 65
    daemon.tmsctl("mt", "record", cid, "--value", "56", "--method", "emg")
    done = daemon.tmsctl_json("session", "complete", first, "--mt", "56")["session"]
    assert done["medications"] == "sertraline 100 mg; bupropion 150 mg", "the session keeps what was active"
    # An unknown drug is accepted, flagged, and listed for a clinician; it never counts as safe.
    herbal = daemon.tmsctl("med", "start", str(patient), "--drug", "kratom", "--dose", "2", "--unit", "g").stdout
    assert "kratom is not in the drug table: a clinician must classify it; it does not count as safe" in herbal
    assert "kratom" in daemon.tmsctl("med", "unclassified").stdout
    assert "UNCLASSIFIED" in daemon.tmsctl("med", str(patient)).stdout
    # A dose change stops one record and starts the next.
    bupropion = next(m for m in daemon.tmsctl_json("med", str(patient))["medications"] if m["drug"] == "bupropion")
    changed = daemon.tmsctl_json("med", "change", str(bupropion["id"]), "--dose", "300", "--unit", "mg")["medication"]
    assert changed["replaces"] == bupropion["id"] and changed["dose"] == 300.0


@pytest.mark.parametrize("args,message", [
    (["--dose", "150", "--unit", ""], "unit: must not be empty"),
    (["--dose", "0", "--unit", "mg"], "dose: must be above 0"),
])
def test_bad_medication_input_is_refused(daemon, args, message):
    patient = add_patient(daemon)["id"]
    before = daemon.dump()
    result = daemon.tmsctl("med", "start", str(patient), "--drug", "lithium", *args, check=False)
    assert result.returncode == 65 and message in result.stderr, result.stderr
    assert daemon.dump() == before


def test_a_stop_before_the_start_is_refused(daemon):
    patient = add_patient(daemon)["id"]
    m = daemon.tmsctl_json("med", "start", str(patient), "--drug", "lithium", "--dose", "600", "--unit", "mg", "--date",
                           days_ago(3))["medication"]
    result = daemon.tmsctl("med", "stop", str(m["id"]), "--date", days_ago(5), check=False)
    assert result.returncode == 65 and "the stop date is before the start" in result.stderr
    stopped = daemon.tmsctl_json("med", "stop", str(m["id"]), "--date", days_ago(1))["medication"]
    assert stopped["stopDate"] == days_ago(1)


def test_eligibility_names_which_trials_count_and_why(daemon):
    p = str(add_patient(daemon)["id"])
    daemon.tmsctl("trial", p, "--drug", "sertraline", "--dose", "150", "--weeks", "8", "--outcome", "none")
    daemon.tmsctl("trial", p, "--drug", "bupropion", "--dose", "150", "--weeks", "10", "--outcome", "partial")  # below 300 mg
    daemon.tmsctl("trial", p, "--drug", "escitalopram", "--dose", "20", "--weeks", "4", "--outcome", "none")  # too short
    daemon.tmsctl("trial", p, "--drug", "zuranolone", "--dose", "50", "--weeks", "2", "--outcome", "none")  # not in the table
    first = daemon.tmsctl_json("eligibility", p)
    assert first["trd"] is False and first["adequate"] == 1
    reasons = {j["trial"]["drug"]: (j["counts"], j["reason"]) for j in first["trials"]}
    assert reasons["sertraline"] == (True, "150 mg for 8 weeks without response")
    assert reasons["bupropion"] == (False, "150 mg is below the 300 mg minimum for bupropion")
    assert reasons["escitalopram"] == (False, "4 weeks at that dose, fewer than 6")
    assert reasons["zuranolone"][1] == "zuranolone has no minimum dose in the table; a clinician must judge it"
    daemon.tmsctl("trial", p, "--drug", "venlafaxine", "--dose", "225", "--weeks", "8", "--outcome", "none")
    daemon.tmsctl("trial", p, "--psychotherapy", "--weeks", "12", "--outcome", "partial")
    second = daemon.tmsctl_json("eligibility", p)
    assert second["trd"] is True and second["adequate"] == 2
    payers = {r["id"]: r for r in second["payers"]}
    assert payers["medicare-l34998"]["meets"] is True
    assert payers["lcd-l37086"]["meets"] is True  # 2 trials, 2 classes (SSRI, SNRI), psychotherapy
    assert payers["centene-cp-bh-200"]["meets"] is False
    assert "NOT met: PHQ-9 of 15 or more before treatment (found none)" in payers["centene-cp-bh-200"]["findings"]
    assert payers["bcbsm-2016"]["meets"] is False
    text = daemon.tmsctl("eligibility", p).stdout
    assert "MEETS the TRD definition (2 adequate trial(s) without response; 2 required)" in text
    assert "Centene CP.BH.200: not met" in text
    bad = daemon.tmsctl("trial", p, "--drug", "sertraline", "--dose", "100", "--unit", "", "--weeks", "6", "--outcome",
                        "none", check=False)
    assert bad.returncode == 65 and "unit: must not be empty" in bad.stderr
