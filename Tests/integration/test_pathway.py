"""The path before a course (issue 14, parts 1-3): a referral, a consultation
booked with a clinician and a room, its outcome, the stages a patient moves
through, the pre-TMS evaluation item by item, medication strategies with
their dose steps and side effects judged for eligibility, the medication list
they share, and the history drawn on a timeline. Each refusal is a named
error that changes nothing, and nothing of it reaches the log with patient data."""
import pytest

from conftest import TEST_CONFIG, Daemon, add_course, add_patient, refused

C = "io.tmsd.Clinic."
# Every item of the bundled evaluation, with a result it takes.
EVALUATION = {
    "mdd": "recurrent", "bipolar-screen": "negative", "anxiety": "absent", "trauma": "absent",
    "psychotic-features": "absent", "thyroid": "normal", "hormonal": "absent", "chronic-pain": "absent",
    "sleep-disorder": "absent", "sleep": "regular", "substance-use": "negative", "stress": "moderate",
    "nutrition": "adequate", "psychotherapy": "tried", "ketamine": "none", "ect": "none", "prior-tms": "none",
}


def stage(d, pid):
    return d.call(C + "GetPatient", id=pid)["stage"]


def book(d, pid, clinician="Dr. Kim", date="2026-12-02", time="10:00", **extra):
    return d.call(C + "BookConsultation", patientId=pid, clinician=clinician, date=date, time=time, **extra)


def evaluate(d, pid, items=EVALUATION):
    for item, result in items.items():
        d.call(C + "RecordEvaluationItem", patientId=pid, item=item, result=result)


def switch(d, pid, base="sertraline", drug="venlafaxine", start="2026-03-02", stop="2026-05-25", dose=225, **extra):
    return d.call(C + "RecordStrategy", patientId=pid, kind="switch", base=base, drug=drug, startDate=start, stopDate=stop,
                  doseSteps=[{"date": start, "dose": 75, "unit": "mg"}, {"date": "2026-03-16", "dose": dose, "unit": "mg"}],
                  outcome="none", reasonStopped="no response at 10 weeks", **extra)["strategy"]


# A clinic's own payer rule: augmentations count, and the evaluation must hold a negative bipolar screen.
PAYER = ('[payers.test-payer]\nname = "Test payer"\nadequate-trials = 3\naugmentation-counts = true\n'
         'evaluation = { bipolar-screen = ["negative"] }\n')


@pytest.fixture
def clinic(tmp_dir):
    (tmp_dir / "clinical.toml").write_text(PAYER)
    config = TEST_CONFIG.replace('day-close = "off"', 'day-close = "off"\nrooms = ["consult-1", "consult-2"]') \
        + f'\n[clinical]\ndata = "{tmp_dir / "clinical.toml"}"\n'
    d = Daemon(tmp_dir, config_text=config).start()
    try:
        yield d
    finally:
        d.stop()


def test_a_referral_and_a_consultation_move_the_patient_along_and_are_shown(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    assert stage(d, pid) == "referred"
    out = d.tmsctl("referral", str(pid), "--by", "Dr. Lee, GP", "--reason", "MDD, two failed trials").stdout
    assert "Referral 1 recorded" in out
    booked = d.tmsctl_json("consult", "book", str(pid), "--clinician", "Dr. Kim", "--date", "2026-12-02", "--time", "10:00",
                           "--minutes", "45")
    c = booked["consultation"]
    assert (c["room"], c["time"], c["minutes"], c["outcome"] if "outcome" in c else None) == ("consult-1", "10:00", 45, None)
    assert booked["stage"] == "referred"
    listed = d.tmsctl("consult", "list", "--date", "2026-12-02").stdout
    assert "consult-1" in listed and "Dr. Kim" in listed and "10:00-10:45" in listed
    out = d.tmsctl("consult", "outcome", str(c["id"]), "proceed").stdout
    assert "proceed to evaluation" in out and "now consulted" in out
    shown = d.tmsctl("patient", "show", "--id", str(pid)).stdout
    assert "Stage:" in shown and "consulted" in shown and "Dr. Lee, GP: MDD, two failed trials" in shown
    reply = d.call(C + "GetPatient", id=pid)
    assert reply["stage"] == "consulted" and reply["referrals"][0]["referredBy"] == "Dr. Lee, GP"
    # The reference client lists the same.
    assert [x["id"] for x in d.call(C + "ListConsultations", patientId=pid)["consultations"]] == [c["id"]]


def test_a_consultation_needs_a_free_room_and_clinician_inside_opening_hours(clinic):
    d = clinic
    a, b, other = (add_patient(d, f"M-{i}")["id"] for i in range(3))
    first = book(d, a)["consultation"]
    # Without a room: the next room free then, for another clinician.
    assert book(d, b, clinician="Dr. Ng")["consultation"]["room"] == "consult-2"
    assert refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Kim", date="2026-12-02", time="10:30") == (
        "ConsultationClash", {"consultation": first["id"], "what": "The clinician", "date": "2026-12-02", "time": "10:00",
                              "message": "The clinician is in consultation 1 at 10:00-11:00 on 2026-12-02."})
    # Every room taken then: the last one's clash.
    name, p = refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", date="2026-12-02", time="10:30")
    assert (name, p["what"], p["consultation"]) == ("ConsultationClash", "Room consult-2", first["id"] + 1)
    name, p = refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", room="consult-1", date="2026-12-02",
                      time="10:59")
    assert (name, p["what"]) == ("ConsultationClash", "Room consult-1")
    name, p = refused(d, C + "BookConsultation", patientId=a, clinician="Dr. Ito", date="2026-12-02", time="10:15")
    assert (name, p["what"]) == ("ConsultationClash", "The patient")
    assert refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", date="2026-12-02", time="17:30")[0] \
        == "OutsideOpeningHours"
    assert refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", date="2026-12-05", time="10:00")[0] \
        == "ClosedDay"
    assert refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", date="2026-12-01", time="10:00")[0] \
        == "DateInPast"
    assert refused(d, C + "BookConsultation", patientId=other, clinician="Dr. Ito", room="chair-1", date="2026-12-02",
                   time="12:00")[0] == "RoomNotFound"
    assert refused(d, C + "BookConsultation", patientId=99, clinician="Dr. Ito", date="2026-12-02", time="12:00")[0] \
        == "PatientNotFound"
    # At 11:00 the room is free again (half-open times).
    assert book(d, other, clinician="Dr. Ito", time="11:00", room="consult-1")["consultation"]["room"] == "consult-1"
    r = d.tmsctl("consult", "book", str(other), "--clinician", "Dr. Ito", "--date", "2026-12-02", "--time", "07:30", check=False)
    assert r.returncode == 65 and "outside the clinic's opening hours" in r.stderr


def test_a_patients_sessions_are_booked_clear_of_their_consultations(clinic):
    d = clinic
    pid = add_patient(d, "M-S")["id"]
    # The consultation takes the course's preferred time (09:00) on its first day.
    consultation = book(d, pid, date="2026-12-03", time="09:00", minutes=60)["consultation"]
    course = add_course(d, pid, start="2026-12-03")
    first = min(course["sessions"], key=lambda s: (s["date"], s["time"]))
    start = int(first["time"][:2]) * 60 + int(first["time"][3:])
    assert first["date"] == "2026-12-03" and (start + first["minutes"] <= 9 * 60 or start >= 10 * 60), first
    # Moved by hand into it: refused, naming the consultation.
    name, p = refused(d, C + "RescheduleSession", id=first["id"], date="2026-12-03", time="09:30")
    assert (name, p.get("what"), p.get("consultation")) == ("ConsultationClash", "The patient", consultation["id"]), (name, p)


def test_a_consultation_outcome_needs_its_day_a_note_to_end_the_path_and_is_given_once(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    later = book(d, pid, date="2026-12-03")["consultation"]
    assert refused(d, C + "RecordConsultationOutcome", id=later["id"], outcome="proceed")[0] == "InvalidValue"
    today = book(d, pid)["consultation"]
    name, p = refused(d, C + "RecordConsultationOutcome", id=today["id"], outcome="notCandidate")
    assert (name, p["parameter"]) == ("InvalidValue", "note")
    assert refused(d, C + "RecordConsultationOutcome", id=99, outcome="proceed")[0] == "ConsultationNotFound"
    r = d.tmsctl("consult", "outcome", str(today["id"]), "not-candidate", "--note", "bipolar I disorder")
    assert "not a candidate" in r.stdout and "now discharged" in r.stdout
    assert refused(d, C + "RecordConsultationOutcome", id=today["id"], outcome="proceed")[0] == "InvalidValue"
    assert stage(d, pid) == "discharged"
    assert [p["id"] for p in d.call(C + "ListPatients", stage="discharged")["patients"]] == [pid]


def test_the_evaluation_is_recorded_item_by_item_and_names_what_is_missing(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    r = d.tmsctl_json("evaluation", "record", str(pid), "bipolar-screen", "negative", "--instrument", "MDQ", "--score", "3",
                      "--detail", "no co-occurrence")
    assert r["entry"]["instrument"] == "MDQ" and r["entry"]["score"] == 3 and r["complete"] is False
    assert "bipolar-screen" not in r["missing"] and "mdd" in r["missing"]
    d.tmsctl("evaluation", "record", str(pid), "thyroid", "normal", "--instrument", "TSH", "--score", "2.1",
             "--detail", "lab range 0.4-4.0 mIU/L")
    shown = d.tmsctl("evaluation", str(pid)).stdout
    assert "INCOMPLETE: 15 item(s) missing" in shown
    assert "Diagnosis re-checked" in shown and "Other treatments tried" in shown
    assert "MDQ 3; no co-occurrence" in shown and "TSH 2.1; lab range 0.4-4.0 mIU/L" in shown
    assert "prior-tms" in shown and "MISSING" in shown
    # A later entry of an item replaces the earlier in the evaluation; both are kept.
    d.call(C + "RecordEvaluationItem", patientId=pid, item="bipolar-screen", result="positive", instrument="MDQ", score=8)
    ev = d.call(C + "GetEvaluation", patientId=pid)
    line = next(l for l in ev["items"] if l["item"]["id"] == "bipolar-screen")
    assert line["entry"]["result"] == "positive" and [e["result"] for e in ev["history"]][:1] == ["negative"]
    assert [l["item"]["section"] for l in ev["items"]][:5] == ["diagnosis"] * 5
    evaluate(d, pid)
    ev = d.call(C + "GetEvaluation", patientId=pid)
    assert ev["complete"] is True and ev["missing"] == []
    assert "evaluation complete" in d.tmsctl("evaluation", "show", str(pid)).stdout
    assert stage(d, pid) == "evaluated"
    assert [p["id"] for p in d.tmsctl_json("patient", "list", "--stage", "evaluated")["patients"]] == [pid]


def test_an_evaluation_item_that_cannot_stand_is_refused_by_name(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    assert refused(d, C + "RecordEvaluationItem", patientId=99, item="mdd", result="recurrent")[0] == "PatientNotFound"
    assert refused(d, C + "RecordEvaluationItem", patientId=pid, item="astrology", result="yes") == (
        "EvaluationItemNotFound", {"item": "astrology",
                                   "message": "No evaluation item is named 'astrology'; 'tmsctl evaluation PATIENT' lists them."})
    name, p = refused(d, C + "RecordEvaluationItem", patientId=pid, item="mdd", result="maybe")
    assert (name, p["parameter"]) == ("InvalidValue", "result") and "single-episode, recurrent, not-confirmed" in p["reason"]
    assert refused(d, C + "RecordEvaluationItem", patientId=pid, item="mdd", result="recurrent", date="2099-01-01")[0] \
        == "InvalidValue"
    r = d.tmsctl("evaluation", "record", str(pid), "mdd", "maybe", check=False)
    assert r.returncode == 65 and "single-episode, recurrent, not-confirmed" in r.stderr


def test_strategies_are_judged_for_eligibility_and_an_augmentation_counts_only_where_a_rule_says(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    d.tmsctl("trial", str(pid), "--drug", "sertraline", "--dose", "150", "--weeks", "8", "--outcome", "none")
    assert d.call(C + "GetEligibility", patientId=pid)["trd"] is False
    out = d.tmsctl("strategy", "add", str(pid), "--kind", "switch", "--base", "sertraline", "--drug", "venlafaxine",
                   "--start", "2026-03-02", "--stop", "2026-05-25", "--dose", "2026-03-02=75", "--dose", "2026-03-16=225",
                   "--side-effect", "nausea=mild", "--side-effect", "insomnia=moderate", "--outcome", "none",
                   "--reason-stopped", "no response").stdout
    assert "Strategy 1 recorded" in out and "switch sertraline>venlafaxine" in out
    aug = d.call(C + "RecordStrategy", patientId=pid, kind="augmentation", base="venlafaxine", drug="aripiprazole",
                 startDate="2026-06-01", stopDate="2026-08-31",
                 doseSteps=[{"date": "2026-06-01", "dose": 2, "unit": "mg"}, {"date": "2026-06-15", "dose": 5, "unit": "mg"}],
                 outcome="partial", reasonStopped="akathisia", sideEffects=[{"effect": "akathisia", "severity": "moderate"}])
    assert aug["strategy"]["sideEffects"] == [{"effect": "akathisia", "severity": "moderate"}]
    assert any("raises the motor threshold" in w for w in aug["warnings"])
    e = d.call(C + "GetEligibility", patientId=pid)
    assert (e["trd"], e["adequate"]) == (True, 2)
    judged = {j["strategy"]: j for j in e["strategies"]}
    assert (judged[1]["adequate"], judged[1]["counts"]) == (True, True)
    assert "225 mg for 10 weeks without response" in judged[1]["reason"]
    assert (judged[2]["adequate"], judged[2]["counts"]) == (True, False)
    assert "counts only where a payer's rule says augmentations do" in judged[2]["reason"]
    shown = d.tmsctl("eligibility", str(pid)).stdout
    assert "MEETS the TRD definition" in shown and "augmentation" in shown and "INCOMPLETE; missing" in shown

    # The clinic's payer rule (PAYER) counts the augmentation, and needs the bipolar screen.
    payer = {p["id"]: p for p in d.call(C + "GetEligibility", patientId=pid)["payers"]}["test-payer"]
    assert payer["meets"] is False
    assert "met: 3 adequate trial(s) without response (found 3)" in payer["findings"]
    assert "NOT met: evaluation bipolar-screen negative (found not recorded)" in payer["findings"]
    d.call(C + "RecordEvaluationItem", patientId=pid, item="bipolar-screen", result="negative", instrument="MDQ", score=2)
    payer = {p["id"]: p for p in d.call(C + "GetEligibility", patientId=pid)["payers"]}["test-payer"]
    assert payer["meets"] is True
    # TRD, by the bundled rules, still counts only the switch and the trial.
    assert d.call(C + "GetEligibility", patientId=pid)["adequate"] == 2
    assert "counted: 1 adequate augmentation(s) among the trials" in payer["findings"]


def test_a_strategy_under_way_is_in_the_medication_list_and_is_stopped_there_by_its_own_stop(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    d.tmsctl("med", "start", str(pid), "--drug", "venlafaxine", "--dose", "225", "--unit", "mg")
    s = d.call(C + "RecordStrategy", patientId=pid, kind="combination", base="venlafaxine", drug="mirtazapine",
               startDate="2026-11-02", doseSteps=[{"date": "2026-11-02", "dose": 15, "unit": "mg"}])["strategy"]
    meds = {m["drug"]: m for m in d.call(C + "ListMedications", patientId=pid)["medications"]}
    assert meds["mirtazapine"]["strategyId"] == s["id"] and meds["venlafaxine"]["strategyId"] == s["id"]
    assert meds["mirtazapine"]["dose"] == 15 and meds["mirtazapine"]["startDate"] == "2026-11-02"
    listed = d.tmsctl("med", "list", str(pid)).stdout
    assert "STRATEGY" in listed
    # A dose change in the medication list is the strategy's next step.
    d.tmsctl("med", "change", str(meds["mirtazapine"]["id"]), "--dose", "30", "--unit", "mg", "--date", "2026-11-16")
    steps = d.call(C + "ListStrategies", patientId=pid)["strategies"][0]["doseSteps"]
    assert [(x["date"], x["dose"]) for x in steps] == [("2026-11-02", 15), ("2026-11-16", 30)]
    current = [m for m in d.call(C + "ListMedications", patientId=pid)["medications"] if m["drug"] == "mirtazapine" and "stopDate" not in m]
    assert len(current) == 1 and current[0]["strategyId"] == s["id"]
    name, p = refused(d, C + "StopMedication", id=current[0]["id"])
    assert (name, p["parameter"]) == ("InvalidValue", "id") and "StopStrategy" in p["reason"]
    # Still under way: not judged yet.
    judged = d.call(C + "GetEligibility", patientId=pid)["strategies"][0]
    assert judged["adequate"] is False and "under way" in judged["reason"]
    out = d.tmsctl("strategy", "stop", str(s["id"]), "--outcome", "none", "--reason", "no change in PHQ-9").stdout
    assert "stopped on 2026-12-02: none" in out
    meds = d.call(C + "ListMedications", patientId=pid)["medications"]
    assert [m.get("stopDate") for m in meds if m["drug"] == "mirtazapine"] == ["2026-11-16", "2026-12-02"]
    assert [m.get("stopDate") for m in meds if m["drug"] == "venlafaxine"] == [None]  # the base goes on
    assert refused(d, C + "StopStrategy", id=s["id"], outcome="none", reason="again")[0] == "InvalidValue"
    assert refused(d, C + "StopStrategy", id=99, outcome="none", reason="x")[0] == "StrategyNotFound"


def test_stopping_the_base_of_a_strategy_under_way_warns_and_a_switchs_does_not(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    for drug in ("venlafaxine", "sertraline"):
        d.tmsctl("med", "start", str(pid), "--drug", drug, "--dose", "100", "--unit", "mg")
    steps = [{"date": "2026-11-02", "dose": 15, "unit": "mg"}]
    combination = d.call(C + "RecordStrategy", patientId=pid, kind="combination", base="venlafaxine", drug="mirtazapine",
                         startDate="2026-11-02", doseSteps=steps)["strategy"]
    d.call(C + "RecordStrategy", patientId=pid, kind="switch", base="sertraline", drug="escitalopram", startDate="2026-11-02",
           doseSteps=[{"date": "2026-11-02", "dose": 10, "unit": "mg"}])
    meds = {m["drug"]: m for m in d.call(C + "ListMedications", patientId=pid)["medications"] if "stopDate" not in m}
    warnings = d.call(C + "StopMedication", id=meds["venlafaxine"]["id"])["warnings"]
    assert f"venlafaxine is the base strategy {combination['id']} (combination with mirtazapine) builds on" in " ".join(warnings), warnings
    # A switch stops its base by design: nothing to say.
    warnings = d.call(C + "StopMedication", id=meds["sertraline"]["id"])["warnings"]
    assert not any("is the base strategy" in w for w in warnings), warnings


def test_a_strategy_that_cannot_stand_is_refused_by_name(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    steps = [{"date": "2026-03-02", "dose": 5, "unit": "mg"}]
    base = dict(patientId=pid, startDate="2026-03-02", doseSteps=steps)
    assert refused(d, C + "RecordStrategy", kind="augmentation", base="aripiprazole", drug="lithium", **base) == (
        "NotAnAntidepressant", {"drug": "aripiprazole", "parameter": "base", "message":
                                "base: 'aripiprazole' is not an antidepressant in the drug table (antidepressant = true in [drugs])."})
    name, p = refused(d, C + "RecordStrategy", kind="switch", base="sertraline", drug="lorazepam", **base)
    assert (name, p["parameter"]) == ("NotAnAntidepressant", "drug")
    assert refused(d, C + "RecordStrategy", kind="switch", base="unheard-of", drug="sertraline", **base)[0] == "NotAnAntidepressant"
    assert refused(d, C + "RecordStrategy", **dict(base, patientId=99), kind="switch", base="sertraline",
                   drug="venlafaxine")[0] == "PatientNotFound"
    for bad in ([], [{"date": "2026-03-03", "dose": 5, "unit": "mg"}],
                [{"date": "2026-03-02", "dose": 5, "unit": "mg"}, {"date": "2026-03-01", "dose": 10, "unit": "mg"}]):
        name, p = refused(d, C + "RecordStrategy", **dict(base, doseSteps=bad), kind="switch", base="sertraline",
                          drug="venlafaxine")
        assert (name, p["parameter"]) == ("InvalidValue", "doseSteps"), bad
    assert refused(d, C + "RecordStrategy", **base, kind="switch", base="sertraline", drug="sertraline")[0] == "InvalidValue"
    name, p = refused(d, C + "RecordStrategy", **base, kind="switch", base="sertraline", drug="venlafaxine", outcome="none")
    assert (name, p["parameter"]) == ("InvalidValue", "outcome")
    r = d.tmsctl("strategy", "add", str(pid), "--kind", "switch", "--base", "sertraline", "--drug", "venlafaxine",
                 "--start", "2026-03-02", "--dose", "75", check=False)
    assert r.returncode == 64 and "YYYY-MM-DD=DOSE" in r.stderr


def test_the_patient_walks_the_stages_to_a_course_and_the_history_draws_the_path(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    d.call(C + "RecordReferral", patientId=pid, referredBy="Dr. Lee", reason="TRD", date="2026-11-20")
    c = book(d, pid)["consultation"]
    assert d.call(C + "RecordConsultationOutcome", id=c["id"], outcome="proceed")["stage"] == "consulted"
    evaluate(d, pid)
    assert stage(d, pid) == "evaluated"
    d.tmsctl("trial", str(pid), "--drug", "sertraline", "--dose", "150", "--weeks", "8", "--outcome", "none")
    switch(d, pid)
    assert stage(d, pid) == "eligible"
    assert d.call(C + "GetEligibility", patientId=pid)["stage"] == "eligible"
    course = add_course(d, pid)
    cid = course["course"]["id"]
    assert stage(d, pid) == "inCourse"  # booked, no authorization on file
    d.tmsctl("auth", "add", str(cid), "--payer", "Medicare", "--reference", "J-1", "--sessions", "36",
             "--from", "2026-12-02", "--to", "2027-03-31")
    assert stage(d, pid) == "authorized"
    first = course["sessions"][0]["id"]
    d.tmsctl("session", "start", str(first))
    d.tmsctl("session", "complete", str(first), "--mt", "55")
    assert stage(d, pid) == "inCourse"
    assert [p["id"] for p in d.call(C + "ListPatients", stage="inCourse")["patients"]] == [pid]
    d.tmsctl("outcomes", "record", str(cid), "--scale", "phq9", "--timepoint", "baseline", "--items", "3,3,2,2,2,2,2,2,0")

    h = d.call(C + "GetHistory", patientId=pid)
    assert h["stage"] == "inCourse" and h["today"] == "2026-12-02"
    assert [s["kind"] for s in h["strategies"]] == ["switch"] and len(h["evaluation"]) == len(EVALUATION)
    assert h["courses"][0]["course"]["id"] == cid and h["courses"][0]["lastDate"] > "2027-01-01"
    assert h["scores"] == [{"courseId": cid, "scale": "phq9", "date": "2026-12-02", "total": 18}]
    drawn = d.tmsctl("history", str(pid)).stdout
    lines = drawn.splitlines()
    assert lines[0] == f"Patient {pid}: in course."
    assert all(len(line) <= 80 for line in lines), [l for l in lines if len(l) > 80]
    row = next(l for l in lines if l.startswith("switch sertraline>venla"))
    assert "=" in row and ">" not in row[24:]
    course_row = next(l for l in lines if l.startswith(f"course {cid} active"))
    assert course_row.rstrip().endswith("=>")
    assert "2026-03-02" in lines[2] and "2027-" in lines[2]  # the axis: first day to the course's last
    assert any(l.startswith("2026-11-20  referred by Dr. Lee: TRD") for l in lines)
    assert any(l.startswith("2026-05-25  strategy 1 stopped: none (no response at 10 weeks)") for l in lines)
    assert any(l.startswith("2026-12-02  phq9 18") for l in lines)


def test_a_consultation_is_on_the_days_board_and_not_over_the_patients_own_session(clinic):
    d = clinic
    pid = add_patient(d)["id"]
    course = add_course(d, pid)
    first = course["sessions"][0]  # today at 09:00
    name, p = refused(d, C + "BookConsultation", patientId=pid, clinician="Dr. Kim", date=first["date"], time="09:15")
    assert (name, p["session"], p["time"]) == ("PatientBooked", first["id"], "09:00")
    other = add_patient(d, "M-2", "Roe", "Ann")["id"]
    c = book(d, other, time="09:15")["consultation"]
    day = d.call(C + "GetDaySchedule")
    assert [x["id"] for x in day["consultations"]] == [c["id"]]
    board = d.tmsctl("board").stdout
    assert "Consultations (rooms):" in board and f"09:15-10:15  consult-1  Dr. Kim, patient {other}" in board
