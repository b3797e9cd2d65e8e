"""Roles from Unix groups, checked against the peer's credentials."""
import grp
import os
import pwd
import subprocess

import pytest

from conftest import TEST_CONFIG, TMSCTL, Daemon, add_patient

ROOT_GROUP = grp.getgrgid(os.getgid()).gr_name


@pytest.fixture
def shared(tmp_dir):
    """tmsd on a socket `nobody` can reach: a setgid directory of group nogroup,
    so the socket tmsd binds there is nogroup's too (tmsd's umask is 007)."""
    nobody = pwd.getpwnam("nobody")
    nogroup = grp.getgrgid(nobody.pw_gid).gr_name
    directory = tmp_dir / "shared"
    directory.mkdir()
    os.chown(directory, 0, nobody.pw_gid)
    os.chmod(directory, 0o2750)
    os.chmod(tmp_dir, 0o755)
    config = TEST_CONFIG.replace(f'clinician = ["{ROOT_GROUP}"]', f'clinician = ["{ROOT_GROUP}"]\noperator = ["{nogroup}"]')
    d = Daemon(tmp_dir, config_text=config)
    d.socket = str(directory / "tmsd.sock")
    d.start()
    try:
        yield d, nogroup
    finally:
        d.stop()


def as_nobody(d, *args):
    return subprocess.run([TMSCTL, *args, "--socket", d.socket], capture_output=True, text=True, timeout=30,
                          user="nobody", group=grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name, extra_groups=[])


def test_an_operator_records_but_may_not_prescribe(shared):
    d, nogroup = shared
    who = as_nobody(d, "whoami", "--json")
    assert who.returncode == 0, who.stderr
    assert '"user":"nobody"' in who.stdout and '"roles":["operator"]' in who.stdout
    added = as_nobody(d, "patient", "add", "--mrn", "N-1", "--family-name", "Op", "--given-name", "Era", "--birth-date",
                      "1980-01-01")
    assert added.returncode == 0, added.stderr
    listed = as_nobody(d, "patient", "list")
    assert listed.returncode == 0 and "N-1" in listed.stdout
    before = d.dump()
    refused = as_nobody(d, "course", "create", "--patient", "1", "--protocol", "itbs", "--start", "2026-12-07",
                        "--prescriber", "Dr. A", "--target-label", "L")
    assert refused.returncode == 65
    assert refused.stderr == (f"tmsctl: permission denied: CreateCourse needs the clinician role; nobody has operator "
                              f"(the clinician role comes with membership of {ROOT_GROUP}).\n")
    after = d.dump()
    assert after["course"] == before["course"] and after["session"] == before["session"]
    refusal = after["audit"][-1]
    assert refusal[3] == "nobody" and refusal[5] == "io.tmsd.Clinic.CreateCourse" and "needs the clinician role" in refusal[-1]
    # root holds the clinician role through its own group.
    assert d.tmsctl_json("course", "create", "--patient", "1", "--protocol", "itbs", "--start", "2026-12-07",
                         "--prescriber", "Dr. A", "--target-label", "L")["course"]["id"] == 1


def test_without_a_role_only_reading(tmp_dir):
    nobody = pwd.getpwnam("nobody")
    directory = tmp_dir / "shared"
    directory.mkdir()
    os.chown(directory, 0, nobody.pw_gid)
    os.chmod(directory, 0o2750)
    os.chmod(tmp_dir, 0o755)
    d = Daemon(tmp_dir)  # clinician: root's group; operator: the default tmsd-staff
    d.socket = str(directory / "tmsd.sock")
    d.start()
    try:
        add_patient(d)
        assert as_nobody(d, "patient", "show", "1").returncode == 0
        refused = as_nobody(d, "patient", "add", "--mrn", "X", "--family-name", "A", "--given-name", "B", "--birth-date",
                            "1980-01-01")
        assert refused.returncode == 65
        assert refused.stderr.startswith("tmsctl: permission denied: AddPatient needs the operator role; nobody has no role")
        assert "tmsd-staff" in refused.stderr
    finally:
        d.stop()
