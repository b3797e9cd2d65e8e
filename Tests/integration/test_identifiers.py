"""A patient's identifiers kept off the command line (where every local user
reads them in /proc/PID/cmdline): from a file, from stdin, or asked for at a
terminal. Each bad identity file is a usage error that registers no one."""
import os
import pty
import subprocess

import pytest

from conftest import TMSCTL

IDENTITY = "# registered at the front desk\nmrn: MRN-77\nfamily-name: Rivera\n\ngiven-name: Ana María\nbirth-date: 1979-04-12\n"


def patients(d):
    return d.tmsctl_json("patient", "list")["patients"]


def test_identifiers_from_a_file(daemon, tmp_dir):
    path = tmp_dir / "identity"
    path.write_text(IDENTITY)
    os.chmod(path, 0o600)
    r = daemon.tmsctl("patient", "add", "--identity", str(path))
    assert r.stdout.strip() == "Registered patient 1: Rivera, Ana María (MRN MRN-77, born 1979-04-12)."
    [p] = patients(daemon)
    assert (p["mrn"], p["familyName"], p["givenName"], p["birthDate"]) == ("MRN-77", "Rivera", "Ana María", "1979-04-12")


def test_identifiers_from_standard_input_with_crlf_lines(daemon):
    r = daemon.tmsctl("patient", "add", "--identity", "-", input=IDENTITY.replace("\n", "\r\n"))
    assert "Registered patient 1: Rivera, Ana María" in r.stdout
    assert patients(daemon)[0]["birthDate"] == "1979-04-12"


def test_an_option_and_the_file_together_complete_each_other(daemon):
    r = daemon.tmsctl("patient", "add", "--mrn", "MRN-5", "--identity", "-",
                      input="family-name: Doe\ngiven-name: Jo\nbirth-date: 1990-01-02\n")
    assert "MRN MRN-5" in r.stdout


def test_asked_for_at_a_terminal(daemon):
    """At a terminal tmsctl asks for each identifier not given, on stderr."""
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([TMSCTL, "patient", "add", "--socket", daemon.socket, "--mrn", "MRN-9"],
                             stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(slave)
        slave = None
        os.write(master, "Okafor\nChidi\n1985-11-30\n".encode())
        out, err = p.communicate(timeout=30)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert p.returncode == 0, err
    # Only what was not given is asked for, in order.
    assert err == "Family name: Given name: Date of birth (YYYY-MM-DD): "
    assert out.strip() == "Registered patient 1: Okafor, Chidi (MRN MRN-9, born 1985-11-30)."


@pytest.mark.parametrize("identity,message", [
    ("mrn: M\nfamily-name: D\ngiven-name: G\ndob: 1980-01-01\n",
     "standard input line 4: 'dob' is not a field (mrn, family-name, given-name, birth-date)."),
    ("mrn: M\nfamily-name: D\nmrn: N\ngiven-name: G\nbirth-date: 1980-01-01\n",
     "standard input line 3: mrn is given again (first on line 1)."),
    ("mrn M\n", "standard input line 1: not 'field: value'."),
    ("mrn: M\nfamily-name: D\n",
     "No given-name, birth-date: give them in --identity FILE (- for standard input), or run at a terminal to be asked."),
    ("mrn: M\nfamily-name: D\ngiven-name: G\nbirth-date: 12/04/1979\n", "'12/04/1979' is not a date (YYYY-MM-DD)."),
    ("\x1b[2Jmrn: M\n", "standard input line 1: '\\u{1B}[2Jmrn' is not a field (mrn, family-name, given-name, birth-date)."),
])
def test_a_bad_identity_is_a_usage_error_that_registers_no_one(daemon, identity, message):
    r = daemon.tmsctl("patient", "add", "--identity", "-", input=identity, check=False)
    assert r.returncode == 64, r.stderr
    assert r.stderr == f"tmsctl: {message} (see --help)\n"
    assert patients(daemon) == []


def test_a_field_on_the_command_line_and_in_the_file_is_refused(daemon):
    r = daemon.tmsctl("patient", "add", "--mrn", "A", "--identity", "-", input="mrn: B\n", check=False)
    assert r.returncode == 64
    assert "--mrn is given both on the command line and in --identity." in r.stderr
    assert patients(daemon) == []


def test_without_a_terminal_nothing_is_asked_and_the_missing_are_named(daemon):
    r = daemon.tmsctl("patient", "add", "--mrn", "A", check=False, input="")
    assert r.returncode == 64
    assert "No family-name, given-name, birth-date: give them in --identity FILE" in r.stderr
    assert patients(daemon) == []


def test_an_unreadable_identity_file_is_named(daemon, tmp_dir):
    r = daemon.tmsctl("patient", "add", "--identity", str(tmp_dir / "missing"), check=False)
    assert r.returncode == 64
    assert f"--identity {tmp_dir / 'missing'}: No such file or directory." in r.stderr


def test_help_says_why_and_how():
    out = subprocess.run([TMSCTL, "patient", "add", "--help"], capture_output=True, text=True).stdout
    assert "--identity <FILE>" in out
    assert "/proc" in out and "history" in out
