"""Whose database a file is, checked before tmsd writes into it: another
application's file, a file that is not empty and not tmsd's, and a newer
tmsd's are each refused by name and left byte for byte as they were; a new
file is marked as tmsd's; one of a release from before the mark is adopted."""
import hashlib
import sqlite3
import subprocess

from conftest import TMSD, Daemon, add_patient

TMSD_ID = 0x544D5344


def sql(path, *statements):
    """Runs `statements` on `path` and closes it, so nothing waits in a -wal."""
    db = sqlite3.connect(path)
    try:
        rows = [db.execute(s).fetchall() for s in statements]
        db.commit()
        return rows[-1]
    finally:
        db.close()


def contents(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_on(tmp_dir, database):
    return subprocess.run([TMSD, "--socket", str(tmp_dir / "tmsd.sock"), "--database", str(database)],
                          capture_output=True, text=True, timeout=30)


def test_a_new_database_is_marked_as_tmsds(daemon):
    add_patient(daemon)
    assert sql(daemon.database, "PRAGMA application_id") == [(TMSD_ID,)]


def test_another_applications_database_is_refused_unchanged(tmp_dir):
    path = tmp_dir / "other.sqlite"
    sql(path, f"PRAGMA application_id = {0x464F5344}",  # someone else's
        "CREATE TABLE patient (id INTEGER PRIMARY KEY, name TEXT)")
    before = contents(path)
    r = start_on(tmp_dir, path)
    assert r.returncode == 1
    assert f"belongs to another application (SQLite application_id {0x464F5344}, 0x464f5344" in r.stderr, r.stderr
    assert contents(path) == before
    assert not (tmp_dir / "other.sqlite-wal").exists()


def test_a_database_that_is_not_tmsds_is_refused_unchanged(tmp_dir):
    path = tmp_dir / "notes.sqlite"
    sql(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes (body) VALUES ('keep me')")
    before = contents(path)
    r = start_on(tmp_dir, path)
    assert r.returncode == 1
    assert "it is not empty and not tmsd's (it holds notes); nothing was changed" in r.stderr, r.stderr
    assert contents(path) == before
    assert sql(path, "SELECT name FROM sqlite_master WHERE type = 'table'") == [("notes",)]


def test_a_newer_tmsds_database_is_refused_unchanged_naming_its_migration(tmp_dir):
    d = Daemon(tmp_dir).start()
    add_patient(d)
    d.stop()
    sql(d.database, "INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01 teleportation')")
    before = contents(tmp_dir / "tmsd.sqlite")
    r = start_on(tmp_dir, d.database)
    assert r.returncode == 1
    assert "written by a newer tmsd: it holds migrations this tmsd does not know (2099-01-01 teleportation)" in r.stderr
    assert contents(tmp_dir / "tmsd.sqlite") == before


def test_a_database_from_before_the_mark_is_adopted(tmp_dir):
    """A release before application_id: its file is recognised by its migrations, marked, and served."""
    d = Daemon(tmp_dir).start()
    patient = add_patient(d)
    d.stop()
    sql(d.database, "PRAGMA application_id = 0")
    d.start()
    try:
        assert d.tmsctl_json("patient", "show", str(patient["id"]))["patient"]["mrn"] == patient["mrn"]
    finally:
        d.stop()
    assert sql(d.database, "PRAGMA application_id") == [(TMSD_ID,)]
