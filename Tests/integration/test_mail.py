"""The nightly report by mail, with real parts: an SMTP server on loopback
(aiosmtpd), msmtp as /usr/sbin/sendmail, and the cron line's command run as
written."""
import email
import email.policy
import mailbox
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, TMSCTL, add_course, add_patient, today_utc

CRON = (ROOT / "config/tmsd.cron").read_text()


def cron_command():
    """The command of the cron line: after five time fields and the user."""
    line = next(l for l in CRON.splitlines() if l and not l.startswith("#") and "=" not in l.split()[0])
    command = line.split(None, 6)[6]
    assert "%" not in command, "cron would turn % into a newline"
    return command


@pytest.fixture
def smtp(tmp_dir):
    """aiosmtpd on a free loopback port, delivering into a maildir; msmtp configured to use it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    maildir = tmp_dir / "maildir"
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "aiosmtpd did not listen"
            time.sleep(0.05)
    home = tmp_dir / "home"
    home.mkdir()
    rc = home / ".msmtprc"
    rc.write_text(f"defaults\nauth off\ntls off\n\naccount default\nhost 127.0.0.1\nport {port}\nfrom tmsd@example.org\n")
    os.chmod(rc, 0o600)
    try:
        yield home, maildir
    finally:
        server.terminate()
        server.wait(10)


def run_cron(d, home, socket_path):
    command = cron_command().replace("/usr/bin/tmsctl", TMSCTL)
    env = dict(os.environ, HOME=str(home), TMSD_SOCKET=socket_path)
    return subprocess.run(["/bin/bash", "-c", command], capture_output=True, text=True, env=env, timeout=60)


def test_the_cron_line_mails_the_days_report(daemon, smtp):
    home, maildir = smtp
    p = add_patient(daemon, family="Quill", given="Ada")["id"]
    course = add_course(daemon, p, "10hz-ldlpfc", today_utc())
    daemon.tmsctl("session", "complete", str(course["sessions"][0]["id"]), "--mt", "55")
    result = run_cron(daemon, home, daemon.socket)
    assert result.returncode == 0, result.stderr
    messages = list(mailbox.Maildir(str(maildir), factory=None))
    assert len(messages) == 1
    message = email.message_from_bytes(messages[0].as_bytes(), policy=email.policy.default)
    assert message["To"] == "clinic@example.org" and message["From"] == "tmsd@example.org"
    assert message["Subject"] == f"Test clinic: daily report {today_utc()}"
    assert message["Date"] and message["Message-ID"].endswith("@example.org>")
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.get_payload()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    body = text.get_content()
    assert "Sessions: 1 done, 0 missed, 0 aborted" in body and "Pulses: 3000 delivered of 3000 prescribed" in body
    assert "Billing: 90867 x 1" in body and "Quill" not in body
    assert "<h1>Test clinic: " in html.get_content()
    assert attachment.get_filename() == f"tmsd-{today_utc()}.csv"
    rows = attachment.get_content().strip().splitlines()
    assert rows[0].startswith("date,time,chair,patient") and len(rows) == 2 and ",completed," in rows[1]


def test_a_day_without_sessions_is_still_sent(daemon, smtp):
    home, maildir = smtp
    assert run_cron(daemon, home, daemon.socket).returncode == 0
    messages = list(mailbox.Maildir(str(maildir), factory=None))
    assert len(messages) == 1
    text = email.message_from_bytes(messages[0].as_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()
    assert "No sessions were booked on" in text


def test_an_unreachable_daemon_mails_nothing_half_made(tmp_dir, smtp):
    home, maildir = smtp
    result = run_cron(None, home, str(tmp_dir / "absent.sock"))
    assert result.returncode != 0
    assert result.stderr.startswith("tmsctl: cannot reach tmsd at") and result.stderr.count("\n") == 1
    assert not maildir.exists() or list(mailbox.Maildir(str(maildir), factory=None)) == []


@pytest.mark.parametrize("args,message", [
    (["--format", "email"], "needs --to"),
    (["--format", "email", "--to", "not an address"], "is not an e-mail address"),
    (["--format", "pdf"], "--format must be"),
    (["--date", "2026-02-30"], "is not a date"),
])
def test_bad_report_options_are_usage_errors(daemon, args, message):
    result = daemon.tmsctl("report", "daily", *args, check=False)
    assert result.returncode == 64 and message in result.stderr and result.stderr.count("\n") == 1
