"""Each rule the daemon enforces: its named Varlink error, the message a
tmsctl user reads, the exit status, and that nothing stored changed."""
import json

import pytest
import varlink

from conftest import add_course, add_patient, today_utc

REFUSED, USAGE, UNREACHABLE = 65, 64, 69


def expect_error(daemon, method, name, **parameters):
    before = daemon.dump()
    with pytest.raises(varlink.VarlinkError) as caught:
        daemon.call(method, **parameters)
    assert caught.value.error() == name, caught.value.parameters()
    assert daemon.dump() == before, "a refused call changed the database"
    return caught.value.parameters()


def expect_refusal(daemon, args, message):
    before = daemon.dump()
    result = daemon.tmsctl(*args, check=False)
    assert result.returncode == REFUSED, (result.returncode, result.stderr)
    assert result.stderr.startswith("tmsctl: ") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, "one line on stderr"
    assert daemon.dump() == before
    return result


@pytest.fixture
def course(daemon):
    patient = add_patient(daemon)
    return add_course(daemon, patient["id"], "10hz-ldlpfc", today_utc())


DELIVERY = dict(motorThreshold=55, intensityPercentMT=120, frequencyHz=10, pulsesPerTrain=40, trainDurationSeconds=4,
                interTrainIntervalSeconds=26, trains=75, pulsesDelivered=3000, coil="figure-8", target="left DLPFC")


def test_intensity_above_machine_output(daemon, course):
    session = course["sessions"][0]["id"]
    params = expect_error(daemon, "io.tmsd.Clinic.CompleteSession", "io.tmsd.Clinic.IntensityAboveMachineOutput",
                          id=session, delivery={**DELIVERY, "motorThreshold": 90})
    assert params["outputPercent"] == pytest.approx(108.0)
    expect_refusal(daemon, ["session", "complete", str(session), "--mt", "90"], "108% of machine output, above 100%")


def test_pulses_above_prescription(daemon, course):
    session = course["sessions"][0]["id"]
    params = expect_error(daemon, "io.tmsd.Clinic.CompleteSession", "io.tmsd.Clinic.PulsesAbovePrescription",
                          id=session, delivery={**DELIVERY, "pulsesPerTrain": 41, "trainDurationSeconds": 4.1,
                                                "pulsesDelivered": 3075})
    assert params == {**params, "delivered": 3075, "prescribed": 3000}
    expect_refusal(daemon, ["session", "abort", str(session), "--pulses", "3001", "--reason", "x"],
                   "3001 pulses is more than the 3000 prescribed")


def test_session_on_a_course_that_is_not_active(daemon, course):
    daemon.tmsctl("course", "cancel", str(course["course"]["id"]), "--reason", "moved away")
    session = course["sessions"][0]["id"]
    params = expect_error(daemon, "io.tmsd.Clinic.StartSession", "io.tmsd.Clinic.CourseNotActive", id=session)
    assert params["status"] == "cancelled"
    expect_refusal(daemon, ["session", "complete", str(session), "--mt", "55"], "is cancelled, not active")


def test_completing_or_aborting_twice(daemon, course):
    session = course["sessions"][0]["id"]
    daemon.tmsctl("session", "complete", str(session), "--mt", "55")
    expect_error(daemon, "io.tmsd.Clinic.CompleteSession", "io.tmsd.Clinic.SessionAlreadyFinished", id=session,
                 delivery=DELIVERY)
    expect_refusal(daemon, ["session", "abort", str(session), "--pulses", "10", "--reason", "x"],
                   f"Session {session} is already completed.")
    other = course["sessions"][5]["id"]
    daemon.tmsctl("session", "abort", str(other), "--pulses", "10", "--reason", "x")
    expect_refusal(daemon, ["session", "abort", str(other), "--pulses", "10", "--reason", "x"], "already aborted")
    expect_refusal(daemon, ["session", "miss", str(other)], "already aborted")


def test_malformed_dates(daemon):
    params = expect_error(daemon, "io.tmsd.Clinic.AddPatient", "io.tmsd.Clinic.InvalidDate", mrn="X", familyName="A",
                          givenName="B", birthDate="1980-02-30")
    assert params == {**params, "parameter": "birthDate", "value": "1980-02-30"}
    expect_error(daemon, "io.tmsd.Clinic.ListSessions", "io.tmsd.Clinic.InvalidDate", date="12/02/2026")
    patient = add_patient(daemon)
    expect_error(daemon, "io.tmsd.Clinic.CreateCourse", "io.tmsd.Clinic.InvalidDate", patientId=patient["id"],
                 protocolId="itbs", startDate="2026-12-2", prescriber="Dr. A", target={"method": "beam_f3", "label": "L"})
    # On the command line a malformed date is a usage error, caught before the daemon is asked.
    result = daemon.tmsctl("session", "list", "2026-13-01", check=False)
    assert result.returncode == USAGE and "not a date" in result.stderr
    assert result.stderr.startswith("tmsctl: ") and result.stderr.count("\n") == 1, result.stderr


@pytest.mark.parametrize("method,name,parameters,message", [
    ("GetPatient", "PatientNotFound", {"id": 404}, ["patient", "show", "404"]),
    ("GetProtocol", "ProtocolNotFound", {"id": "40hz"}, ["protocol", "show", "40hz"]),
    ("GetCourse", "CourseNotFound", {"id": 404}, ["course", "show", "404"]),
    ("GetSession", "SessionNotFound", {"id": 404}, ["session", "start", "404"]),
])
def test_unknown_ids(daemon, method, name, parameters, message):
    expect_error(daemon, f"io.tmsd.Clinic.{method}", f"io.tmsd.Clinic.{name}", **parameters)
    expect_refusal(daemon, message, "No ")


def test_unknown_patient_or_protocol_in_a_new_course(daemon):
    expect_refusal(daemon, ["course", "create", "--patient", "77", "--protocol", "itbs", "--start", today_utc(),
                            "--prescriber", "Dr. A", "--target-label", "L"], "No patient has id 77.")
    patient = add_patient(daemon)
    expect_refusal(daemon, ["course", "create", "--patient", str(patient["id"]), "--protocol", "nope", "--start",
                            today_utc(), "--prescriber", "Dr. A", "--target-label", "L"], "No protocol is named 'nope'")


def test_duplicate_mrn(daemon):
    first = add_patient(daemon, mrn="DUP-1")
    params = expect_error(daemon, "io.tmsd.Clinic.AddPatient", "io.tmsd.Clinic.DuplicateMRN", mrn="DUP-1",
                          familyName="Other", givenName="Person", birthDate="1970-01-01")
    assert params["patient"] == first["id"]
    expect_refusal(daemon, ["patient", "add", "--mrn", "DUP-1", "--family-name", "X", "--given-name", "Y",
                            "--birth-date", "1970-01-01"], "already registered")


def test_out_of_range_values_are_named(daemon, course):
    session = course["sessions"][0]["id"]
    params = expect_error(daemon, "io.tmsd.Clinic.CompleteSession", "io.tmsd.Clinic.InvalidValue", id=session,
                          delivery={**DELIVERY, "motorThreshold": 0})
    assert params["parameter"] == "delivery.motorThreshold"
    expect_error(daemon, "io.tmsd.Clinic.AddPatient", "io.tmsd.Clinic.InvalidValue", mrn=" ", familyName="A",
                 givenName="B", birthDate="1980-01-01")
    expect_error(daemon, "io.tmsd.Clinic.CreateCourse", "io.tmsd.Clinic.InvalidValue", patientId=1, protocolId="itbs",
                 startDate=today_utc(), prescriber="Dr. A", target={"method": "neuronavigation", "label": "L"})


def test_exit_status_when_the_daemon_cannot_be_reached(daemon, tmp_dir):
    import subprocess
    from conftest import TMSCTL
    result = subprocess.run([TMSCTL, "patient", "list", "--socket", str(tmp_dir / "absent.sock")],
                            capture_output=True, text=True)
    assert result.returncode == UNREACHABLE
    assert result.stderr.startswith("tmsctl: cannot reach tmsd at") and result.stderr.count("\n") == 1
    for args in (["session", "complete"], ["session", "complete", "x"], ["nonsense"], ["patient", "add", "--mrn"]):
        usage = subprocess.run([TMSCTL, *args], capture_output=True, text=True)
        assert usage.returncode == USAGE, args
        assert usage.stderr.startswith("tmsctl: ") and usage.stderr.count("\n") == 1, usage.stderr
    assert subprocess.run([TMSCTL, "--help"], capture_output=True, text=True).returncode == 0
