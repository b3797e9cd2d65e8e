"""Roles from Unix groups, checked against the peer's credentials."""
import json
import os
import pwd
import subprocess

import pytest

from conftest import ROOT_GROUP, TEST_CONFIG, add_patient, as_nobody, nobodys_group, start_where_nobody_reaches, with_nobody_as_operator


@pytest.fixture
def shared(tmp_dir):
    """tmsd that nobody can reach, with nobody's group in the operator role."""
    d = start_where_nobody_reaches(tmp_dir, with_nobody_as_operator())
    try:
        yield d, nobodys_group()
    finally:
        d.stop()


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
    method, error, user, summary = d.refusals()[-1]
    assert (user, method, error) == ("nobody", "io.tmsd.Clinic.CreateCourse", "org.varlink.service.PermissionDenied")
    assert "needs the clinician role" in summary
    # root holds the clinician role through its own group.
    assert d.tmsctl_json("course", "create", "--patient", "1", "--protocol", "itbs", "--start", "2026-12-07",
                         "--prescriber", "Dr. A", "--target-label", "L")["course"]["id"] == 1


def test_without_a_role_only_reading(tmp_dir):
    d = start_where_nobody_reaches(tmp_dir)  # clinician: root's group; operator: the default tmsd-operators
    try:
        add_patient(d)
        assert as_nobody(d, "patient", "show", "1").returncode == 0
        refused = as_nobody(d, "patient", "add", "--mrn", "X", "--family-name", "A", "--given-name", "B", "--birth-date",
                            "1980-01-01")
        assert refused.returncode == 65
        assert refused.stderr.startswith("tmsctl: permission denied: AddPatient needs the operator role; nobody has no role")
        assert "tmsd-operators" in refused.stderr
    finally:
        d.stop()


def test_a_reused_uid_is_written_under_its_new_users_name(shared):
    """userdel, then useradd with the same uid: tmsd names the new user, in its
    reply and in the audit, never the old one it saw first. (The uid's group
    is nobody's, an operator's: it may register patients.)"""
    d, nogroup = shared
    uid = next(u for u in range(61000, 62000) if not _has_uid(u))
    old, new = f"tmsd-it-old-{os.getpid()}", f"tmsd-it-new-{os.getpid()}"

    def as_uid(*args, input=None):
        r = subprocess.run([d.tmsctl_for_nobody, *args, "--json", "--socket", d.socket], capture_output=True,
                           text=True, timeout=30, user=uid, group=nogroup, extra_groups=[], input=input)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def register(mrn):
        as_uid("patient", "add", "--identity", "-",
               input=f"mrn: {mrn}\nfamily-name: Doe\ngiven-name: Jo\nbirth-date: 1980-01-01\n")
        return d.tmsctl_json("audit", "--limit", "1")["entries"][0]["user"]

    def useradd(name):
        subprocess.run(["useradd", "--system", "--no-create-home", "--uid", str(uid), "--gid", nogroup,
                        "--shell", "/usr/sbin/nologin", name], check=True)

    try:
        useradd(old)
        assert as_uid("whoami")["user"] == old
        assert register("MRN-OLD") == old
        subprocess.run(["userdel", old], check=True)
        assert as_uid("whoami")["user"] == f"uid:{uid}"
        useradd(new)
        assert pwd.getpwuid(uid).pw_name == new
        assert as_uid("whoami")["user"] == new
        assert register("MRN-NEW") == new
    finally:
        for name in (old, new):
            subprocess.run(["userdel", name], capture_output=True)


def test_a_user_taken_out_of_a_roles_group_loses_the_role_at_the_next_call(tmp_dir):
    """Groups are cached while /etc/group is unchanged: gpasswd -d takes the
    operator role away at the next call, without a restart or a reload."""
    group = f"tmsd-it-ops-{os.getpid()}"
    user = f"tmsd-it-member-{os.getpid()}"
    subprocess.run(["groupadd", "--system", group], check=True)
    uid = next(u for u in range(61000, 62000) if not _has_uid(u))
    d = None
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", "--uid", str(uid), "--gid", nobodys_group(),
                        "--shell", "/usr/sbin/nologin", user], check=True)
        subprocess.run(["gpasswd", "--add", user, group], check=True, capture_output=True)
        d = start_where_nobody_reaches(tmp_dir, TEST_CONFIG.replace(
            f'clinician = ["{ROOT_GROUP}"]', f'clinician = ["{ROOT_GROUP}"]\noperator = ["{group}"]'))

        def as_user(*args):
            return subprocess.run([d.tmsctl_for_nobody, *args, "--socket", d.socket], capture_output=True, text=True,
                                  timeout=30, user=uid, group=nobodys_group(), extra_groups=[],
                                  input="mrn: M-{0}\nfamily-name: Doe\ngiven-name: Jo\nbirth-date: 1980-01-01\n".format(
                                      len(args)))

        assert '"roles":["operator"]' in as_user("whoami", "--json").stdout
        added = as_user("patient", "add", "--identity", "-")
        assert added.returncode == 0, added.stderr
        subprocess.run(["gpasswd", "--delete", user, group], check=True, capture_output=True)
        assert '"roles":[]' in as_user("whoami", "--json").stdout
        refused = as_user("patient", "add", "--identity", "-", "--json")
        assert refused.returncode == 65, refused.stderr
        assert "needs the operator role" in refused.stderr
    finally:
        if d:
            d.stop()
        subprocess.run(["userdel", user], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)


def _has_uid(uid):
    try:
        pwd.getpwuid(uid)
        return True
    except KeyError:
        return False
