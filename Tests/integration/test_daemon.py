"""tmsd's command line and config file, and how it starts and stops."""
import os
import subprocess

from conftest import TMSD, Daemon


def run_tmsd(*args):
    return subprocess.run([TMSD, *args], capture_output=True, text=True, timeout=30)


def test_check_config_prints_the_resolved_configuration(tmp_dir):
    config = tmp_dir / "tmsd.conf"
    config.write_text('[daemon]\nsocket = "/srv/a.sock"\n[clinic]\ntime-zone = "Europe/Berlin"\ndays = ["mon", "wed"]\n')
    result = run_tmsd("--config", str(config), "--check-config", "--database", "/srv/flag.sqlite")
    assert result.returncode == 0, result.stderr
    assert 'socket = "/srv/a.sock"' in result.stdout
    assert 'database = "/srv/flag.sqlite"' in result.stdout, "flags override the file"
    assert 'time-zone = "Europe/Berlin"' in result.stdout and 'days = ["mon", "wed"]' in result.stdout


def test_check_config_names_each_error_with_its_line(tmp_dir):
    config = tmp_dir / "bad.conf"
    config.write_text('[daemon]\nlog-level = "loud"\n\n[clinic]\nholidays = ["2026-12-32"]\nopen = true\n')
    result = run_tmsd("--config", str(config), "--check-config")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert f"{config}:2: daemon.log-level: 'loud' is not one of" in lines[0]
    assert any(line.startswith(f"{config}:5: clinic.holidays: '2026-12-32' is not a date") for line in lines)
    assert any(line.startswith(f"{config}:6: clinic.open: unknown key") for line in lines)


def test_a_clinic_name_that_would_break_a_mail_header_is_refused(tmp_dir):
    """The clinic's name heads the report and the mail's Subject: a line break in it is a named error."""
    config = tmp_dir / "bad.conf"
    config.write_text('[clinic]\nname = "Clinic\\r\\nBcc: everyone@example.org"\n')
    result = run_tmsd("--config", str(config), "--check-config")
    assert result.returncode != 0
    assert f"{config}:2: clinic.name: must be 1 to 200 characters on one line" in result.stderr, result.stderr


def test_a_config_file_named_on_the_command_line_must_exist(tmp_dir):
    result = run_tmsd("--config", str(tmp_dir / "absent.conf"), "--check-config")
    assert result.returncode != 0 and "absent.conf: no such file" in result.stderr


def test_runs_with_no_config_file_at_all(tmp_dir):
    # Built-in defaults; only the paths come from flags (the default file may be absent).
    d = Daemon(tmp_dir)
    d.config.unlink()
    d.config = None
    import signal, socket, time
    notify_path = str(tmp_dir / "n.sock")
    n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    n.bind(notify_path)
    n.settimeout(20)
    p = subprocess.Popen([TMSD, "--socket", d.socket, "--database", d.database], stderr=subprocess.DEVNULL,
                         env=dict(os.environ, NOTIFY_SOCKET=notify_path))
    try:
        assert b"READY=1" in n.recv(4096)
        assert d.tmsctl_json("protocol", "show", "itbs")["protocol"]["pulsesPerSession"] == 600
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(20) == 0
        n.close()


def test_refuses_a_socket_directory_open_to_others(tmp_dir):
    open_dir = tmp_dir / "open"
    open_dir.mkdir()
    os.chmod(open_dir, 0o777)
    result = run_tmsd("--socket", str(open_dir / "tmsd.sock"), "--database", str(tmp_dir / "db.sqlite"))
    assert result.returncode == 1
    assert "is open to others" in result.stderr
    assert not (open_dir / "tmsd.sock").exists()


def test_refuses_a_database_directory_open_to_others(tmp_dir):
    open_dir = tmp_dir / "records"
    open_dir.mkdir()
    os.chmod(open_dir, 0o755)
    result = run_tmsd("--socket", str(tmp_dir / "tmsd.sock"), "--database", str(open_dir / "db.sqlite"))
    assert result.returncode == 1
    assert f"The database directory {open_dir} is open to others (mode 755)" in result.stderr, result.stderr
    assert not (open_dir / "db.sqlite").exists()


def test_the_database_files_are_tmsds_alone_outside_systemd(daemon):
    """Whatever umask it was started with, tmsd creates its records 0600 (-wal and -shm take the file's mode)."""
    import stat
    from conftest import add_patient
    add_patient(daemon)
    for suffix in ("", "-wal", "-shm"):
        mode = stat.S_IMODE(os.stat(daemon.database + suffix).st_mode)
        assert mode == 0o600, (suffix, oct(mode))
    assert stat.S_IMODE(os.stat(daemon.socket).st_mode) & 0o007 == 0


def test_sigterm_stops_cleanly_and_removes_the_socket(tmp_dir):
    d = Daemon(tmp_dir).start()
    assert os.path.exists(d.socket)
    assert d.stop() == 0
    assert not os.path.exists(d.socket)


def test_help_documents_every_option():
    result = run_tmsd("--help")
    for option in ["--config", "--socket", "--database", "--log-level", "--check-config", "--initialize"]:
        assert option in result.stdout


def test_tmsd_run_by_an_ordinary_user_is_undumpable(tmp_dir):
    """tmsd started as nobody: not even nobody's other processes may read its
    memory or environment (/proc/PID/environ, mem), which they may for any
    dumpable process of theirs, as the `sleep` beside it shows."""
    import pwd
    import shutil
    import time
    from conftest import TEST_CONFIG
    nobody = pwd.getpwnam("nobody")
    os.chmod(tmp_dir, 0o755)
    home = tmp_dir / "nobody"
    home.mkdir(mode=0o700)
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    tmsd = tmp_dir / "tmsd"  # the build tree may be where nobody cannot go
    shutil.copy2(TMSD, tmsd)
    config = tmp_dir / "tmsd.conf"
    config.write_text(TEST_CONFIG)
    os.chmod(config, 0o644)
    sock = home / "tmsd.sock"
    p = subprocess.Popen([str(tmsd), "--config", str(config), "--socket", str(sock), "--database", str(home / "db.sqlite")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, user="nobody", group=nobody.pw_gid,
                         extra_groups=[])
    sleeper = subprocess.Popen(["sleep", "60"], user="nobody", group=nobody.pw_gid, extra_groups=[])
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert p.poll() is None, p.stderr.read().decode()
            assert time.monotonic() < deadline, "tmsd made no socket"
            time.sleep(0.05)
        status = open(f"/proc/{p.pid}/status").read()
        assert f"Uid:\t{nobody.pw_uid}\t" in status

        def read_as_nobody(path):
            return subprocess.run(["cat", path], capture_output=True, user="nobody", group=nobody.pw_gid,
                                  extra_groups=[])

        assert read_as_nobody(f"/proc/{sleeper.pid}/environ").returncode == 0
        for what in ("environ", "mem"):
            r = read_as_nobody(f"/proc/{p.pid}/{what}")
            assert r.returncode != 0 and b"Permission denied" in r.stderr, (what, r.stderr)
        # The kernel hands an undumpable process's /proc files to root.
        assert os.stat(f"/proc/{p.pid}/environ").st_uid == 0
        assert os.stat(f"/proc/{sleeper.pid}/environ").st_uid == nobody.pw_uid
    finally:
        sleeper.kill()
        p.terminate()
        p.wait(20)
        sleeper.wait()
