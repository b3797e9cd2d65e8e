"""tmsctl backup: a consistent copy taken while tmsd serves and 8 writers
write, checked, kept where no other user reads it, restored, and pruned."""
import json
import os
import shutil
import socket
import stat
import threading
import time

from conftest import TEST_CONFIG, Daemon, add_patient, as_nobody, start_where_nobody_reaches


def call(path, method, parameters):
    """One Varlink call on its own connection; the reply's parameters."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(json.dumps({"method": "io.tmsd.Clinic." + method, "parameters": parameters}).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = s.recv(65536)
            assert chunk, "closed"
            data += chunk
    reply = json.loads(data[:-1])
    assert "error" not in reply, reply
    return reply["parameters"]


def test_a_backup_under_8_writers_restores_every_write_acknowledged_before_it(tmp_dir):
    d = Daemon(tmp_dir).start()
    acknowledged = []  # (instant acknowledged, patient id)
    lock = threading.Lock()
    stop = threading.Event()

    def writer(k):
        n = 0
        while not stop.is_set():
            n += 1
            p = call(d.socket, "AddPatient", {"mrn": f"W{k}-{n}", "familyName": "Writer", "givenName": f"N{n}",
                                              "birthDate": "1980-01-01"})["patient"]
            with lock:
                acknowledged.append((time.monotonic(), p["id"]))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
        began = time.monotonic()
        result = d.tmsctl("backup", "under-load.sqlite")
        time.sleep(0.5)  # writers keep writing after it
    finally:
        stop.set()
        for t in threads:
            t.join()
    before = {pid for at, pid in acknowledged if at < began}
    after = {pid for at, pid in acknowledged if at >= began}
    assert len(before) > 50 and after, (len(before), len(after))
    path = tmp_dir / "backups/under-load.sqlite"
    assert f"Wrote {path}:" in result.stdout and "integrity_check ok, change log intact through entry" in result.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not any(p.name.startswith(".") for p in path.parent.iterdir())  # no partial copy left
    d.stop()

    # Restore: the copy put in place of a database, as the README says; tmsd serves it.
    restored = tmp_dir / "restored"
    restored.mkdir(mode=0o700)
    shutil.copy2(path, restored / "tmsd.sqlite")
    r = Daemon(restored)
    r.database = str(restored / "tmsd.sqlite")
    r.start()
    try:
        ids = {p["id"] for p in r.tmsctl_json("patient", "list")["patients"]}
        assert before <= ids, f"{len(before - ids)} acknowledged writes lost"
        verify = r.tmsctl("audit", "verify")
        assert verify.stdout.startswith("Intact through entry"), verify.stdout
        assert "intact at start" in r.ready_message
    finally:
        r.stop()


def test_backup_names_refusals_and_keeps_the_newest(daemon, tmp_dir):
    add_patient(daemon)
    outside = daemon.tmsctl("backup", str(tmp_dir / "elsewhere.sqlite"), check=False)
    assert outside.returncode == 65 and "tmsd writes backups only into its backup directory" in outside.stderr
    hidden = daemon.tmsctl("backup", ".hidden", check=False)
    assert hidden.returncode == 65 and "a backup's name is letters, digits" in hidden.stderr
    daemon.tmsctl("backup", "one.sqlite")
    again = daemon.tmsctl("backup", "one.sqlite", check=False)
    assert again.returncode == 65 and "exists; a backup never replaces one" in again.stderr
    assert not (tmp_dir / "elsewhere.sqlite").exists()
    # tmsd's own names, pruned to the newest --keep; a name given by hand is never pruned.
    backups = tmp_dir / "backups"
    for stamp in ["20260101T000000Z", "20260102T000000Z", "20260103T000000Z"]:
        shutil.copy2(backups / "one.sqlite", backups / f"tmsd-{stamp}.sqlite")
    kept = daemon.tmsctl("backup", "--keep", "2")
    assert "Removed the older backup tmsd-20260101T000000Z.sqlite." in kept.stdout
    assert "Removed the older backup tmsd-20260102T000000Z.sqlite." in kept.stdout
    names = sorted(p.name for p in backups.iterdir())
    assert len(names) == 3 and "one.sqlite" in names and "tmsd-20260103T000000Z.sqlite" in names
    # Each backup is an entry of the audit trail.
    entries = daemon.tmsctl_json("audit")["entries"]
    assert sum(e["method"] == "io.tmsd.Clinic.Backup" and e["summary"].startswith("backup ") for e in entries) == 2


def test_backup_and_the_audit_trail_are_roles_of_their_own(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir, TEST_CONFIG.replace("auditor", "# auditor").replace("backup =", "# backup ="))
    try:
        for args, method, role in [(["backup"], "Backup", "backup"), (["audit"], "ListAudit", "auditor"),
                                   (["audit", "verify"], "VerifyAudit", "auditor")]:
            refused = as_nobody(d, *args)
            assert refused.returncode == 65, refused.stdout
            assert f"permission denied: {method} needs the {role} role; nobody has no role" in refused.stderr
        assert not (tmp_dir / "records/backups").exists()
    finally:
        d.stop()
