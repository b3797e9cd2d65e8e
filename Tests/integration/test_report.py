"""The daily report: its figures against the day's records, its formats, and privacy."""
import csv
import datetime
import io
import json
import os
import sqlite3
import subprocess

from conftest import TEST_CONFIG, TMSCTL, Daemon, add_course, add_patient, today_utc


def a_day(d):
    """Three patients today: one session done, one missed, one aborted; an event, an alert, a medication."""
    ids = [add_patient(d, mrn=f"R-{n}", family=family, given=given)["id"]
           for n, (family, given) in enumerate([("Quill", "Ada"), ("Rowe", "Ben"), ("Stone", "Cy")])]
    courses = [add_course(d, p, "10hz-ldlpfc", today_utc()) for p in ids]
    first = [c["sessions"][0]["id"] for c in courses]
    d.tmsctl("session", "complete", str(first[0]), "--mt", "55")
    d.tmsctl("session", "miss", str(first[1]), "--reason", "flu")
    d.tmsctl("session", "abort", str(first[2]), "--pulses", "1200", "--reason", "headache")
    d.tmsctl("events", "record", str(courses[2]["course"]["id"]), "--kind", "headache", "--severity", "mild", "--details",
             "after 30 trains")
    d.tmsctl("outcomes", "record", str(courses[0]["course"]["id"]), "--scale", "phq9", "--timepoint", "baseline",
             "--items", "2,2,2,2,2,2,2,2,1")
    d.tmsctl("med", "start", str(ids[1]), "--drug", "lorazepam", "--dose", "1", "--unit", "mg")
    return ids, courses


def test_the_report_matches_the_day(daemon):
    ids, courses = a_day(daemon)
    report = daemon.tmsctl_json("report", "daily")
    assert report["date"] == today_utc()
    assert (report["done"], report["missed"], report["aborted"]) == (1, 1, 1)
    assert report["pulsesDelivered"] == 3000 + 1200 and report["pulsesPrescribed"] == 2 * 3000
    by_status = {s["status"]: s for s in report["sessions"]}
    assert by_status["completed"]["cpt"] == "90867", "the course's first session, with MT determination"
    assert by_status["missed"]["reason"] == "flu" and by_status["aborted"]["reason"] == "headache"
    assert [n["detail"] for n in report["adverseEvents"]] == ["headache, mild: after 30 trains"]
    assert report["openAlerts"][0]["detail"].endswith("PHQ-9 item 9 scored 1 on " + today_utc())
    assert report["medicationChanges"][0]["detail"] == "lorazepam started at 1 mg"
    assert report["medicationChanges"][0]["patient"] == f"B.R. (#{ids[1]})"
    # Lithium (raises the MT) starting tomorrow, after today's measurement: a re-check due before tomorrow's session.
    import datetime
    tomorrow = (datetime.date.fromisoformat(today_utc()) + datetime.timedelta(days=1)).isoformat()
    daemon.tmsctl("med", "start", str(ids[0]), "--drug", "lithium", "--dose", "600", "--unit", "mg", "--date", tomorrow)
    report = daemon.tmsctl_json("report", "daily")
    if courses[0]["course"]["id"] in {s["course"] for s in report["tomorrowSessions"]}:  # tomorrow is a clinic day
        due = [n for n in report["recheckDue"] if n["course"] == courses[0]["course"]["id"]]
        assert due and due[0]["detail"].startswith(f"lithium changed on {tomorrow}")


def test_text_and_csv_and_privacy(daemon):
    a_day(daemon)
    text = daemon.tmsctl("report", "daily").stdout
    assert all(len(line) <= 80 for line in text.splitlines()), max(text.splitlines(), key=len)
    assert "Sessions: 1 done, 1 missed, 1 aborted" in text and "Pulses: 4200 delivered of 6000 prescribed" in text
    assert "Billing: 90867 x 1" in text and "missed: flu" in text
    for secret in ["Quill", "Rowe", "Stone", "Ada", "R-0", "1980-02-03"]:
        assert secret not in text, secret
    rows = list(csv.DictReader(io.StringIO(daemon.tmsctl("report", "daily", "--format", "csv").stdout)))
    assert len(rows) == 3 and {r["status"] for r in rows} == {"completed", "missed", "aborted"}
    assert {r["patient"].split(" ")[0] for r in rows} == {"A.Q.", "B.R.", "C.S."}


def test_csv_quotes_a_bare_carriage_return_and_defuses_formulas(daemon):
    """RFC 4180 quoting and OWASP's CSV-injection advice: a cell a spreadsheet
    would run as a formula starts with an apostrophe. A bare CR is refused at
    the boundary now; one stored before that rule (written here straight into
    the file) comes out as the visible escape \\r, never as a raw CR that a
    spreadsheet or a terminal would act on."""
    reasons = ['=HYPERLINK("http://evil.example","x")', "+1+1", "@SUM(A1:A9)", "two, \"quoted\"", "before the rule"]
    ids = [add_patient(daemon, mrn=f"C-{n}", family=f"Fam{n}", given="G")["id"] for n in range(len(reasons))]
    courses = [add_course(daemon, p, "10hz-ldlpfc", today_utc()) for p in ids]
    for course, reason in zip(courses, reasons):
        daemon.tmsctl("session", "miss", str(course["sessions"][0]["id"]), "--reason", reason)
    refused = daemon.tmsctl("session", "miss", str(courses[0]["sessions"][1]["id"]), "--reason", "bare\rreturn", check=False)
    assert refused.returncode == 65 and "reason: must not contain control characters" in refused.stderr
    with sqlite3.connect(daemon.database) as db:
        db.execute("UPDATE session SET reason = ? WHERE id = ?", ("bare\rreturn", courses[4]["sessions"][0]["id"]))
    # The bytes as tmsctl wrote them (text mode would turn a CR into a line feed).
    raw = subprocess.run([TMSCTL, "report", "daily", "--format", "csv"], capture_output=True, check=True,
                         env=dict(os.environ, TMSD_SOCKET=daemon.socket)).stdout.decode()
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    got = sorted(r["reason"] for r in rows)
    assert got == sorted(["'" + r for r in reasons[:3]] + [reasons[3], "bare\\rreturn"]), got
    assert '"two, ""quoted"""' in raw  # quoted, quotes doubled
    assert raw.count("\r") == raw.count("\r\n") == len(rows) + 1  # every record ends CRLF, and no other CR


def test_full_names_when_the_config_says_so(tmp_dir):
    d = Daemon(tmp_dir, config_text=TEST_CONFIG + '\n[reports]\nidentifiers = "full"\n').start()
    try:
        a_day(d)
        assert "Quill, Ada (#1)" in d.tmsctl("report", "daily").stdout
    finally:
        d.stop()


def test_a_day_without_sessions_says_so(daemon):
    text = daemon.tmsctl("report", "daily", "--date", "2026-11-29").stdout
    assert "No sessions were booked on 2026-11-29." in text and "Sessions: 0 done" in text


def test_courses_ending_this_week_with_their_outcome(tmp_dir):
    # A clinic open every day, so an accelerated course (5 days) ends within the week whatever today is... or next.
    import datetime
    config = TEST_CONFIG.replace('days = ["mon", "tue", "wed", "thu", "fri"]', 'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]')
    d = Daemon(tmp_dir, config_text=config).start()
    try:
        today = datetime.date.fromisoformat(today_utc())
        p = add_patient(d)["id"]
        course = add_course(d, p, "accelerated-itbs", today_utc(), "--time", "08:00")
        cid = course["course"]["id"]
        last = max(s["date"] for s in course["sessions"])
        d.tmsctl("outcomes", "record", str(cid), "--scale", "madrs", "--timepoint", "baseline", "--total", "30")
        d.tmsctl("outcomes", "record", str(cid), "--scale", "madrs", "--timepoint", "weekly", "--total", "8")
        report = d.tmsctl_json("report", "daily")
        sunday = today + datetime.timedelta(days=6 - today.weekday())
        ending = [n for n in report["endingThisWeek"] if n["course"] == cid]
        if datetime.date.fromisoformat(last) <= sunday:
            assert ending and ending[0]["detail"] == f"last session {last}; MADRS 30 -> 8: remission"
        else:
            assert ending == []
        assert "Courses ending this week:" in d.tmsctl("report", "daily").stdout
    finally:
        d.stop()


def test_a_course_completed_this_week_is_among_those_ending(tmp_dir):
    # An accelerated course (ten sessions a day for five days) begun on Wednesday 12-02, each day's sessions given
    # on their day: completed on Sunday 12-06, the last day of the week it began in.
    config = TEST_CONFIG.replace('days = ["mon", "tue", "wed", "thu", "fri"]', 'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]')
    d = Daemon(tmp_dir, config_text=config).start()
    try:
        c = add_course(d, add_patient(d)["id"], "accelerated-itbs", d.today(), "--time", "08:00")
        cid = c["course"]["id"]
        d.tmsctl("outcomes", "record", str(cid), "--scale", "madrs", "--timepoint", "baseline", "--total", "30")
        for session in c["sessions"]:
            d.travel_to(session["date"])
            d.tmsctl("session", "complete", str(session["id"]), "--mt", "55")
        assert d.tmsctl_json("course", "show", str(cid))["course"]["status"] == "completed"
        last = max(s["date"] for s in c["sessions"])
        assert last == "2026-12-06" == d.today()
        d.tmsctl("outcomes", "record", str(cid), "--scale", "madrs", "--timepoint", "end", "--total", "12")
        ending = [n for n in d.tmsctl_json("report", "daily")["endingThisWeek"] if n["course"] == cid]
        assert ending and ending[0]["detail"] == f"ended {last}; MADRS 30 -> 12: response", ending
        # The next Monday it ended last week.
        d.travel(days=1)
        assert [n for n in d.tmsctl_json("report", "daily")["endingThisWeek"] if n["course"] == cid] == []
        on_last = [n for n in d.tmsctl_json("report", "daily", "--date", last)["endingThisWeek"] if n["course"] == cid]
        assert on_last and on_last[0]["detail"] == f"ended {last}; MADRS 30 -> 12: response"
    finally:
        d.stop()


def test_billing_codes_initial_redetermination_at_most_weekly_and_delivery(daemon):
    c = add_course(daemon, add_patient(daemon)["id"], "10hz-ldlpfc", daemon.today(), measure=False)
    cid, s = str(c["course"]["id"]), c["sessions"]

    def give(session, measure):
        daemon.travel_to(session["date"])
        if measure:
            daemon.tmsctl("mt", "record", cid, "--value", "55", "--method", "emg")
        daemon.tmsctl("session", "complete", str(session["id"]), "--mt", "55")

    give(s[0], measure=True)   # the initial: mapping and MT determination
    give(s[1], measure=True)   # a re-determination
    give(s[2], measure=True)   # measured again within the week: billed as a delivery
    codes = {}
    for session in s[:3]:
        report = daemon.tmsctl_json("report", "daily", "--date", session["date"])
        codes.update({r["session"]: r["cpt"] for r in report["sessions"]})
    assert [codes[x["id"]] for x in s[:3]] == ["90867", "90869", "90868"]
    text = daemon.tmsctl("report", "daily", "--date", s[1]["date"]).stdout
    assert "Billing: 90869 x 1" in text


def test_long_names_reasons_and_details_still_fit_80_columns(tmp_dir):
    d = Daemon(tmp_dir, config_text=TEST_CONFIG + '\n[reports]\nidentifiers = "full"\n').start()
    try:
        family = "Featherstonehaugh-Cholmondeley-Marjoribanks"
        p = add_patient(d, mrn="L-1", family=family, given="Maximiliana-Wilhelmina")["id"]
        c = add_course(d, p)
        first, second = c["sessions"][0], c["sessions"][1]
        reason = "arrived late because the bus broke down on the ring road and " * 6
        d.tmsctl("session", "miss", str(first["id"]), "--reason", reason.strip())
        d.tmsctl("events", "record", str(c["course"]["id"]), "--kind", "headache", "--severity", "mild", "--details",
                 "x" * 150 + " then eased by rest and water")
        text = d.tmsctl("report", "daily", "--date", first["date"]).stdout
        assert all(len(line) <= 80 for line in text.splitlines()), max(text.splitlines(), key=len)
        assert "Featherstonehaugh-Cholmon…" in text, "the name is cut in the table"
        assert "missed: arrived late because the bus" in text and "x" * 70 in text
        flat = " ".join(line.strip() for line in text.splitlines())
        assert "ring road and arrived late" in flat, "the reason is wrapped, not cut"
        assert f"{family}, Maximiliana-Wilhelmina (#{p}): headache, mild:" in flat
    finally:
        d.stop()


def test_on_a_friday_the_next_clinic_day_is_monday(daemon):
    c = add_course(daemon, add_patient(daemon)["id"])
    days = [datetime.date.fromisoformat(s["date"]) for s in c["sessions"]]
    friday = next(d for d in days if d.weekday() == 4)
    monday = friday + datetime.timedelta(days=3)
    report = daemon.tmsctl_json("report", "daily", "--date", friday.isoformat())
    assert report["tomorrow"] == monday.isoformat()
    assert [s["session"] for s in report["tomorrowSessions"]] == [
        s["id"] for s in c["sessions"] if s["date"] == monday.isoformat()]
    text = daemon.tmsctl("report", "daily", "--date", friday.isoformat()).stdout
    assert f"Next clinic day ({monday}): 1 session booked" in text
    html = daemon.tmsctl("report", "daily", "--date", friday.isoformat(), "--format", "html").stdout
    number = next(s["number"] for s in c["sessions"] if s["date"] == monday.isoformat())
    assert f"<h2>Next clinic day ({monday})</h2>" in html
    assert f"<td>{number}/36</td>" in html.split("<h2>Next clinic day")[1].split("<h2>")[0]
    thursday = friday - datetime.timedelta(days=1)
    assert f"Tomorrow ({friday}): 1 session booked" in daemon.tmsctl("report", "daily", "--date", thursday.isoformat()).stdout
