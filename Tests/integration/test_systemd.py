"""tmsd as a systemd service, checked with systemd's own tools: the units,
their hardening, socket activation, sd_notify, the journal, shutdown."""
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from conftest import PYTHON, ROOT, TEST_CONFIG, TMSCTL, TMSD, Daemon, add_patient

HERE = Path(__file__).resolve().parent


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=kwargs.pop("timeout", 300), **kwargs)


# The units ----------------------------------------------------------------

def install(tmp_dir):
    """`make install` of the debug build into a prefix below `tmp_dir`: the prefix, and its unit directory."""
    prefix = tmp_dir / "usr"
    result = run("make", "-C", str(ROOT), "install", "CONFIGURATION=debug", f"PREFIX={prefix}", f"SYSCONFDIR={tmp_dir}/etc")
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix, prefix / "lib/systemd/system"


def test_installed_units_verify_without_a_word(tmp_dir):
    prefix, units = install(tmp_dir)
    # Every documented page must exist: verify asks man for man:tmsd(8) and man:tmsctl(1).
    verify = run("systemd-analyze", "verify", str(units / "tmsd.service"), str(units / "tmsd.socket"),
                 str(units / "tmsd-backup.service"), str(units / "tmsd-backup.timer"),
                 env=dict(os.environ, MANPATH=str(prefix / "share/man")))
    assert verify.returncode == 0 and verify.stdout == "" and verify.stderr == "", verify.stdout + verify.stderr
    for installed in ["bin/tmsd", "bin/tmsctl", "share/man/man8/tmsd.8", "share/man/man1/tmsctl.1",
                      "lib/sysusers.d/tmsd.conf", "lib/tmpfiles.d/tmsd.conf",
                      "share/bash-completion/completions/tmsctl", "share/zsh/vendor-completions/_tmsctl",
                      "share/fish/vendor_completions.d/tmsctl.fish"]:
        assert (prefix / installed).stat().st_size > 0, installed
    assert (tmp_dir / "etc/tmsd/tmsd.conf").read_text() == (ROOT / "config/tmsd.conf").read_text()
    assert f"ExecStart={prefix}/bin/tmsctl backup --keep 14" in (units / "tmsd-backup.service").read_text()
    assert f"ExecStart={prefix}/bin/tmsd --config {tmp_dir}/etc/tmsd/tmsd.conf" in (units / "tmsd.service").read_text()
    # The cron job runs the installed script, which runs the installed tmsctl.
    assert f" tmsd-report {prefix}/libexec/tmsd/mail-report " in (tmp_dir / "etc/cron.d/tmsd").read_text()
    script = prefix / "libexec/tmsd/mail-report"
    assert os.access(script, os.X_OK) and f"${{TMSCTL:-{prefix}/bin/tmsctl}}" in script.read_text()
    assert f" tmsd-report {prefix}/libexec/tmsd/mail-reminders " in (tmp_dir / "etc/cron.d/tmsd").read_text()
    reminders = prefix / "libexec/tmsd/mail-reminders"
    assert os.access(reminders, os.X_OK) and f"${{TMSCTL:-{prefix}/bin/tmsctl}}" in reminders.read_text()


def test_sysusers_creates_accounts_and_the_service_account_holds_no_role(tmp_dir):
    root = tmp_dir / "root"
    (root / "etc").mkdir(parents=True)
    result = run("systemd-sysusers", f"--root={root}", str(ROOT / "systemd/sysusers.d/tmsd.conf"))
    assert result.returncode == 0, result.stderr
    groups = {line.split(":")[0]: line.split(":") for line in (root / "etc/group").read_text().splitlines()}
    users = {line.split(":")[0]: line.split(":") for line in (root / "etc/passwd").read_text().splitlines()}
    for name in ["tmsd-staff", "tmsd-operators", "tmsd-clinicians", "tmsd-auditors", "tmsd-backup", "tmsd"]:
        assert name in groups, name
    assert users["tmsd"][4:6] == ["TMS clinic treatment-course service", "/var/lib/tmsd"]
    def member_of(user):
        primary = {g for g, fields in groups.items() if fields[2] == users[user][3]}
        return primary | {g for g, fields in groups.items() if user in fields[3].split(",")}
    # tmsd's own account is in its own group alone: it holds no role and is not staff.
    assert member_of("tmsd") == {"tmsd"}
    # The nightly report reaches the socket and holds no role; the nightly backup holds the backup role alone.
    assert member_of("tmsd-report") == {"tmsd-report", "tmsd-staff"}
    assert member_of("tmsd-backup") == {"tmsd-backup", "tmsd-staff"}
    # Reaching the socket is no role: each role is a group of its own.
    roles = tomllib.loads((ROOT / "config/tmsd.conf").read_text())["roles"]
    assert roles == {"operator": ["tmsd-operators"], "clinician": ["tmsd-clinicians"], "auditor": ["tmsd-auditors"],
                     "backup": ["tmsd-backup"]}
    # The report's cron line runs as the report's account; the daemon cannot dump core.
    assert re.search(r"^30 20 \* \* \* tmsd-report ", (ROOT / "config/tmsd.cron").read_text(), re.M)
    assert re.search(r"^LimitCORE=0$", (ROOT / "systemd/tmsd.service").read_text(), re.M)


def test_a_network_sites_drop_in_verifies_and_opens_only_tcp_to_the_central_server(tmp_dir):
    prefix, units = install(tmp_dir)
    drop_in = units / "tmsd.service.d/network.conf"
    drop_in.parent.mkdir()
    drop_in.write_text((prefix / "share/tmsd/tmsd-network.conf").read_text())
    assert f"LoadCredential=central-password:{tmp_dir}/etc/tmsd/central-password" in drop_in.read_text()
    env = dict(os.environ, MANPATH=str(prefix / "share/man"), SYSTEMD_UNIT_PATH=f"{units}:")
    verify = run("systemd-analyze", "verify", str(units / "tmsd.service"), env=env)
    assert verify.returncode == 0 and verify.stdout == "" and verify.stderr == "", verify.stdout + verify.stderr
    security = run("systemd-analyze", "security", "--offline=yes", str(units / "tmsd.service"), env=env)
    out = security.stdout + security.stderr
    # The drop-in is what is read: the host's network is open, to one address, and no more than that.
    assert re.search(r"✗ PrivateNetwork=\s+Service has access to the host's network", out), out
    assert re.search(r"✗ IPAddressDeny=\s+Service defines IP address allow list", out), out
    assert re.search(r"✓ RestrictAddressFamilies=~AF_PACKET", out), out
    match = re.search(r"Overall exposure level for tmsd.service: (\d+\.\d+)", out)
    assert match and float(match.group(1)) <= 1.5, out


def test_hardening_exposure_is_at_most_1_5():
    result = run("systemd-analyze", "security", "--offline=yes", str(ROOT / "systemd/tmsd.service"))
    match = re.search(r"Overall exposure level for tmsd.service: (\d+\.\d+)", result.stdout + result.stderr)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 1.5, result.stdout
    # PrivateUsers= would hide the peer's uid from SO_PEERCRED.
    assert not re.search(r"^PrivateUsers=(yes|true|1)", (ROOT / "systemd/tmsd.service").read_text(), re.M)


# Socket activation --------------------------------------------------------

def test_a_passed_socket_any_user_may_reach_is_refused_with_the_fix(tmp_dir):
    """A passed socket of mode 0666 (any local user may connect): tmsd, started
    by the first connection, refuses it and names SocketMode=."""
    sock = str(tmp_dir / "open.sock")
    (tmp_dir / "tmsd.conf").write_text(TEST_CONFIG)
    log = tmp_dir / "activate.log"
    p = subprocess.Popen(["systemd-socket-activate", "-l", sock, TMSD, "--config", str(tmp_dir / "tmsd.conf"),
                          "--database", str(tmp_dir / "db.sqlite")], stdout=subprocess.DEVNULL,
                         stderr=open(log, "w"))
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(sock):
            assert time.monotonic() < deadline and p.poll() is None, "systemd-socket-activate did not listen"
            time.sleep(0.02)
        os.chmod(sock, 0o666)
        listed = run(TMSCTL, "protocol", "list", "--socket", sock, timeout=30)
        assert listed.returncode != 0
        deadline = time.monotonic() + 20
        while "lets any local user connect" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert "set SocketMode=0660 in tmsd.socket" in log.read_text()
        assert not os.path.exists(tmp_dir / "db.sqlite"), "nothing opened before the refusal"
    finally:
        p.terminate()
        p.wait(10)


def test_socket_activation_serves_tmsctl_and_the_varlink_client(tmp_dir):
    sock = str(tmp_dir / "activated.sock")
    (tmp_dir / "tmsd.conf").write_text(TEST_CONFIG)
    p = subprocess.Popen(["systemd-socket-activate", "-l", sock, TMSD, "--config", str(tmp_dir / "tmsd.conf"),
                          "--database", str(tmp_dir / "db.sqlite")], stdout=subprocess.DEVNULL,
                         stderr=open(tmp_dir / "activate.log", "w"))
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(sock):
            assert time.monotonic() < deadline and p.poll() is None, "systemd-socket-activate did not listen"
            time.sleep(0.02)
        # The first connection starts tmsd, which takes the socket from LISTEN_FDS.
        listed = run(TMSCTL, "protocol", "list", "--json", "--socket", sock, timeout=30)
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)["protocols"]) >= 6
        info = run(PYTHON, "-m", "varlink.cli", "info", f"unix:{sock}")
        assert info.returncode == 0 and "io.tmsd.Clinic" in info.stdout, info.stderr
        assert "fd 3 from systemd" in (tmp_dir / "activate.log").read_text(), "tmsd took the passed socket"
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


def test_the_varlink_client_can_activate_tmsd_itself(tmp_dir):
    (tmp_dir / "tmsd.conf").write_text(TEST_CONFIG)
    database = tmp_dir / "activated.sqlite"
    command = f"{TMSD} --config {tmp_dir / 'tmsd.conf'} --database {database}"
    # The client's `info -A` leaves the daemon it started running (it never
    # calls its own cleanup), so output goes to files, not to pipes the daemon
    # would hold open, and the test stops the daemon itself.
    with open(tmp_dir / "out", "w") as out, open(tmp_dir / "err", "w") as err:
        info = subprocess.run([PYTHON, "-m", "varlink.cli", "-A", command, "info"], stdout=out, stderr=err, timeout=60)
    try:
        assert info.returncode == 0, (tmp_dir / "err").read_text()
        assert "io.tmsd.Clinic" in (tmp_dir / "out").read_text()
        assert "fd 3 from systemd" in (tmp_dir / "err").read_text(), "tmsd took the socket it was passed"
    finally:
        pids = subprocess.run(["pgrep", "-f", str(database)], capture_output=True, text=True).stdout.split()
        for pid in pids:
            os.kill(int(pid), signal.SIGTERM)
        for pid in pids:
            while os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z":
                time.sleep(0.02)


# sd_notify ----------------------------------------------------------------

class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path):
        self.path = str(path)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        self.messages = []

    def next(self, timeout=20.0):
        self.socket.settimeout(timeout)
        message = self.socket.recv(65536).decode()
        self.messages.append(message)
        return dict(line.split("=", 1) for line in message.split("\n") if "=" in line)

    def wait_for(self, key, timeout=20.0):
        """Reads messages until one sets `key`; returns that message's fields."""
        deadline = time.monotonic() + timeout
        while True:
            fields = self.next(max(0.01, deadline - time.monotonic()))
            if key in fields:
                return fields


def start_notified(tmp_dir, notify, config=TEST_CONFIG, watchdog_usec=None):
    """Starts tmsd on tmp_dir with `config` (a Daemon made for tmp_dir after this would rewrite it)."""
    (tmp_dir / "tmsd.conf").write_text(config)
    env = dict(os.environ, NOTIFY_SOCKET=notify.path)
    if watchdog_usec:
        env["WATCHDOG_USEC"] = str(watchdog_usec)
    log = open(tmp_dir / "tmsd.log", "ab")
    return subprocess.Popen([TMSD, "--config", str(tmp_dir / "tmsd.conf"), "--socket", str(tmp_dir / "tmsd.sock"),
                             "--database", str(tmp_dir / "tmsd.sqlite")], stderr=log, env=env)


def test_notify_through_start_reload_and_stop(tmp_dir):
    notify = NotifySocket(tmp_dir / "notify.sock")
    p = start_notified(tmp_dir, notify, watchdog_usec=400_000)
    try:
        ready = notify.wait_for("READY")
        assert ready["READY"] == "1" and ready["STATUS"].startswith("serving; 0 sessions today")
        assert os.path.exists(tmp_dir / "tmsd.sock"), "READY only after the socket listens"
        notify.wait_for("WATCHDOG")
        p.send_signal(signal.SIGHUP)
        reloading = notify.wait_for("RELOADING")
        monotonic = int(reloading["MONOTONIC_USEC"])
        assert abs(monotonic - time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000) < 10_000_000
        assert notify.wait_for("READY")["READY"] == "1"
        p.send_signal(signal.SIGTERM)
        assert notify.wait_for("STOPPING")["STOPPING"] == "1"
        assert p.wait(30) == 0
    finally:
        if p.poll() is None:
            p.kill()
    # The order systemd sees.
    events = [key for m in notify.messages for key in ("READY", "STATUS", "WATCHDOG", "RELOADING", "STOPPING")
              if f"{key}=" in m]
    order = ["READY", "STATUS", "WATCHDOG", "RELOADING", "READY", "STOPPING"]
    it = iter(events)
    assert all(any(e == wanted for e in it) for wanted in order), events


def test_status_counts_the_day(tmp_dir):
    notify = NotifySocket(tmp_dir / "notify.sock")
    d = Daemon(tmp_dir)
    p = start_notified(tmp_dir, notify)
    try:
        notify.wait_for("READY")
        patient = add_patient(d)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        course = d.tmsctl_json("course", "create", "--patient", str(patient["id"]), "--protocol", "accelerated-itbs",
                               "--start", today, "--prescriber", "Dr. A", "--time", "00:05", "--target-label", "L")
        first = [s for s in course["sessions"] if s["date"] == today]
        d.tmsctl("screen", "record", str(course["course"]["id"]))
        d.tmsctl("mt", "record", str(course["course"]["id"]), "--value", "60", "--method", "emg")
        if first:  # a weekday: ten sessions today
            d.tmsctl("session", "complete", str(first[0]["id"]), "--mt", "60")
        p.send_signal(signal.SIGHUP)  # READY after a reload carries a fresh STATUS
        status = notify.wait_for("READY")["STATUS"]
        assert status == (f"serving; {len(first)} sessions today, {1 if first else 0} done; audit chain empty at start"), status
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


def test_watchdog_pings_stop_while_the_database_is_wedged(tmp_dir):
    notify = NotifySocket(tmp_dir / "notify.sock")
    p = start_notified(tmp_dir, notify, watchdog_usec=600_000)  # a ping every 0.3 s
    try:
        notify.wait_for("READY")
        notify.wait_for("WATCHDOG")
        notify.wait_for("WATCHDOG")
        # Another process takes the database's write lock and holds it.
        lock = sqlite3.connect(str(tmp_dir / "tmsd.sqlite"), isolation_level=None, timeout=5)
        lock.execute("BEGIN IMMEDIATE")
        try:
            # A ping already on its way may still arrive; then none for seconds.
            deadline = time.monotonic() + 0.7
            while time.monotonic() < deadline:
                try:
                    notify.next(timeout=max(0.01, deadline - time.monotonic()))
                except socket.timeout:
                    break
            quiet = time.monotonic() + 2.5
            pings = 0
            while time.monotonic() < quiet:
                try:
                    if "WATCHDOG" in notify.next(timeout=max(0.01, quiet - time.monotonic())):
                        pings += 1
                except socket.timeout:
                    break
            assert pings == 0, "watchdog pings went on while the database could not be written"
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # Released: the pings come back.
        notify.wait_for("WATCHDOG", timeout=20)
        assert p.poll() is None
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


def test_the_watchdog_finds_the_database_file_removed_without_a_write(tmp_dir):
    """No client writes: the watchdog's beat notices, says so at crit once and in STATUS=."""
    notify = NotifySocket(tmp_dir / "notify.sock")
    p = start_notified(tmp_dir, notify, watchdog_usec=400_000)
    try:
        notify.wait_for("READY")
        os.unlink(tmp_dir / "tmsd.sqlite")
        deadline = time.monotonic() + 20
        while True:
            status = notify.wait_for("STATUS")["STATUS"]
            if status.startswith("DATABASE FILE REMOVED"):
                break
            assert time.monotonic() < deadline, status
        assert "writes refused; restart tmsd on the clinic's database" in status
        time.sleep(1)  # more beats: still one line
        log = (tmp_dir / "tmsd.log").read_text()
        assert log.count("database file cannot take writes") == 1, log
        assert p.poll() is None
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


def test_a_bad_config_on_reload_keeps_the_old_one(tmp_dir):
    notify = NotifySocket(tmp_dir / "notify.sock")
    d = Daemon(tmp_dir)  # the clients' view; it writes a config file, which start_notified replaces
    p = start_notified(tmp_dir, notify, config=TEST_CONFIG.replace('session-time = "09:00"', 'session-time = "08:30"'))
    try:
        notify.wait_for("READY")
        patient = add_patient(d)

        def booked_time():
            """The preferred time a new course gets: the configured session-time."""
            course = d.tmsctl_json("course", "create", "--patient", str(patient["id"]), "--protocol", "itbs",
                                   "--start", "2026-12-07", "--prescriber", "Dr. A", "--target-label", "L")
            return course["course"]["sessionTime"]

        assert booked_time() == "08:30"
        broken = TEST_CONFIG + '\n[daemon]\nlog-level = "chatty"\n'
        bad_line = broken.split("\n").index('log-level = "chatty"') + 1
        (tmp_dir / "tmsd.conf").write_text(broken)
        p.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING")
        notify.wait_for("READY")
        assert p.poll() is None
        assert booked_time() == "08:30", "the old configuration stays in force"
        log = (tmp_dir / "tmsd.log").read_text()
        assert "configuration not reloaded" in log and f"tmsd_config_line={bad_line} " in log, log
        assert "tmsd_config_key=daemon.log-level" in log
        # Fixed, it takes effect on the next reload.
        (tmp_dir / "tmsd.conf").write_text(TEST_CONFIG.replace('session-time = "09:00"', 'session-time = "10:15"'))
        p.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING")
        notify.wait_for("READY")
        assert booked_time() == "10:15"
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(30)


# The journal --------------------------------------------------------------

def test_the_journal_gets_structured_entries_and_no_patient_data(tmp_dir):
    out = tmp_dir / "journal.json"
    result = run("unshare", "-m", str(HERE / "journal_namespace.sh"), str(out), PYTHON, str(HERE / "journal_driver.py"),
                 str(tmp_dir), timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    text = out.read_text()
    entries = [json.loads(line) for line in text.splitlines()]
    ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "tmsd"]
    assert len(ours) >= 8, f"{len(ours)} tmsd entries of {len(entries)}"
    by_message = {}
    for e in ours:
        by_message.setdefault(e["MESSAGE"], e)
    completed = by_message["session completed"]
    assert completed["PRIORITY"] == "6"
    assert completed["TMSD_COURSE"] == "1" and completed["TMSD_SESSION"].isdigit()
    assert completed["TMSD_OPERATOR"] == "root" and completed["TMSD_METHOD"] == "io.tmsd.Clinic.CompleteSession"
    assert completed["CODE_FILE"].endswith("TMSService/Sessions.swift") and completed["CODE_LINE"].isdigit()
    assert completed["CODE_FUNC"].startswith("completeSession")
    assert by_message["refused"]["PRIORITY"] == "5" and by_message["refused"]["TMSD_ERROR"] in (
        "NotTodaysSession", "IntensityAboveMachineOutput", "DuplicateMRN")
    assert {"session missed", "session aborted", "course prescribed", "patient registered", "authorization recorded",
            "booked beyond the authorization"} <= by_message.keys()
    assert by_message["booked beyond the authorization"]["TMSD_COURSE"] == "1"
    # No name, birth date or MRN anywhere in what the journal received.
    from journal_driver import BORN, EMAIL, MRN, NAME, PATH_TEXT, PHONE, REFERRER
    assert {"patient corrected", "patient contact details changed", "day closed"} <= by_message.keys()
    assert {"referral recorded", "consultation booked", "consultation outcome recorded", "evaluation item recorded",
            "strategy recorded", "strategy stopped"} <= by_message.keys()
    assert by_message["strategy recorded"]["TMSD_STRATEGY"] == "1" and by_message["strategy recorded"]["TMSD_PATIENT"] == "2"
    # (The phone and address whole: a shorter run of digits turns up in the kernel's own lines.)
    for secret in [*NAME, MRN, BORN, "Quixot", "Zebul", EMAIL, PHONE, "zebulon.q", REFERRER, "Vorobyov", *PATH_TEXT]:
        assert secret not in text, secret


def test_console_logging_when_stderr_is_not_the_journal(tmp_dir):
    d = Daemon(tmp_dir, extra_args=["--log-level", "notice"]).start()
    try:
        add_patient(d)
        d.tmsctl("patient", "show", "99", check=False)
    finally:
        d.stop()
    log = d.log.read_text()
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ notice refused .*tmsd_error=PatientNotFound", log, re.M), log
    assert "patient registered" not in log, "info lines are below --log-level notice"


# Shutdown -----------------------------------------------------------------

def test_sigterm_during_a_burst_of_writes_loses_nothing_acknowledged(tmp_dir):
    d = Daemon(tmp_dir, config_text="[daemon]\nshutdown-timeout = 20\n" + TEST_CONFIG).start()
    acknowledged = []
    lock = threading.Lock()
    started = threading.Barrier(7)

    def writer(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.socket)
        s.settimeout(30)
        started.wait()
        i = 0
        try:
            while True:
                s.sendall(json.dumps({"method": "io.tmsd.Clinic.AddPatient", "parameters": {
                    "mrn": f"B{n}-{i}", "familyName": "Burst", "givenName": str(i), "birthDate": "1980-01-01"}}).encode()
                          + b"\0")
                data = b""
                while b"\0" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                reply = json.loads(data.split(b"\0")[0])
                with lock:
                    acknowledged.append(reply["parameters"]["patient"]["mrn"])
                i += 1
        except (ConnectionResetError, BrokenPipeError):
            return
        finally:
            s.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    started.wait()
    while len(acknowledged) < 60:
        time.sleep(0.01)
    began = time.monotonic()
    d.process.send_signal(signal.SIGTERM)
    assert d.process.wait(25) == 0
    assert time.monotonic() - began < 20, "stopped within the grace period"
    for t in threads:
        t.join(30)
    with sqlite3.connect(d.database) as db:
        stored = {row[0] for row in db.execute("SELECT mrn FROM patient")}
        audits = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    assert set(acknowledged) <= stored, "an acknowledged write was lost"
    assert audits == len(stored), "every stored record has its audit row, and no more"
    assert integrity == "ok"
