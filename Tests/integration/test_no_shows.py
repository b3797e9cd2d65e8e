"""No-shows (issue 14, part 5): at the clinic day's close a session still
scheduled becomes a no-show, is re-booked as a missed session is, and is in
the nightly report to follow up; a course's repeated no-shows are flagged.
tmsd closes days itself (at [clinic] day-close, and at start for any day
left open); `tmsctl schedule close` closes one now."""
import sqlite3
import time

from conftest import TEST_CONFIG, Daemon, add_course, add_patient, refused


def sessions(d, course):
    return {s["id"]: s for s in d.tmsctl_json("course", "show", str(course))["sessions"]}


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_closing_the_day_makes_a_no_show_rebooks_it_and_the_report_lists_it(daemon):
    p = add_patient(daemon, family="Quill", given="Ada")["id"]
    course = add_course(daemon, p)["course"]["id"]
    first = min(sessions(daemon, course).values(), key=lambda s: (s["date"], s["time"]))
    r = daemon.tmsctl("schedule", "close")
    assert r.stdout.startswith(f"Closed {daemon.today()}: 1 no-show.") and f"session {first['id']} (course {course})" in r.stdout
    after = sessions(daemon, course)
    assert (after[first["id"]]["status"], after[first["id"]]["reason"]) == ("missed", "no-show")
    [replacement] = [s for s in after.values() if s.get("replaces") == first["id"]]
    assert replacement["status"] == "scheduled" and replacement["date"] > daemon.today()
    # The course keeps its count: the no-show is made up, so 36 are still to come.
    assert sum(s["status"] == "scheduled" for s in after.values()) == len(after) - 1 == 36
    report = daemon.tmsctl_json("report", "daily")
    [note] = report["noShows"]
    assert note["course"] == course and f"session {first['id']} at 09:00" in note["detail"]
    assert f"re-booked {replacement['date']}" in note["detail"] and "follow up" not in note["detail"]
    text = daemon.tmsctl("report", "daily").stdout
    assert "No-shows to follow up" in text and "Quill" not in text
    # Closing again finds nothing open; the audit names the day's close.
    assert daemon.tmsctl("schedule", "close").stdout.startswith(f"Closed {daemon.today()}: no no-shows.")
    summaries = [e["summary"] for e in daemon.tmsctl_json("audit", "list")["entries"]]
    assert any(s.startswith(f"session {first['id']} missed (a no-show at the day's close)") for s in summaries)
    assert "patient" not in daemon.log.read_text().split("day closed")[-1].split("\n")[0]


def test_a_course_s_second_no_show_is_flagged_to_follow_up(daemon):
    p = add_patient(daemon)["id"]
    course = add_course(daemon, p)["course"]["id"]
    daemon.tmsctl("schedule", "close")
    daemon.travel(days=1)
    while daemon.now().weekday() >= 5:
        daemon.travel(days=1)
    daemon.tmsctl("schedule", "close")
    [note] = daemon.tmsctl_json("report", "daily")["noShows"]
    assert note["course"] == course and "no-show 2 of the course: follow up" in note["detail"]


def test_tmsd_closes_a_day_itself_after_its_close_and_at_start_any_day_left_open(tmp_dir):
    d = Daemon(tmp_dir, TEST_CONFIG.replace('day-close = "off"', 'day-close = "17:00"')).start()
    try:
        p = add_patient(d)["id"]
        course = add_course(d, p)["course"]["id"]
        first = min(sessions(d, course).values(), key=lambda s: (s["date"], s["time"]))
        d.stop()
        d.travel(hours=10)  # 18:00, past the 17:00 close
        d.start()
        wait_for(lambda: sessions(d, course)[first["id"]]["status"] == "missed")
        assert sessions(d, course)[first["id"]]["reason"] == "no-show"
        # A day left open while tmsd was down is closed when it starts, by tmsd's own hand in the audit.
        second = min((s for s in sessions(d, course).values() if s["status"] == "scheduled"), key=lambda s: (s["date"], s["time"]))
        d.stop()
        d.travel_to(second["date"])
        d.travel(days=1)
        d.start()
        wait_for(lambda: sessions(d, course)[second["id"]]["status"] == "missed")
        entries = d.tmsctl_json("audit", "list")["entries"]
        assert [e["user"] for e in entries if e["summary"].startswith(f"session {second['id']} missed")] == ["tmsd"]
        assert "day closed" in d.log.read_text()
    finally:
        d.stop()


def test_a_later_day_cannot_be_closed_and_closing_needs_the_operator(daemon):
    add_course(daemon, add_patient(daemon)["id"])
    error, parameters = refused(daemon, "io.tmsd.Clinic.CloseDay", date="2027-01-05")
    assert (error, parameters["parameter"]) == ("InvalidValue", "date")
    r = daemon.tmsctl("schedule", "close", "2026-02-30", check=False)
    assert r.returncode == 64


def test_with_day_close_off_tmsd_closes_no_day_itself(daemon):
    """The harness's clinic closes its days by hand; a restart a day later leaves its sessions scheduled."""
    course = add_course(daemon, add_patient(daemon)["id"])["course"]["id"]
    first = min(sessions(daemon, course).values(), key=lambda s: (s["date"], s["time"]))
    daemon.stop()
    daemon.travel(days=1)
    daemon.start()
    time.sleep(1)
    assert sessions(daemon, course)[first["id"]]["status"] == "scheduled"



def test_a_no_show_that_cannot_be_rebooked_stays_scheduled_and_tmsd_goes_on(tmp_dir):
    """A session of a phase its course does not have (a record edited by hand) has nowhere to be
    re-booked: the day's close says so, once, and leaves it scheduled; tmsd does not crash."""
    d = Daemon(tmp_dir, TEST_CONFIG.replace('day-close = "off"', 'day-close = "17:00"')).start()
    try:
        course = add_course(d, add_patient(d)["id"])["course"]["id"]
        first = min(sessions(d, course).values(), key=lambda s: (s["date"], s["time"]))
        d.stop()
        with sqlite3.connect(d.database) as db:
            db.execute("UPDATE session SET phase = 'taper' WHERE id = ?", (first["id"],))
        d.travel(hours=10)  # 18:00, past the 17:00 close
        d.start()
        wait_for(lambda: "could not be re-booked" in d.log.read_text())
        assert d.call("io.tmsd.Clinic.GetSession", id=first["id"])["session"]["status"] == "scheduled"
        # By hand: the reason, in words.
        closed = d.tmsctl_json("schedule", "close")
        assert any(f"Session {first['id']} could not be re-booked" in w and "'taper' is not a phase of its course" in w
                   for w in closed["warnings"]), closed
        assert d.log.read_text().count("could not be re-booked") == 2  # tmsd's own close once, the one asked for once
    finally:
        d.stop()
