"""The nightly report by mail, with real parts: an SMTP server on loopback
(aiosmtpd), msmtp as /usr/sbin/sendmail, and the cron line's command run as
written."""
import email
import email.policy
import json
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


SCRIPT = ROOT / "config/tmsd-mail-report"


def run_cron(d, home, socket_path):
    """The cron line's command as written, with the repository's script and the built tmsctl."""
    command = cron_command()
    assert command.startswith("/usr/libexec/tmsd/mail-report ")
    command = command.replace("/usr/libexec/tmsd/mail-report", str(SCRIPT))
    env = dict(os.environ, HOME=str(home), TMSD_SOCKET=socket_path, TMSCTL=TMSCTL)
    return subprocess.run(["/bin/sh", "-c", command], capture_output=True, text=True, env=env, timeout=60)


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
    assert "<h1>Test clinic: " in html.get_content() and "<p>Billing: 90867 x 1</p>" in html.get_content()
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
    assert result.returncode == 69, "tmsctl's status: unreachable"
    assert result.stderr.startswith("tmsd-mail-report: no report sent: tmsctl: cannot reach tmsd at")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not maildir.exists() or list(mailbox.Maildir(str(maildir), factory=None)) == []


def test_the_failure_also_reaches_the_journal(tmp_dir):
    """A real journald in a private mount namespace; the script run with tmsd unreachable."""
    out = tmp_dir / "journal.json"
    status = tmp_dir / "status"
    inner = (f"TMSD_SOCKET={tmp_dir}/absent.sock TMSCTL={TMSCTL} {SCRIPT} clinic@example.org tmsd@example.org "
             f"2>{tmp_dir}/stderr; echo $? > {status}")
    result = subprocess.run(["unshare", "-m", str(ROOT / "Tests/integration/journal_namespace.sh"), str(out),
                             "/bin/sh", "-c", inner], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert status.read_text().strip() == "69"
    line = (tmp_dir / "stderr").read_text().strip()
    entries = [json.loads(l) for l in out.read_text().splitlines()]
    ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "tmsd-report"]
    assert [(e["MESSAGE"], e["PRIORITY"]) for e in ours] == [(line, "3")], ours
    assert "cannot reach tmsd at" in line


def failing_sendmail(tmp_dir):
    """A sendmail that reads its message and fails as an unreachable relay does (exit 75)."""
    failing = tmp_dir / "sendmail"
    failing.write_text("#!/bin/sh\ncat >/dev/null\necho 'sendmail: cannot connect to mail.example.org' >&2\nexit 75\n")
    failing.chmod(0o755)
    return failing


def test_a_sendmail_that_fails_is_reported_too(daemon, tmp_dir):
    failing = failing_sendmail(tmp_dir)
    result = subprocess.run([str(SCRIPT), "clinic@example.org"], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, TMSD_SOCKET=daemon.socket, TMSCTL=TMSCTL, SENDMAIL=str(failing)))
    assert result.returncode == 75
    assert result.stderr == ("tmsd-mail-report: sendmail -t failed (exit 75): "
                             "sendmail: cannot connect to mail.example.org\n")


@pytest.mark.parametrize("args,message", [
    (["--format", "email"], "needs --to"),
    (["--format", "email", "--to", "not an address"], "is not an e-mail address"),
    (["--format", "email", "--to", "clinic@example..org"], "is not an e-mail address"),
    (["--format", "email", "--to", "clinic@"], "is not an e-mail address"),
    (["--format", "email", "--to", "a@b.org", "--from", "x@y.org\r\nBcc: all@evil.org"], "is not an e-mail address"),
    (["--format", "pdf"], "--format must be"),
    (["--date", "2026-02-30"], "is not a date"),
])
def test_bad_report_options_are_usage_errors(daemon, args, message):
    result = daemon.tmsctl("report", "daily", *args, check=False)
    assert result.returncode == 64 and message in result.stderr and result.stderr.count("\n") == 1


REMINDERS = ROOT / "config/tmsd-mail-reminders"


def reminder_command():
    """The cron line that sends the reminders, as written."""
    line = next(l for l in CRON.splitlines() if "mail-reminders" in l and not l.startswith("#"))
    command = line.split(None, 6)[6]
    assert "%" not in command and command.startswith("/usr/libexec/tmsd/mail-reminders ")
    return command.replace("/usr/libexec/tmsd/mail-reminders", str(REMINDERS))


def test_day_before_reminders_go_to_those_who_asked_and_say_nothing_clinical(daemon, smtp):
    home, maildir = smtp
    asked = add_patient(daemon, "MRN-1", "Quill", "Ada")["id"]
    silent = add_patient(daemon, "MRN-2", "Roe", "Rita")["id"]
    gone = add_patient(daemon, "MRN-3", "Poe", "Edgar")["id"]
    for p in (asked, silent, gone):
        add_course(daemon, p, "10hz-ldlpfc", today_utc())
    daemon.tmsctl("patient", "contact", str(asked), "--email", "ada@example.org", "--reminders")
    daemon.tmsctl("patient", "contact", str(silent), "--email", "rita@example.org")  # no reminders asked for
    daemon.tmsctl("patient", "contact", str(gone), "--email", "edgar@example.org", "--reminders")
    listed = daemon.tmsctl_json("remind")
    tomorrow = listed["date"]
    assert [(r["patientId"], r["email"]) for r in listed["reminders"]] == [(asked, "ada@example.org"), (gone, "edgar@example.org")]
    [ada] = [r for r in listed["reminders"] if r["patientId"] == asked]
    assert "ada@example.org" in daemon.tmsctl("remind").stdout
    # An inactive patient is reminded of nothing (a course under way cannot be inactive: cancel it first).
    [course] = daemon.tmsctl_json("course", "list", "--patient", str(gone))["courses"]
    daemon.tmsctl("course", "cancel", str(course["id"]), "--reason", "moved away")
    daemon.tmsctl("patient", "inactivate", str(gone), "--reason", "moved away")
    env = dict(os.environ, HOME=str(home), TMSD_SOCKET=daemon.socket, TMSCTL=TMSCTL)
    result = subprocess.run(["/bin/sh", "-c", reminder_command()], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == "", result.stderr
    messages = list(mailbox.Maildir(str(maildir), factory=None))
    assert len(messages) == 1
    message = email.message_from_bytes(messages[0].as_bytes(), policy=email.policy.default)
    assert message["To"] == "ada@example.org" and message["From"] == "tmsd@example.org"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    weekday = __import__("datetime").date.fromisoformat(tomorrow).strftime("%A")
    assert body.startswith(f"This is a reminder of your appointment at Test clinic on {weekday} {tomorrow} at {ada['times'][0]}.")
    for clinical in ["TMS", "Hz", "session", "course", "MRN", "Quill", "10hz"]:
        assert clinical not in body and clinical not in message["Subject"], clinical
    # Nothing of it in tmsd's log.
    assert "ada@example.org" not in daemon.log.read_text()


def test_a_reminder_sendmail_refuses_is_counted_not_named(daemon, tmp_dir):
    p = add_patient(daemon)["id"]
    add_course(daemon, p, "10hz-ldlpfc", today_utc())
    daemon.tmsctl("patient", "contact", str(p), "--email", "jane@example.org", "--reminders")
    failing = failing_sendmail(tmp_dir)
    result = subprocess.run([str(REMINDERS), "tmsd@example.org"], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, TMSD_SOCKET=daemon.socket, TMSCTL=TMSCTL, SENDMAIL=str(failing)))
    assert result.returncode == 75
    assert result.stderr == ("tmsd-mail-reminders: sendmail -t failed for 1 of 1 reminders: "
                             "sendmail: cannot connect to mail.example.org\n")
    # An unreachable daemon: nothing sent, tmsctl's status.
    gone = subprocess.run([str(REMINDERS)], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, TMSD_SOCKET=str(tmp_dir / "absent.sock"), TMSCTL=TMSCTL, SENDMAIL=str(failing)))
    assert gone.returncode == 69 and gone.stderr.startswith("tmsd-mail-reminders: no reminder sent: tmsctl: cannot reach")

