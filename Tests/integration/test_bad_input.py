"""Bad input on the socket: each frame gets an error reply or a closed
connection, other clients are served meanwhile, and nothing stored changes."""
import json
import socket
import threading

import pytest

from conftest import add_course, add_patient, today_utc


def closes(daemon, payload: bytes):
    """Sends payload; returns True when the daemon closed the connection without a reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(daemon.socket)
    try:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            return True  # closed while we were still sending
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                return True
            if not chunk:
                return b"\0" not in data
            data += chunk
    finally:
        s.close()


def still_serves(daemon):
    reply = json.loads(daemon.raw(b'{"method":"org.varlink.service.GetInfo"}\0'))
    assert "io.tmsd.Clinic" in reply["parameters"]["interfaces"]
    assert daemon.alive()


@pytest.fixture
def stocked(daemon):
    patient = add_patient(daemon)
    add_course(daemon, patient["id"], "itbs", today_utc())
    return daemon


@pytest.mark.parametrize("name,payload", [
    ("bad JSON", b'{"method": "io.tmsd.Clinic.ListPatients",\0'),
    ("not JSON at all", b"GET / HTTP/1.1\r\n\r\n\0"),
    ("JSON that is not an object", b"[1, 2, 3]\0"),
    ("an object that is not a call", b'{"hello": "world"}\0'),
    ("a call whose parameters are not an object", b'{"method":"io.tmsd.Clinic.ListPatients","parameters":[]}\0'),
    ("deeply nested JSON", b'{"method":"io.tmsd.Clinic.ListPatients","parameters":{"a":' + b"[" * 100000 + b"]" * 100000 + b"}}\0"),
    ("invalid UTF-8", b'{"method":"io.tmsd.Clinic.AddPatient","parameters":{"mrn":"\xff\xfe","familyName":"a","givenName":"b","birthDate":"1980-01-01"}}\0'),
    ("a lone surrogate escape", b'{"method":"io.tmsd.Clinic.AddPatient","parameters":{"mrn":"\\ud800","familyName":"a","givenName":"b","birthDate":"1980-01-01"}}\0'),
    ("a frame over 1 MiB", b'{"method":"io.tmsd.Clinic.ListPatients","parameters":{"x":"' + b"a" * (1 << 20) + b'"}}\0'),
    ("a frame over 1 MiB with no NUL", b"a" * ((1 << 20) + 4096)),
])
def test_protocol_violations_close_the_connection(stocked, name, payload):
    before = stocked.dump()
    assert closes(stocked, payload), name
    still_serves(stocked)
    assert stocked.dump() == before


def test_a_field_name_a_client_sends_never_reaches_the_log(stocked):
    """An unknown message field whose name forges a log line: the connection is
    closed for breaking the protocol, and the log says so without the name."""
    forged = "x\n2026-12-02T00:00:00Z critical FORGED tmsd_operator=admin"
    payload = json.dumps({"method": "io.tmsd.Clinic.ListPatients", forged: True}).encode() + b"\0"
    assert closes(stocked, payload)
    still_serves(stocked)
    log = stocked.log.read_text()
    assert "closed a connection that broke the protocol" in log and "message field the protocol does not define" in log
    assert "FORGED" not in log, log


@pytest.mark.parametrize("call,error,parameter", [
    ({"method": "io.tmsd.Clinic.GetPatient", "parameters": {"id": "1"}}, "org.varlink.service.InvalidParameter", "id"),
    ({"method": "io.tmsd.Clinic.GetPatient", "parameters": {}}, "org.varlink.service.InvalidParameter", "id"),
    ({"method": "io.tmsd.Clinic.GetPatient", "parameters": {"id": 1, "extra": True}}, "org.varlink.service.InvalidParameter", "extra"),
    ({"method": "io.tmsd.Clinic.GetPatient", "parameters": {"id": 1.5}}, "org.varlink.service.InvalidParameter", "id"),
    ({"method": "io.tmsd.Clinic.CompleteSession", "parameters": {"id": 1, "delivery": {"motorThreshold": "high"}}},
     "org.varlink.service.InvalidParameter", "delivery.motorThreshold"),
    ({"method": "io.tmsd.Clinic.CreateCourse", "parameters": {"patientId": 1, "protocolId": "itbs", "startDate": "2026-12-01",
      "prescriber": "x", "target": {"method": "dowsing", "label": "L"}}}, "org.varlink.service.InvalidParameter", "target.method"),
    ({"method": "io.tmsd.Clinic.Nope"}, "org.varlink.service.MethodNotFound", None),
    ({"method": "io.tmsd.Other.GetPatient"}, "org.varlink.service.InterfaceNotFound", None),
    ({"method": "nodots"}, "org.varlink.service.InterfaceNotFound", None),
])
def test_bad_calls_get_named_errors(stocked, call, error, parameter):
    before = stocked.dump()
    reply = json.loads(stocked.raw(json.dumps(call).encode() + b"\0"))
    assert reply["error"] == error
    if parameter:
        assert reply["parameters"] == {"parameter": parameter}
    still_serves(stocked)
    assert stocked.dump() == before


def test_a_half_sent_frame_holds_up_only_its_own_connection(stocked):
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.settimeout(10)
    slow.connect(stocked.socket)
    slow.sendall(b'{"method":"io.tmsd.Clinic.ListPat')
    idle = []
    for _ in range(50):  # and fifty clients that connect and say nothing
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(stocked.socket)
        idle.append(s)
    try:
        # Meanwhile others are served, through tmsctl and through the reference client.
        assert stocked.tmsctl_json("patient", "list")["patients"][0]["familyName"] == "Doe"
        assert stocked.call("io.tmsd.Clinic.GetProtocol", id="itbs")["protocol"]["pulsesPerSession"] == 600
        # The slow client finishes its frame and gets its answer.
        slow.sendall(b'ients"}\0')
        data = b""
        while b"\0" not in data:
            data += slow.recv(65536)
        assert len(json.loads(data.split(b"\0")[0])["parameters"]["patients"]) == 1
    finally:
        slow.close()
        for s in idle:
            s.close()
    still_serves(stocked)


def test_an_unfinished_frame_is_closed_after_the_frame_timeout(tmp_dir):
    from conftest import TEST_CONFIG, Daemon
    import time
    d = Daemon(tmp_dir, '[daemon]\nframe-timeout = 1\n' + TEST_CONFIG).start()
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(d.socket)
        s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0{"method":"io.tmsd.Cl')
        started = time.monotonic()
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        waited = time.monotonic() - started
        s.close()
        assert data.count(b"\0") == 1, "the complete call was answered"
        assert 0.5 < waited < 8, waited
        still_serves(d)
        assert "a message was left unfinished" in d.log.read_text()
    finally:
        d.stop()


def test_pipelined_calls_are_answered_in_order(stocked):
    calls = b"".join(json.dumps({"method": "io.tmsd.Clinic.GetProtocol", "parameters": {"id": p}}).encode() + b"\0"
                     for p in ["itbs", "nope", "10hz-ldlpfc", "deep-tms-h1"])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(stocked.socket)
    s.sendall(calls)
    data = b""
    while data.count(b"\0") < 4:
        data += s.recv(65536)
    s.close()
    replies = [json.loads(f) for f in data.split(b"\0")[:4]]
    assert replies[0]["parameters"]["protocol"]["id"] == "itbs"
    assert replies[1]["error"] == "io.tmsd.Clinic.ProtocolNotFound"
    assert replies[2]["parameters"]["protocol"]["id"] == "10hz-ldlpfc"
    assert replies[3]["parameters"]["protocol"]["id"] == "deep-tms-h1"


def test_thousands_of_pipelined_calls_are_all_answered_in_order(stocked):
    """Far past the queue's 128: tmsd stops reading while it catches up (backpressure),
    never closes the connection, and every call gets its reply, in order."""
    count = 5000
    ids = ["itbs", "nope", "10hz-ldlpfc"]
    calls = b"".join(json.dumps({"method": "io.tmsd.Clinic.GetProtocol", "parameters": {"id": ids[i % 3]}}).encode()
                     + b"\0" for i in range(count))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(stocked.socket)
    sender = threading.Thread(target=s.sendall, args=(calls,))
    sender.start()
    data = b""
    while data.count(b"\0") < count:
        chunk = s.recv(1 << 16)
        assert chunk, "closed after %d replies" % data.count(b"\0")
        data += chunk
    sender.join()
    s.close()
    replies = [json.loads(f) for f in data.split(b"\0")[:count]]
    for i, reply in enumerate(replies):
        if ids[i % 3] == "nope":
            assert reply["error"] == "io.tmsd.Clinic.ProtocolNotFound", i
        else:
            assert reply["parameters"]["protocol"]["id"] == ids[i % 3], i


def test_a_client_that_never_reads_its_replies_holds_up_only_itself(stocked):
    """It sends calls and reads nothing: tmsd stops reading it, its memory stays
    bounded, and others are served."""
    import re
    def rss():
        return int(re.search(r"^VmRSS:\s+(\d+)", open(f"/proc/{stocked.process.pid}/status").read(), re.M).group(1))
    before = rss()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(stocked.socket)
    s.setblocking(False)
    call = json.dumps({"method": "io.tmsd.Clinic.ListProtocols"}).encode() + b"\0"
    sent = 0
    try:
        for _ in range(200_000):
            sent += s.send(call * 64)
    except BlockingIOError:
        pass  # the socket is full: tmsd stopped reading
    assert sent < 50 * len(call) * 64 * 1000
    assert stocked.tmsctl("protocol", "list").returncode == 0
    assert rss() < before + 64 * 1024
    s.close()
    assert stocked.tmsctl("protocol", "list").returncode == 0


def test_a_long_read_holds_up_only_its_own_connection(daemon):
    """10,000 audit entries of 4 KB each, listed whole (a reply of some 40 MB), take a
    while; meanwhile another client's trivial calls are answered at once."""
    import sqlite3
    import time
    with sqlite3.connect(daemon.database) as db:
        db.executemany("INSERT INTO audit (at, uid, user, pid, method, summary) VALUES (?, 0, 'root', 1, 'x', ?)",
                       [("2026-12-01T00:00:00Z", "s" * 4096)] * 10000)
    db.close()
    done = {}

    def long_read():
        start = time.monotonic()
        with daemon.tmsctl_raw() as s:
            s.sendall(json.dumps({"method": "io.tmsd.Clinic.ListAudit", "parameters": {"limit": 10000}}).encode() + b"\0")
            data = bytearray()
            while not data.endswith(b"\0"):
                chunk = s.recv(1 << 22)
                assert chunk
                data += chunk
        done["seconds"] = time.monotonic() - start
        done["reply"] = data  # parsed after, not while the other thread times (the GIL)

    reader = threading.Thread(target=long_read)
    reader.start()
    time.sleep(0.02)
    latencies = []
    # Connections are spread over the event loops (one a core): of four, some share the long read's.
    others = [daemon.tmsctl_raw() for _ in range(4)]
    try:
        while reader.is_alive():
            for s in others:
                start = time.monotonic()
                s.sendall(b'{"method":"io.tmsd.Clinic.GetProtocol","parameters":{"id":"itbs"}}\0')
                data = b""
                while not data.endswith(b"\0"):
                    data += s.recv(65536)
                latencies.append(time.monotonic() - start)
    finally:
        for s in others:
            s.close()
    reader.join()
    assert len(json.loads(bytes(done.pop("reply")[:-1]))["parameters"]["entries"]) == 10000
    # The long read was long, and no trivial call waited for it.
    assert done["seconds"] > 0.2 and len(latencies) > 5, (done, len(latencies))
    print(f"long read {done['seconds']:.3f} s; trivial calls meanwhile: {len(latencies)}, slowest {max(latencies):.4f} s")
    assert max(latencies) < done["seconds"] / 4, (max(latencies), done)


def test_oneway_calls_get_no_reply_but_take_effect(stocked):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(stocked.socket)
    s.sendall(json.dumps({"method": "io.tmsd.Clinic.AddPatient", "oneway": True, "parameters": {
        "mrn": "ONEWAY", "familyName": "One", "givenName": "Way", "birthDate": "1990-01-01"}}).encode() + b"\0")
    s.sendall(b'{"method":"io.tmsd.Clinic.ListPatients"}\0')
    data = b""
    while b"\0" not in data:
        data += s.recv(65536)
    s.close()
    reply = json.loads(data.split(b"\0")[0])
    assert "ONEWAY" in [p["mrn"] for p in reply["parameters"]["patients"]]


def test_many_clients_at_once(stocked):
    errors = []

    def client(i):
        try:
            for _ in range(20):
                reply = json.loads(stocked.raw(b'{"method":"io.tmsd.Clinic.ListPatients"}\0'))
                assert len(reply["parameters"]["patients"]) == 1
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    still_serves(stocked)


def test_connections_past_the_limit_are_closed_and_the_daemon_serves_on(tmp_dir):
    from conftest import TEST_CONFIG, Daemon
    d = Daemon(tmp_dir, '[daemon]\nmax-connections = 4\n' + TEST_CONFIG).start()
    held = []
    try:
        for _ in range(4):  # idle connections up to the limit, each answered
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(d.socket)
            s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            assert s.recv(65536).endswith(b"\0")
            held.append(s)
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.settimeout(10)
        extra.connect(d.socket)  # the kernel accepts; tmsd closes it at once
        try:
            extra.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            assert extra.recv(65536) == b""
        except (BrokenPipeError, ConnectionResetError):
            pass
        extra.close()
        refused = d.tmsctl("session", "list", check=False)
        assert refused.returncode == 69 and refused.stderr.count("\n") == 1, refused
        assert "tmsd closed the connection without answering" in refused.stderr
        held.pop().close()
        import time
        deadline = time.monotonic() + 5
        while d.tmsctl("session", "list", check=False).returncode != 0:
            assert time.monotonic() < deadline, "a freed place was not given to the next client"
            time.sleep(0.05)
        assert "refused a connection: the connection limit is reached" in d.log.read_text()
        assert "tmsd_max_connections=4" in d.log.read_text()
    finally:
        for s in held:
            s.close()
        d.stop()


def test_a_flood_past_the_limit_is_logged_once_with_its_count(tmp_dir):
    """200 connections past a limit of 4: one line at the first, one with the count of the rest."""
    import re
    from conftest import TEST_CONFIG, Daemon
    d = Daemon(tmp_dir, '[daemon]\nmax-connections = 4\n' + TEST_CONFIG).start()
    held = []
    try:
        for _ in range(4):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.socket)
            s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            assert s.recv(65536).endswith(b"\0")
            held.append(s)
        for _ in range(200):
            extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            extra.settimeout(10)
            extra.connect(d.socket)
            try:
                assert extra.recv(1) == b""  # closed by tmsd
            except ConnectionResetError:
                pass
            extra.close()
    finally:
        for s in held:
            s.close()
        d.stop()  # the count not yet told is told at the stop
    log = d.log.read_text()
    told = log.count("refused a connection: the connection limit is reached")
    counts = [int(n) for n in re.findall(r"refused more connections.*tmsd_refused=(\d+)", log)]
    # (Two of each only if the 10 s interval ended during the flood.)
    assert 1 <= told <= 2 and len(counts) <= 2 and told + sum(counts) == 200, (told, counts)


def test_an_idle_connection_is_closed_and_a_busy_one_is_not(tmp_dir):
    from conftest import TEST_CONFIG, Daemon
    import time
    d = Daemon(tmp_dir, '[daemon]\nidle-timeout = 1\n' + TEST_CONFIG).start()
    try:
        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(d.socket)
            return s

        def get_info(s):
            s.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            data = b""
            while not data.endswith(b"\0"):
                chunk = s.recv(65536)
                assert chunk, "closed while in use"
                data += chunk
            return data

        idle, busy = connect(), connect()
        get_info(idle)
        started = time.monotonic()
        while time.monotonic() - started < 3:  # the busy one calls every 0.3 s
            get_info(busy)
            time.sleep(0.3)
        idle.settimeout(5)
        assert idle.recv(65536) == b"", "the idle connection was closed"
        assert get_info(busy).endswith(b"\0"), "the busy one still answers"
        idle.close()
        busy.close()
        still_serves(d)
    finally:
        d.stop()
