"""A throwaway PostgreSQL 15 cluster for the network tests: made by initdb as
the unprivileged user nobody in a temporary directory, listening on a Unix
socket there and on no TCP port, with a password for the role tmsd, and
stopped by its postmaster's PID."""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "central-secret-for-tests"


def make_certificates(directory: Path, name="localhost"):
    """A CA of its own and a server certificate it signs for the host name
    `name` (and no address), made by openssl under libfaketime so that they are valid from
    2025 to 2035, whatever date a test's clinic clock says. Returns the CA's
    certificate, the server's certificate and the server's key (PEM files)."""
    directory.mkdir(mode=0o700)
    # libfaketime preloaded straight, not through the faketime wrapper (whose named semaphores can clash).
    env = dict(os.environ, LD_PRELOAD="/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", FAKETIME="@2025-01-01 00:00:00")
    def openssl(*args):
        result = subprocess.run(["openssl", *[str(a) for a in args]], capture_output=True, text=True, timeout=60, cwd=directory,
                                env=env)
        assert result.returncode == 0, f"openssl {args[0]}: {result.stderr}"
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *new_key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-subj", "/CN=tmsd test CA")
    openssl("req", *new_key, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={name}")
    (directory / "san.ext").write_text(f"subjectAltName=DNS:{name}\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
            "-days", "3650", "-extfile", "san.ext")
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, directory: Path, durable=False, tls=False):
        """`durable`: the server fsyncs its commits (the benchmark's); the tests' does not.
        `tls`: it also listens on a loopback TCP port, where it takes TLS
        connections only, its certificate signed by a CA of its own (`self.ca`)."""
        self.durable = durable
        self.tls = tls
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
        self.port = free_port() if tls else 5432
        self.socket = str(self.sockets / f".s.PGSQL.{self.port}")
        self.run_as_nobody([BIN / "initdb", "-D", self.data, "-U", "tmsd", "--auth=scram-sha-256",
                            f"--pwfile={self.password_file}", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        if tls:
            self.ca, certificate, key = make_certificates(directory / "tls")
            for made in (certificate, key):
                shutil.copy(made, self.data / made.name)
                os.chown(self.data / made.name, nobody.pw_uid, nobody.pw_gid)
                os.chmod(self.data / made.name, 0o600)
            # The socket for psql, and TCP with TLS alone: no plain host line.
            (self.data / "pg_hba.conf").write_text("local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
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
        options = f"-k {self.sockets} -p {self.port}" + ("" if self.durable else " -c fsync=off")
        if self.tls:
            options += " -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key"
        else:
            options += " -c listen_addresses=''"
        self.run_as_nobody([BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o", options, "start"])

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
        result = self.run_as_nobody([BIN / "psql", "-h", self.sockets, "-p", str(self.port), "-U", "tmsd", "-d", database, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                     "-c", sql], env=dict(os.environ, PGPASSWORD=PASSWORD))
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def tls_config(self, site, ca=None, tls=None, host="localhost"):
        """[network] for `site` over TCP to the loopback port, verifying the server against `ca` (its own CA by default)."""
        return (f'\n[network]\nsite = "{site}"\nhost = "{host}"\nport = {self.port}\ndatabase = "tmsd"\nuser = "tmsd"\n'
                f'password-file = "{self.credential}"\n' + (f'tls = "{tls}"\n' if tls else f'ca-file = "{ca or self.ca}"\n'))

    def network_config(self, site, batch=None):
        return (f'\n[network]\nsite = "{site}"\nsocket = "{self.socket}"\ndatabase = "tmsd"\nuser = "tmsd"\n'
                f'password-file = "{self.credential}"\n' + (f"batch = {batch}\n" if batch else ""))
