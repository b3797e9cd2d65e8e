"""The clinic calendar through the daemon: chairs, coils, preferred and
nearest times, rescheduling and its refusals, daylight saving."""
import grp
import json
import os
import re

import pytest
import varlink

from conftest import Daemon, add_patient

CLINIC = """
[clinic]
time-zone = "America/New_York"
days = ["mon", "tue", "wed", "thu", "fri"]
holidays = ["2026-12-25"]
session-time = "09:00"
setup-minutes = 10
# Days closed by hand only, as TEST_CONFIG's: no session turns into a no-show while a test travels.
day-close = "off"

[hours]
default = ["08:00-18:00"]
fri = ["08:00-12:00", "13:00-17:00"]

[[chairs]]
name = "chair-1"
coils = ["figure-8"]

[[chairs]]
name = "chair-2"
coils = ["figure-8"]

[[chairs]]
name = "deep"
coils = ["H1"]

[roles]
clinician = ["%s"]
auditor = ["%s"]
""" % (grp.getgrgid(os.getgid()).gr_name, grp.getgrgid(os.getgid()).gr_name)


@pytest.fixture
def clinic(tmp_dir):
    d = Daemon(tmp_dir, config_text=CLINIC).start()
    try:
        yield d
    finally:
        d.stop()


def course(d, patient, protocol="10hz-ldlpfc", start="2026-12-07", time="09:00"):
    return d.tmsctl_json("course", "create", "--patient", str(patient), "--protocol", protocol, "--start", start,
                         "--prescriber", "Dr. A", "--time", time, "--target-label", "L")


def minutes(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def live_bookings(d, dates):
    out = []
    for date in dates:
        day = d.call("io.tmsd.Clinic.GetDaySchedule", date=date)
        for row in day["sessions"]:
            s = row["session"]
            if s["status"] in ("scheduled", "in_progress", "completed"):
                out.append(s)
    return out


def assert_no_overlap(sessions):
    by_chair = {}
    for s in sessions:
        by_chair.setdefault((s["date"], s["chair"]), []).append((minutes(s["time"]), minutes(s["time"]) + s["minutes"], s["id"]))
    for key, ranges in by_chair.items():
        ranges.sort()
        for a, b in zip(ranges, ranges[1:]):
            assert a[1] <= b[0], f"{key}: sessions {a[2]} and {b[2]} overlap"


def test_preferred_time_then_nearest_free_then_the_coil(clinic):
    ids = [add_patient(clinic, mrn=f"M{i}")["id"] for i in range(4)]
    first, second, third = (course(clinic, p) for p in ids[:3])
    slot = 38 + 10  # 10 Hz: 37.1 min of stimulation, rounded up, plus set-up
    assert first["sessions"][0]["time"] == "09:00" and second["sessions"][0]["time"] == "09:00"
    assert {first["sessions"][0]["chair"], second["sessions"][0]["chair"]} == {"chair-1", "chair-2"}
    # Both figure-8 chairs are taken at 09:00: the nearest free start, earlier first.
    assert third["sessions"][0]["time"] == "08:10" and third["sessions"][0]["minutes"] == slot
    deep = course(clinic, ids[3], "deep-tms-h1")
    assert {s["chair"] for s in deep["sessions"]} == {"deep"}, "only the chair with the H1 coil"
    dates = sorted({s["date"] for c in (first, second, third, deep) for s in c["sessions"]})
    sessions = live_bookings(clinic, dates)
    assert_no_overlap(sessions)
    assert "2026-12-25" not in dates
    for s in sessions:  # inside opening hours, Friday's lunch included
        start, end = minutes(s["time"]), minutes(s["time"]) + s["minutes"]
        hours = [(480, 720), (780, 1020)] if s["date"] in ("2026-12-11", "2026-12-18", "2027-01-01") else [(480, 1080)]
        assert any(a <= start and end <= b for a, b in hours), s


def test_a_protocol_no_chair_can_take_is_refused(clinic):
    p = add_patient(clinic)
    result = clinic.tmsctl("course", "create", "--patient", str(p["id"]), "--protocol", "ocd-h7", "--start", "2026-12-07",
                           "--prescriber", "Dr. A", "--target-label", "L", check=False)
    assert result.returncode == 65 and "no chair in this clinic carries the H7 coil" in result.stderr


def test_reschedule_and_its_refusals(clinic):
    a = course(clinic, add_patient(clinic, mrn="A")["id"])
    b = course(clinic, add_patient(clinic, mrn="B")["id"], start="2027-01-11")
    moving = a["sessions"][-1]  # the last, in the taper
    a_dates = {s["date"] for s in a["sessions"]}
    # A day of b's on which a has no session: a can move there, if a chair is free.
    in_the_way = next(s for s in b["sessions"] if s["date"] not in a_dates and s["date"] > moving["date"])
    free_friday = "2027-03-26"

    def refused(name, **parameters):
        before = clinic.dump()
        with pytest.raises(varlink.VarlinkError) as caught:
            clinic.call("io.tmsd.Clinic.RescheduleSession", id=moving["id"], **parameters)
        assert caught.value.error() == f"io.tmsd.Clinic.{name}", caught.value.parameters()
        assert clinic.dump() == before
        return caught.value.parameters()

    assert refused("DateInPast", date="2020-01-06")["date"] == "2020-01-06"
    refused("ClosedDay", date="2026-12-13")  # a Sunday
    refused("ClosedDay", date="2026-12-25")  # the holiday
    refused("ChairUnsuitable", date=free_friday, chair="deep")
    refused("ChairNotFound", date=free_friday, chair="chair-9")
    refused("OutsideOpeningHours", date=free_friday, time="11:30")  # runs into Friday's lunch
    other_day = next(s["date"] for s in a["sessions"] if s["id"] != moving["id"])
    refused("InvalidValue", date=other_day)  # the course already has its session that day
    # Taken: the chair b's session holds at 09:00 that day.
    taken = refused("SlotTaken", date=in_the_way["date"], time="09:30", chair=in_the_way["chair"])
    assert taken["session"] == in_the_way["id"] and taken["chair"] == in_the_way["chair"]
    result = clinic.tmsctl("reschedule", str(moving["id"]), "--to", in_the_way["date"], "--time", "09:30", "--chair",
                           in_the_way["chair"], check=False)
    assert result.returncode == 65 and f"by session {in_the_way['id']}" in result.stderr, result.stderr

    moved = clinic.tmsctl_json("reschedule", str(moving["id"]), "--to", free_friday, "--time", "14:00")["session"]
    assert (moved["date"], moved["time"]) == (free_friday, "14:00") and moved["chair"] in ("chair-1", "chair-2")
    # Without a time: the preferred time, on the other figure-8 chair beside b's session.
    again = clinic.tmsctl_json("reschedule", str(moving["id"]), "--to", in_the_way["date"])["session"]
    assert again["time"] == "09:00" and again["chair"] != in_the_way["chair"]
    assert_no_overlap(live_bookings(clinic, [free_friday, in_the_way["date"]]))
    audit = clinic.tmsctl_json("audit", "--course", str(a["course"]["id"]))["entries"][0]
    assert audit["method"] == "io.tmsd.Clinic.RescheduleSession" and f"to {in_the_way['date']} 09:00" in audit["summary"]


def test_schedule_views(clinic):
    for i in range(3):
        course(clinic, add_patient(clinic, mrn=f"V{i}")["id"])
    board = clinic.tmsctl("schedule", "day", "2026-12-07").stdout
    assert all(len(line) <= 80 for line in board.splitlines()), board
    assert re.search(r"^09:00 +#\d+ ", board, re.M) and "chair-1" in board and "deep" in board
    free = clinic.tmsctl("schedule", "free", "2026-12-07").stdout
    assert re.search(r"^chair-1 +figure-8 +.*08:00-08:10", free, re.M), free
    assert re.search(r"^deep +H1 +08:00-18:00$", free, re.M), free
    week = clinic.tmsctl("schedule", "week", "2026-12-09").stdout
    assert "Week of 2026-12-07" in week and re.search(r"^Sat +2026-12-12 +closed", week, re.M), week
    shown = clinic.tmsctl("schedule", "course", "1").stdout
    assert "CHAIR" in shown and "chair-" in shown
    assert "The clinic is closed" in clinic.tmsctl("schedule", "free", "2026-12-13").stdout


@pytest.mark.parametrize("zone,start,before,utc_before,after,utc_after", [
    ("America/New_York", "2027-03-08", "2027-03-12", "14:00", "2027-03-15", "13:00"),
    ("America/New_York", "2027-11-01", "2027-11-05", "13:00", "2027-11-08", "14:00"),
    ("Europe/Berlin", "2027-03-22", "2027-03-26", "08:00", "2027-03-29", "07:00"),
    ("Europe/Berlin", "2027-10-25", "2027-10-29", "07:00", "2027-11-01", "08:00"),
])
def test_daylight_saving_keeps_the_wall_clock(tmp_dir, zone, start, before, utc_before, after, utc_after):
    d = Daemon(tmp_dir, config_text=CLINIC.replace("America/New_York", zone)).start()
    try:
        made = course(d, add_patient(d)["id"], start=start)
        by_date = {s["date"]: s for s in made["sessions"]}
        assert by_date[before]["time"] == by_date[after]["time"] == "09:00"
        assert by_date[before]["scheduledAt"] == f"{before}T{utc_before}:00Z"
        assert by_date[after]["scheduledAt"] == f"{after}T{utc_after}:00Z"
    finally:
        d.stop()


def test_a_holiday_added_on_reload_moves_that_days_sessions(tmp_dir):
    import signal
    from test_systemd import NotifySocket, start_notified
    d = Daemon(tmp_dir, config_text=CLINIC)
    notify = NotifySocket(tmp_dir / "notify.sock")
    p = start_notified(tmp_dir, notify, config=CLINIC)
    try:
        notify.wait_for("READY")
        made = [course(d, add_patient(d, mrn=f"H{i}")["id"]) for i in range(3)]
        holiday = "2026-12-10"
        on_holiday = [s["id"] for c in made for s in c["sessions"] if s["date"] == holiday]
        assert len(on_holiday) == 3
        # The first course's authorization ends on its last acute day: the move pushes a session past it.
        # (Its taper is past it already; the taper, in calendar weeks, keeps its days when the acute phase slips one.)
        first = made[0]
        d.tmsctl("auth", "add", str(first["course"]["id"]), "--payer", "P", "--reference", "R", "--sessions", "36",
                 "--from", first["sessions"][0]["date"], "--to", first["sessions"][29]["date"])
        (tmp_dir / "tmsd.conf").write_text(CLINIC.replace('holidays = ["2026-12-25"]', f'holidays = ["2026-12-25", "{holiday}"]'))
        p.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING")
        notify.wait_for("READY")
        day = d.call("io.tmsd.Clinic.GetDaySchedule", date=holiday)
        assert day["open"] == [] and [s for s in day["sessions"] if s["session"]["status"] == "scheduled"] == []
        for c in made:
            shown = d.tmsctl_json("course", "show", str(c["course"]["id"]))
            live = [s for s in shown["sessions"] if s["status"] == "scheduled"]
            assert len(live) == 36 and holiday not in {s["date"] for s in live}
            assert [s for s in live if s["phase"].startswith("taper")].__len__() == 6
        log = (tmp_dir / "tmsd.log").read_text()
        for session in on_holiday:
            assert re.search(rf"session moved: the clinic's calendar changed .*tmsd_from={holiday} \d\d:\d\d .*tmsd_session={session}\b", log), log
        assert "tmsd_moved=" in log
        beyond = [line for line in log.splitlines() if "booked beyond the authorization" in line]
        assert len(beyond) == 1 and f"tmsd_course={first['course']['id']} " in beyond[0] + " " and "tmsd_method=reload" in beyond[0]
        reload_audit = [e for e in d.tmsctl_json("audit", "--limit", "1000")["entries"] if e["method"] == "reload"]
        assert {e["sessionId"] for e in reload_audit} >= set(on_holiday)
        assert_no_overlap(live_bookings(d, ["2026-12-11", "2026-12-14", "2026-12-15"]))
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


def test_pause_resume_time_change_and_chair_outage(clinic):
    c = course(clinic, add_patient(clinic)["id"])
    cid = str(c["course"]["id"])
    paused = clinic.tmsctl_json("course", "pause", cid, "--from", "2026-12-14")
    assert paused["course"]["status"] == "paused" and paused["progress"]["remaining"] == 36
    refused = clinic.tmsctl("session", "start", str(c["sessions"][0]["id"]), check=False)
    assert refused.returncode == 65 and "is paused, not active" in refused.stderr
    resumed = clinic.tmsctl_json("course", "resume", cid, "--on", "2026-12-28")
    live = [s for s in resumed["sessions"] if s["status"] == "scheduled"]
    assert resumed["course"]["status"] == "active" and len(live) == 36
    assert not [s for s in live if "2026-12-14" <= s["date"] < "2026-12-28"], "nothing booked while paused"
    assert live[-1]["date"] > c["sessions"][-1]["date"], "the rest of the calendar shifted"

    changed = clinic.tmsctl_json("course", "time", cid, "--time", "14:00", "--from", "2027-01-04")
    assert changed["course"]["sessionTime"] == "14:00" and len(changed["moved"]) > 0
    after = clinic.tmsctl_json("schedule", "course", cid)["sessions"]
    assert all(s["time"] == "14:00" for s in after if s["date"] >= "2027-01-04" and s["status"] == "scheduled")
    assert all(s["time"] == "09:00" for s in after if s["date"] < "2027-01-04" and s["status"] == "scheduled")

    chair = next(s["chair"] for s in after if s["date"] == "2027-01-05")
    out = clinic.tmsctl_json("chair", "out-of-service", chair, "--from", "2027-01-05", "--to", "2027-01-06",
                             "--reason", "coil cable")
    assert {m["toDate"] for m in out["moved"]} <= {"2027-01-05", "2027-01-06"} and out["moved"]
    assert all(m["chair"] != chair for m in out["moved"])
    free = clinic.tmsctl("schedule", "free", "2027-01-05").stdout
    assert re.search(rf"^{chair} +figure-8 +out of service: coil cable", free, re.M), free
    missing = clinic.tmsctl("chair", "out-of-service", "chair-9", "--from", "2027-01-05", "--to", "2027-01-06",
                            "--reason", "x", check=False)
    assert missing.returncode == 65 and "No chair is named 'chair-9'" in missing.stderr

    # Back in service from the 6th: the 5th stays blocked, the 6th is free again; what moved stays moved.
    back = clinic.tmsctl("chair", "in-service", chair, "--from", "2027-01-06")
    assert back.returncode == 0 and "1 outage(s) lifted or shortened" in back.stdout, back
    assert re.search(rf"^{chair} +figure-8 +out of service: coil cable", clinic.tmsctl("schedule", "free", "2027-01-05").stdout, re.M)
    assert not re.search(rf"^{chair} .*out of service", clinic.tmsctl("schedule", "free", "2027-01-06").stdout, re.M)
    assert all(m["toDate"] in {"2027-01-05", "2027-01-06"} for m in out["moved"])
    again = clinic.tmsctl("chair", "in-service", chair, "--from", "2027-01-06", check=False)
    assert again.returncode == 65 and f"chair {chair} is not out of service on 2027-01-06 or later" in again.stderr
    past = clinic.tmsctl("chair", "in-service", chair, "--from", "2026-01-06", check=False)
    assert past.returncode == 65 and "in the past" in past.stderr


def test_a_cancelled_appointment_moves_to_the_next_free_day(clinic):
    c = course(clinic, add_patient(clinic)["id"])
    target = c["sessions"][2]  # Wednesday 2026-12-09
    result = clinic.tmsctl_json("session", "cancel", str(target["id"]), "--reason", "patient called")
    moved = result["session"]
    assert moved["id"] == target["id"] and moved["date"] == "2026-12-10" and moved["status"] == "scheduled"
    assert "cancelled 2026-12-09: patient called" == moved["reason"]
    shown = clinic.tmsctl_json("course", "show", str(c["course"]["id"]))
    live = [s for s in shown["sessions"] if s["status"] == "scheduled"]
    assert len(live) == 36 and "2026-12-09" not in {s["date"] for s in live}
    assert [s["number"] for s in live] == list(range(1, 37))
    acute_after = [s for s in c["sessions"] if s["phase"] == "acute" and s["date"] > target["date"]]
    assert {s["id"] for s in acute_after} <= {m["session"] for m in result["moved"]}, "the later acute sessions moved behind it"


def test_tmsd_refuses_to_start_with_bad_hours_or_chairs(tmp_dir):
    import subprocess
    from conftest import TMSD
    bad = CLINIC.replace('default = ["08:00-18:00"]', 'default = ["08:00-13:00", "12:00-18:00"]').replace(
        'coils = ["H1"]', 'coils = []')
    (tmp_dir / "bad.conf").write_text(bad)
    result = subprocess.run([TMSD, "--config", str(tmp_dir / "bad.conf"), "--socket", str(tmp_dir / "s.sock"),
                             "--database", str(tmp_dir / "db.sqlite")], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    lines = bad.split("\n")
    hours_line = lines.index('default = ["08:00-13:00", "12:00-18:00"]') + 1
    assert f"bad.conf:{hours_line}: hours.default: 08:00-13:00 and 12:00-18:00 overlap" in result.stderr, result.stderr
    assert "chairs[3].coils: chair 'deep' must list the coil types it carries" in result.stderr
    assert not (tmp_dir / "s.sock").exists() and not (tmp_dir / "db.sqlite").exists()
