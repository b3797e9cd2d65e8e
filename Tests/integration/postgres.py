"""A throwaway PostgreSQL 15 cluster for the network tests: made by initdb as
the unprivileged user nobody in a temporary directory, listening on a Unix
socket there and on no TCP port, with a password for the role tmsd, and
stopped by its postmaster's PID."""
import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "central-secret-for-tests"


class Postgres:
    def __init__(self, directory: Path, durable=False):
        """`durable`: the server fsyncs its commits (the benchmark's); the tests' does not."""
        self.durable = durable
        nobody = pwd.getpwnam("nobody")
        self.root = directory
        self.data = directory / "data"
        self.sockets = directory / "run"
        self.log = directory / "postgres.log"
        directory.mkdir(mode=0o700)
        self.sockets.mkdir(mode=0o700)
        os.chown(directory, nobody.pw_uid, nobody.pw_gid)
        os.chown(self.sockets, nobody.pw_uid, nobody.pw_gid)
        self.password_file = directory / "password"
        self.password_file.write_text(PASSWORD + "\n")
        os.chown(self.password_file, nobody.pw_uid, nobody.pw_gid)
        self.socket = str(self.sockets / ".s.PGSQL.5432")
        self.run_as_nobody([BIN / "initdb", "-D", self.data, "-U", "tmsd", "--auth=scram-sha-256",
                            f"--pwfile={self.password_file}", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        # The password tmsd reads: a copy of its own, root's (as systemd's LoadCredential= hands one over).
        self.credential = directory.parent / "central-password"
        shutil.copy(self.password_file, self.credential)
        os.chmod(self.credential, 0o600)
        self.start()
        self.psql("postgres", "CREATE DATABASE tmsd")

    def run_as_nobody(self, argv, **kwargs):
        result = subprocess.run([str(a) for a in argv], user="nobody", group=pwd.getpwnam("nobody").pw_gid,
                                capture_output=True, text=True, timeout=60, cwd=self.root, **kwargs)
        assert result.returncode == 0, f"{argv[0]}: {result.stdout}{result.stderr}"
        return result

    def start(self):
        self.run_as_nobody([BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o",
                            f"-k {self.sockets} -c listen_addresses=''" + ("" if self.durable else " -c fsync=off"), "start"])

    def pid(self):
        return int((self.data / "postmaster.pid").read_text().split("\n")[0])

    def stop(self):
        """Stops the server by its postmaster's PID (a fast shutdown), and waits for it to be gone."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = self.pid()
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 30
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_file.exists(), "postgres did not stop"

    def psql(self, database, sql):
        """Runs `sql`; returns its rows, each a list of text (unaligned, tab-separated)."""
        result = self.run_as_nobody([BIN / "psql", "-h", self.sockets, "-U", "tmsd", "-d", database, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                     "-c", sql], env=dict(os.environ, PGPASSWORD=PASSWORD))
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def network_config(self, site, batch=None):
        return (f'\n[network]\nsite = "{site}"\nsocket = "{self.socket}"\ndatabase = "tmsd"\nuser = "tmsd"\n'
                f'password-file = "{self.credential}"\n' + (f"batch = {batch}\n" if batch else ""))
