"""Roles from Unix groups, checked against the peer's credentials."""
import pytest

from conftest import ROOT_GROUP, add_patient, as_nobody, nobodys_group, start_where_nobody_reaches, with_nobody_as_operator


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
