"""Integration harness: the built tmsd on a temporary socket and database.

The daemon is started with NOTIFY_SOCKET pointing at a datagram socket of
ours, and the harness waits for its READY=1 (with a timeout), never on a
sleep. Every fixture stops what it started on success and on failure.

The clinic's clock: every daemon the harness starts runs under libfaketime
(Debian's faketime), its clock set by a file of its own, so a test does not
depend on the day it runs and can move a daemon's day on (`travel`) to
treat the next session on its own day. Real time goes on passing from
there. The clock starts on Wednesday 2026-12-02 at 08:00 UTC.
"""
import calendar
import datetime
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TMSD = os.environ.get("TMSD", str(ROOT / ".build/debug/tmsd"))
TMSCTL = os.environ.get("TMSCTL", str(ROOT / ".build/debug/tmsctl"))
PYTHON = sys.executable
ROOT_GROUP = grp.getgrgid(os.getgid()).gr_name

FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
CLINIC_START = calendar.timegm((2026, 12, 2, 8, 0, 0))
# Seconds from real time to the clinic's, for every daemon that has not travelled.
OFFSET = CLINIC_START - int(time.time())


def clinic_now(offset=OFFSET):
    """The clinic's instant, as a daemon at `offset` sees it."""
    return datetime.datetime.fromtimestamp(time.time() + offset, datetime.timezone.utc)


def today_utc():
    """The clinic's date today (UTC, the test clinic's zone), for daemons that have not travelled."""
    return clinic_now().date().isoformat()


def days_ago(n, offset=OFFSET):
    return (clinic_now(offset).date() - datetime.timedelta(days=n)).isoformat()


def faked_clock(clock_file, env):
    """The command prefix and environment that run a program on the clock in `clock_file`.
    (Started through env: libfaketime preloaded straight into a Swift program started by
    Python loses the program's arguments.)"""
    return ["/usr/bin/env"], dict(env, LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=str(clock_file), FAKETIME_NO_CACHE="1",
                                  FAKETIME_DONT_FAKE_MONOTONIC="1")

TEST_CONFIG = """
[clinic]
name = "Test clinic"
time-zone = "UTC"
days = ["mon", "tue", "wed", "thu", "fri"]
holidays = ["2026-12-25", "2027-01-01"]
session-time = "09:00"
# Days are closed by hand (CloseDay), so no session turns into a no-show while a test travels;
# test_no_shows.py runs tmsd's own close.
day-close = "off"

[roles]
clinician = ["%s"]
auditor = ["%s"]
backup = ["%s"]
""" % (ROOT_GROUP, ROOT_GROUP, ROOT_GROUP)


class Daemon:
    """A running tmsd and what a test needs to talk to it."""

    def __init__(self, directory: Path, config_text: str = TEST_CONFIG, extra_args=()):
        self.directory = directory
        self.socket = str(directory / "tmsd.sock")
        self.database = str(directory / "tmsd.sqlite")
        self.config = directory / "tmsd.conf"
        self.config.write_text(config_text)
        self.log = directory / "tmsd.log"
        self.extra_args = list(extra_args)
        self.process = None
        self.clock = directory / "clock"
        self.offset = OFFSET
        self.clock.write_text(f"{self.offset:+d}\n")

    def travel(self, days=0, hours=0, minutes=0):
        """Moves this daemon's clock on (at once: it reads the clock file on every reading)."""
        self.offset += int(days * 86400 + hours * 3600 + minutes * 60)
        self.clock.write_text(f"{self.offset:+d}\n")

    def travel_to(self, date):
        """Moves this daemon's clock on to `date` (ISO), keeping the time of day."""
        self.travel(days=(datetime.date.fromisoformat(date) - self.now().date()).days)

    def now(self):
        return clinic_now(self.offset)

    def today(self):
        return self.now().date().isoformat()

    def start(self, timeout=20.0):
        notify_path = str(self.directory / "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(timeout)
        prefix, env = faked_clock(self.clock, dict(os.environ, NOTIFY_SOCKET=notify_path))
        self.process = subprocess.Popen(
            [*prefix, TMSD, "--config", str(self.config), "--socket", self.socket, "--database", self.database, *self.extra_args],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"), env=env)
        deadline = time.monotonic() + timeout
        try:
            while True:
                # In short waits, so a tmsd that exited (a refused config or database) is told at once.
                notify.settimeout(max(0.01, min(0.1, deadline - time.monotonic())))
                try:
                    message = notify.recv(4096).decode()
                except socket.timeout:
                    if self.process.poll() is not None:
                        raise AssertionError(f"tmsd exited ({self.process.returncode}) before READY=1:\n{self.log.read_text()}")
                    if time.monotonic() < deadline:
                        continue
                    raise AssertionError(f"tmsd sent no READY=1 within {timeout} s:\n{self.log.read_text()}")
                if "READY=1" in message.split("\n"):
                    self.ready_message = message  # with its STATUS=
                    return self
        finally:
            notify.close()

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("tmsd did not stop within %s s" % timeout)
        return self.process.returncode if self.process else None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    # Clients -----------------------------------------------------------------

    def tmsctl(self, *args, check=True, input=None):
        """Runs the built tmsctl (`input` on its stdin); returns (exit status, stdout, stderr)."""
        result = subprocess.run([TMSCTL, *args],
                                capture_output=True, text=True, timeout=30, input=input,
                                env=dict(os.environ, TMSD_SOCKET=self.socket))
        if check and result.returncode != 0:
            raise AssertionError(f"tmsctl {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def tmsctl_json(self, *args, input=None):
        return json.loads(self.tmsctl(*args, "--json", input=input).stdout)

    def varlink_cli(self, *args):
        """The reference client's command line: python3 -m varlink.cli."""
        return subprocess.run([PYTHON, "-m", "varlink.cli", *args], capture_output=True, text=True, timeout=30)

    def call(self, method, /, **parameters):
        """One call through the reference Python client library."""
        import varlink
        interface, _, name = method.rpartition(".")
        with varlink.Client(address=f"unix:{self.socket}") as client:
            with client.open(interface, namespaced=False) as connection:
                return getattr(connection, name)(**parameters)

    def tmsctl_raw(self, timeout=30.0):
        """A connected socket to this daemon, closed when the `with` ends."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.socket)
        return s

    def raw(self, payload: bytes, read=True, timeout=5.0):
        """Sends bytes on a fresh connection; returns the first frame or b'' if closed."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.socket)
        try:
            s.sendall(payload)
            if not read:
                return None
            data = b""
            while b"\0" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    return data
                data += chunk
            return data.split(b"\0", 1)[0]
        finally:
            s.close()

    def dump(self):
        """Every stored row, to show a refusal changed nothing: the audit's
        record of refusals aside, which `refusals` reads."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            present = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            tables = ("patient", "course", "session", "payer_authorization", "authorization_extension",
                      "patient_search", "patient_status", "patient_contact", "patient_correction", "medication",
                      "referral", "consultation", "evaluation_entry", "strategy", "strategy_dose_step",
                      "strategy_side_effect", "strategy_medication")
            rows = {table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
                    for table in tables if table in present}
            # (A database from before refusals were audited has no `error` column: every row is a change.)
            refusals_kept = "error" in [c[1] for c in db.execute("PRAGMA table_info(audit)")]
            rows["audit"] = db.execute(
                f"SELECT * FROM audit {'WHERE error IS NULL' if refusals_kept else ''} ORDER BY id").fetchall()
            return rows

    def refusals(self):
        """The audit's refused calls, oldest first: (method, error, user, summary)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            return db.execute("SELECT method, error, user, summary FROM audit WHERE error IS NOT NULL ORDER BY id").fetchall()


@pytest.fixture
def tmp_dir():
    with tempfile.TemporaryDirectory(prefix="tmsd-it-") as d:
        os.chmod(d, 0o750)
        yield Path(d)


@pytest.fixture
def daemon(tmp_dir):
    d = Daemon(tmp_dir).start()
    try:
        yield d
    finally:
        d.stop()


def start_where_nobody_reaches(tmp_dir, config_text=TEST_CONFIG):
    """tmsd on a socket `nobody` can reach: a setgid directory of group nogroup,
    so the socket tmsd binds there is nogroup's too (tmsd's umask is 007).
    The build tree may sit under a directory only root can enter (a clone in
    mktemp -d), so nobody runs its own copy of tmsctl from the test directory."""
    nobody = pwd.getpwnam("nobody")
    directory = tmp_dir / "shared"
    directory.mkdir()
    os.chown(directory, 0, nobody.pw_gid)
    os.chmod(directory, 0o2750)
    os.chmod(tmp_dir, 0o755)
    tmsctl = tmp_dir / "tmsctl"
    shutil.copy2(TMSCTL, tmsctl)
    os.chmod(tmsctl, 0o755)
    d = Daemon(tmp_dir, config_text=config_text)
    d.socket = str(directory / "tmsd.sock")
    records = tmp_dir / "records"  # tmsd refuses a database directory others may enter, as tmp_dir now is
    records.mkdir(mode=0o700)
    d.database = str(records / "tmsd.sqlite")
    d.tmsctl_for_nobody = str(tmsctl)
    return d.start()


def nobodys_group():
    return grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name


def with_nobody_as_operator(config_text=TEST_CONFIG):
    return config_text.replace(f'clinician = ["{ROOT_GROUP}"]',
                               f'clinician = ["{ROOT_GROUP}"]\noperator = ["{nobodys_group()}"]')


def as_nobody(d, *args):
    """tmsctl run as nobody, with nobody's group and no other, against `d`."""
    return subprocess.run([d.tmsctl_for_nobody, *args, "--socket", d.socket], capture_output=True, text=True,
                          timeout=30, user="nobody", group=nobodys_group(), extra_groups=[])




def refused(d, method, /, **parameters):
    """The named error a call gets through the reference client, and its
    parameters; the stored rows are as they were."""
    import varlink
    before = d.dump()
    with pytest.raises(varlink.VarlinkError) as caught:
        d.call(method, **parameters)
    assert d.dump() == before, f"{method} was refused but changed something"
    return caught.value.error().rpartition(".")[2], caught.value.parameters()


def add_patient(d, mrn="MRN-1", family="Doe", given="Jane", born="1980-02-03"):
    """A patient registered as the README says: the identifiers on stdin, not on the command line."""
    identity = f"mrn: {mrn}\nfamily-name: {family}\ngiven-name: {given}\nbirth-date: {born}\n"
    return d.tmsctl_json("patient", "add", "--identity", "-", input=identity)["patient"]


def add_course(d, patient_id, protocol="10hz-ldlpfc", start=None, *extra, measure=True, screen=True):
    """A course, its safety screen (clear) and its motor threshold measured today, as a clinic does first."""
    course = d.tmsctl_json("course", "create", "--patient", str(patient_id), "--protocol", protocol,
                           "--start", start or today_utc(), "--prescriber", "Dr. A", *extra)
    if screen:
        d.tmsctl("screen", "record", str(course["course"]["id"]))
    if measure:
        d.tmsctl("mt", "record", str(course["course"]["id"]), "--value", "55", "--method", "emg")
    return course
