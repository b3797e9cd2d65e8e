"""Whose database a file is, checked before tmsd writes into it: another
application's file, a file that is not empty and not tmsd's, and a newer
tmsd's are each refused by name and left byte for byte as they were; a new
file is marked as tmsd's; one of a release from before the mark is adopted."""
import hashlib
import os
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


# The file moved under a running tmsd ------------------------------------------

def test_a_database_removed_while_tmsd_runs_acknowledges_no_write_and_is_not_recreated(tmp_dir):
    d = Daemon(tmp_dir).start()
    try:
        kept = add_patient(d, mrn="MRN-KEPT")
        os.unlink(d.database)  # an admin's rm
        r = d.tmsctl("patient", "add", "--identity", "-", check=False,
                     input="mrn: MRN-LOST\nfamily-name: Doe\ngiven-name: Jo\nbirth-date: 1980-01-01\n")
        assert r.returncode == 65
        assert "The database file was removed while tmsd ran; nothing was changed." in r.stderr, r.stderr
        # Reads still answer, from the file tmsd has open; it said so at crit, once.
        assert [p["mrn"] for p in d.tmsctl_json("patient", "list")["patients"]] == ["MRN-KEPT"]
        d.tmsctl("patient", "add", "--identity", "-", check=False, input="mrn: X\nfamily-name: D\ngiven-name: J\nbirth-date: 1980-01-01\n")
        log = d.log.read_text()
        assert log.count("database file cannot take writes") == 1 and "critical" in log.split("database file cannot take writes")[0].splitlines()[-1]
    finally:
        d.stop()
    # Restarted, it does not start over on an empty file where the clinic's was.
    r = start_on(tmp_dir, d.database)
    assert r.returncode == 1
    assert f"The database {d.database} is missing, but one was created there" in r.stderr, r.stderr
    assert "--initialize" in r.stderr
    assert not os.path.exists(d.database)
    # Told to, it does.
    d.extra_args = ["--initialize"]
    d.start()
    try:
        assert d.tmsctl_json("patient", "list")["patients"] == []
    finally:
        d.stop()


def test_a_database_replaced_while_tmsd_runs_acknowledges_no_write(tmp_dir):
    """A backup copied over the path (a restore into a running service): the change goes
    into the old file, and tmsd says it is not acknowledged."""
    d = Daemon(tmp_dir).start()
    try:
        add_patient(d, mrn="MRN-1")
        copy = tmp_dir / "backups" / "copy.sqlite"
        d.tmsctl("backup", str(copy))
        os.replace(copy, d.database)
        r = d.tmsctl("patient", "add", "--identity", "-", check=False,
                     input="mrn: MRN-2\nfamily-name: Doe\ngiven-name: Jo\nbirth-date: 1980-01-01\n")
        assert r.returncode == 65
        assert "The database file was replaced by another file while tmsd ran; nothing was changed." in r.stderr, r.stderr
    finally:
        d.stop()
    # The restored copy is what serves next.
    d.start()
    try:
        assert [p["mrn"] for p in d.tmsctl_json("patient", "list")["patients"]] == ["MRN-1"]
    finally:
        d.stop()


def test_the_mark_is_written_beside_the_database(daemon):
    mark = daemon.database + ".initialized"
    assert open(mark).read().startswith("created ")
    assert os.stat(mark).st_mode & 0o077 == 0


def test_files_made_immutable_refuse_calls_by_name_and_tmsd_survives(tmp_dir):
    """chattr +i on the database's files while tmsd runs: SQLite writes its -shm
    through a mapping (readers too, for their read marks), which the kernel then
    answers with SIGBUS. Each call is refused with StorageFailure instead, the
    PID stays, and once the files are writable again tmsd goes on."""
    import pytest
    d = Daemon(tmp_dir).start()
    files = [d.database, d.database + "-wal", d.database + "-shm"]
    try:
        add_patient(d, mrn="MRN-1")
        pid = d.process.pid
        if subprocess.run(["chattr", "+i", *files], capture_output=True).returncode != 0:
            pytest.skip("this file system does not take chattr +i")
        try:
            r = d.tmsctl("patient", "add", "--identity", "-", check=False,
                         input="mrn: MRN-2\nfamily-name: Doe\ngiven-name: Jo\nbirth-date: 1980-01-01\n")
            assert r.returncode == 65
            assert "The database files cannot be written (Operation not permitted); nothing was changed." in r.stderr
            r = d.tmsctl("patient", "list", check=False)
            assert r.returncode == 65 and "SQLite cannot read them safely then; nothing was read" in r.stderr
            assert d.alive() and d.process.pid == pid
        finally:
            subprocess.run(["chattr", "-i", *files], check=True)
        add_patient(d, mrn="MRN-3")
        assert [p["mrn"] for p in d.tmsctl_json("patient", "list")["patients"]] == ["MRN-1", "MRN-3"]
        assert d.process.pid == pid
        assert d.log.read_text().count("database file cannot take writes") == 1
    finally:
        d.stop()
