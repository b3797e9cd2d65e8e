"""The audit trail as a hash chain (issue 12, part 1): every change and every
refusal is an entry chained to the one before; `tmsctl audit verify` names the
first entry that does not match; tmsd checks the chain's tail when it starts;
the nightly report carries the head, which `--anchor` checks later.

Tampering is done as an intruder would: with the sqlite3 command line on the
database file while tmsd runs."""
import re
import sqlite3

from conftest import Daemon, add_course, add_patient

HEAD = re.compile(r"head (\d+):([0-9a-f]{64})")


def tamper(d, *statements):
    with sqlite3.connect(d.database) as db:
        for statement in statements:
            db.execute(statement)


def a_clinic_day(d):
    """Some history: a patient, a course with its screen and threshold, a refusal."""
    patient = add_patient(d)["id"]
    course = add_course(d, patient)["course"]["id"]
    d.tmsctl("course", "show", "999", check=False)  # a read: no entry
    refused = d.tmsctl("mt", "record", "999", "--value", "55", "--method", "emg", check=False)
    assert refused.returncode != 0
    return course


def verify(d, *args):
    return d.tmsctl("audit", "verify", *args, check=False)


def test_a_chain_verifies_and_the_nightly_report_carries_its_head(daemon):
    a_clinic_day(daemon)
    entries = len(daemon.call("io.tmsd.Clinic.ListAudit", limit=1000)["entries"])
    result = verify(daemon)
    assert result.returncode == 0, result.stdout + result.stderr
    m = HEAD.search(result.stdout)
    assert m and int(m.group(1)) == entries, result.stdout
    assert f"Intact through entry {entries} ({entries} entries)" in result.stdout
    report = daemon.tmsctl("report", "daily").stdout
    assert f"{m.group(1)}:{m.group(2)}" in report, report
    anchored = verify(daemon, "--anchor", f"{m.group(1)}:{m.group(2)}")
    assert anchored.returncode == 0 and "the anchor" in anchored.stdout, anchored.stdout
    # The refusal is an entry of the chain too.
    with sqlite3.connect(daemon.database) as db:
        assert db.execute("SELECT count(*) FROM audit WHERE error IS NOT NULL AND hash IS NOT NULL").fetchone()[0] >= 1
        # A change names the records it changed, with their values.
        changes = db.execute("SELECT changes FROM audit WHERE method LIKE '%RecordThreshold' AND error IS NULL").fetchone()[0]
    assert '"table":"motor_threshold"' in changes and '"value":55.0' in changes, changes


def test_an_audit_row_re_attributed_while_tmsd_runs_is_named_and_tmsd_says_so_when_it_starts(daemon):
    a_clinic_day(daemon)
    tamper(daemon, "UPDATE audit SET user = 'mallory' WHERE seq = 2")
    result = verify(daemon)
    assert result.returncode == 1
    assert "BROKEN at entry 2: entry 2 was edited" in result.stdout, result.stdout
    assert "Intact through entry 1" in result.stdout
    daemon.stop()
    daemon.start()
    assert "AUDIT CHAIN BROKEN at entry 2" in daemon.ready_message, daemon.ready_message
    log = daemon.log.read_text()
    assert re.search(r"critical audit chain broken .*tmsd_sequence=2", log), log
    assert "mallory" not in log
    # It keeps serving, and new entries chain on.
    assert daemon.tmsctl("patient", "list").returncode == 0
    add_patient(daemon, mrn="MRN-2")
    assert "BROKEN at entry 2" in verify(daemon).stdout


def test_a_deleted_entry_is_named(daemon):
    a_clinic_day(daemon)
    tamper(daemon, "DELETE FROM audit WHERE seq = 3")
    result = verify(daemon)
    assert result.returncode == 1 and "BROKEN at entry 3: entry 3 is missing: deleted" in result.stdout, result.stdout


def test_entries_swapped_or_forged_are_named(daemon):
    a_clinic_day(daemon)
    tamper(daemon, "UPDATE audit SET seq = -1 WHERE seq = 2", "UPDATE audit SET seq = 2 WHERE seq = 3",
           "UPDATE audit SET seq = 3 WHERE seq = -1")
    swapped = verify(daemon)
    assert swapped.returncode == 1 and "BROKEN at entry 2: entry 2 does not follow entry 1" in swapped.stdout, swapped.stdout

    place = daemon.directory / "other"
    place.mkdir(mode=0o750)
    other = Daemon(place).start()
    try:
        a_clinic_day(other)
        tamper(other, "INSERT INTO audit (at, uid, user, pid, method, summary) "
                      "VALUES ('2026-12-02T00:00:00Z', 0, 'root', 1, 'io.tmsd.Clinic.SignOffScreen', 'forged')")
        forged = verify(other)
        assert forged.returncode == 1 and "no sequence number: inserted" in forged.stdout, forged.stdout
    finally:
        other.stop()


def test_the_mailed_head_shows_that_the_newest_entries_were_cut_off(daemon):
    a_clinic_day(daemon)
    head = HEAD.search(verify(daemon).stdout)
    anchor = f"{head.group(1)}:{head.group(2)}"
    tamper(daemon, f"DELETE FROM audit WHERE seq >= {int(head.group(1)) - 1}")
    alone = verify(daemon)
    assert alone.returncode == 0  # what is left is a chain
    cut = verify(daemon, "--anchor", anchor)
    assert cut.returncode == 1 and "newer entries were deleted" in cut.stdout, cut.stdout
    # An anchor that names an entry with another hash: history was rewritten.
    rewritten = verify(daemon, "--anchor", f"1:{'0' * 64}")
    assert rewritten.returncode == 1 and "not the one the anchor names" in rewritten.stdout, rewritten.stdout


def test_a_malformed_anchor_is_a_named_error(daemon):
    result = verify(daemon, "--anchor", "12:not-a-hash")
    assert result.returncode != 0 and "anchor" in result.stderr and "SEQ:HASH" in result.stderr, result.stderr


def test_audit_rows_from_before_the_chain_are_chained_on_first_start(daemon):
    a_clinic_day(daemon)
    rows = len(daemon.call("io.tmsd.Clinic.ListAudit", limit=1000)["entries"])
    daemon.stop()
    # The database as it was before the change log: no chain columns, the migration not applied.
    tamper(daemon, "DROP INDEX audit_by_seq", "ALTER TABLE audit DROP COLUMN seq", "ALTER TABLE audit DROP COLUMN changes",
           "ALTER TABLE audit DROP COLUMN prev_hash", "ALTER TABLE audit DROP COLUMN hash",
           "DELETE FROM grdb_migrations WHERE identifier = '2026-12-02 the audit trail is a hash chain'")
    daemon.start()
    assert f"audit chain intact at start, through entry {rows}" in daemon.ready_message, daemon.ready_message
    result = verify(daemon)
    assert result.returncode == 0 and f"Intact through entry {rows}" in result.stdout, result.stdout
    with sqlite3.connect(daemon.database) as db:
        assert db.execute("SELECT count(*) FROM audit WHERE changes IS NULL").fetchone()[0] == rows


def test_a_sessions_pulses_edited_in_the_file_are_found_by_the_records_check(daemon):
    course = a_clinic_day(daemon)
    session = daemon.tmsctl_json("course", "show", str(course))["sessions"][0]["id"]
    daemon.tmsctl("session", "complete", str(session))
    clean = verify(daemon, "--records")
    assert clean.returncode == 0 and "records are as the change log recorded them" in clean.stdout, clean.stdout
    tamper(daemon, f"UPDATE session SET pulses_delivered = 1 WHERE id = {session}")
    assert verify(daemon).returncode == 0  # the chain alone is intact
    found = verify(daemon, "--records")
    assert found.returncode == 1 and f"RECORD CHANGED: session {session} is not as entry" in found.stdout, found.stdout
