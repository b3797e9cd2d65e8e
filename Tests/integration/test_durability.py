"""A change the daemon acknowledged survives kill -9 right after the reply."""
import json
import signal
import sqlite3
import socket

from conftest import Daemon, add_course, add_patient, today_utc


def call_raw(path, method, parameters):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(json.dumps({"method": method, "parameters": parameters}).encode() + b"\0")
    data = b""
    while b"\0" not in data:
        data += s.recv(65536)
    s.close()
    return json.loads(data.split(b"\0")[0])


def test_acknowledged_writes_survive_kill_9(tmp_dir):
    daemon = Daemon(tmp_dir)
    acknowledged = []
    for i in range(8):
        daemon.start()
        reply = call_raw(daemon.socket, "io.tmsd.Clinic.AddPatient",
                         {"mrn": f"K-{i}", "familyName": "Kill", "givenName": str(i), "birthDate": "1980-01-01"})
        # The reply is in hand: kill at once, no chance to flush anything more.
        daemon.process.send_signal(signal.SIGKILL)
        daemon.process.wait()
        acknowledged.append(reply["parameters"]["patient"]["id"])

    with sqlite3.connect(daemon.database) as db:
        stored = [row[0] for row in db.execute("SELECT id FROM patient ORDER BY id")]
        audited = db.execute("SELECT count(*) FROM audit WHERE method = 'io.tmsd.Clinic.AddPatient'").fetchone()[0]
    assert stored == acknowledged
    assert audited == len(acknowledged), "each change and its audit row commit together"

    # And the daemon reopens the same database and serves it.
    daemon.start()
    try:
        assert len(daemon.tmsctl_json("patient", "list")["patients"]) == 8
    finally:
        daemon.stop()


def test_a_completed_session_survives_kill_9(tmp_dir):
    daemon = Daemon(tmp_dir).start()
    patient = add_patient(daemon)
    course = add_course(daemon, patient["id"], "10hz-ldlpfc", today_utc())
    session = course["sessions"][0]["id"]
    # The delivery as the prescription has it, at the threshold measured today (55).
    reply = call_raw(daemon.socket, "io.tmsd.Clinic.CompleteSession", {"id": session, "delivery": {
        "motorThreshold": 55, "intensityPercentMT": 120, "frequencyHz": 10, "pulsesPerTrain": 40,
        "trainDurationSeconds": 4, "interTrainIntervalSeconds": 26, "trains": 75, "pulsesDelivered": 3000,
        "coil": "figure-8", "target": "left DLPFC"}})
    daemon.process.send_signal(signal.SIGKILL)
    daemon.process.wait()
    assert reply["parameters"]["session"]["status"] == "completed"
    with sqlite3.connect(daemon.database) as db:
        row = db.execute("SELECT status, motor_threshold, pulses_delivered FROM session WHERE id = ?", (session,)).fetchone()
    assert row == ("completed", 55, 3000)


def test_an_authorization_and_its_extension_survive_kill_9(tmp_dir):
    daemon = Daemon(tmp_dir).start()
    course = add_course(daemon, add_patient(daemon)["id"], "10hz-ldlpfc", today_utc())
    dates = [s["date"] for s in course["sessions"]]
    added = call_raw(daemon.socket, "io.tmsd.Clinic.AddAuthorization", {
        "courseId": course["course"]["id"], "payer": "Medicare", "reference": "K-1", "sessions": 30,
        "from": dates[0], "to": dates[29]})
    extended = call_raw(daemon.socket, "io.tmsd.Clinic.ExtendAuthorization", {
        "id": added["parameters"]["authorization"]["id"], "sessions": 6, "reason": "payer letter"})
    daemon.process.send_signal(signal.SIGKILL)
    daemon.process.wait()
    assert extended["parameters"]["authorization"]["sessions"] == 36
    with sqlite3.connect(daemon.database) as db:
        assert db.execute("SELECT sessions, reference FROM payer_authorization").fetchall() == [(30, "K-1")]
        assert db.execute("SELECT sessions, reason FROM authorization_extension").fetchall() == [(6, "payer letter")]
        assert db.execute("SELECT count(*) FROM audit WHERE method LIKE '%Authorization'").fetchone()[0] == 2
