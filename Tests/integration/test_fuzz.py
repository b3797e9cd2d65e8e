"""Bounded fuzzing of the live socket: hundreds of connections sending mutated
calls, garbage, oversize and half-sent frames, split at random, each reply
read or the close seen. Afterwards the same tmsd (its PID unchanged) answers,
the file passes SQLite's integrity_check, the change log verifies with every
record as it recorded it, and every patient acknowledged before is there.

The seed is printed; TMSD_FUZZ_SEED=N replays a run and
TMSD_FUZZ_ROUNDS_SCALE=N runs N times longer (`make fuzz`)."""
import json
import os
import random
import re
import socket
import sqlite3
import time

from conftest import add_course, add_patient

SEED = int(os.environ.get("TMSD_FUZZ_SEED", "20261203"))
SCALE = int(os.environ.get("TMSD_FUZZ_ROUNDS_SCALE", "1"))

TOKENS = [b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\", b"\\u", b"\\ud800", b"1e999", b"-", b"0.", b"null",
          b"9223372036854775808", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x1b[2J", b"\r\n", b"[" * 80, b'{"a":' * 80]
VALUES = [0, 1, 2, -1, 2**63 - 1, -2**63, 10**30, 0.5, 1e308, "", "x", "2026-12-07", "2026-02-30", "09:00", "99:99",
          "10hz-ldlpfc", "M-1", "a\nb", "\x1b]0;t\x07", "\x00", "\u202e", "é" * 2000, True, None, [], {}, [1, "x"],
          {"nested": {"deeper": [None]}}]


def rss_kib(pid):
    return int(re.search(r"^VmRSS:\s+(\d+) kB", open(f"/proc/{pid}/status").read(), re.M).group(1))


def message(rng, methods, fields):
    """One frame's bytes (without its NUL): a call of a real method with
    fields of the interface holding values of any type, perhaps mutated."""
    if rng.random() < 0.1:
        return bytes(rng.randrange(1, 256) for _ in range(rng.randrange(0, 200)))
    call = {"method": "io.tmsd.Clinic." + rng.choice(methods)}
    if rng.random() < 0.9:
        call["parameters"] = {rng.choice(fields): rng.choice(VALUES) for _ in range(rng.randrange(0, 5))}
    for flag in ("oneway", "more", "upgrade"):
        if rng.random() < 0.04:
            call[flag] = rng.choice([True, False, 1, "yes"])
    data = bytearray(json.dumps(call).encode())
    if rng.random() < 0.3:
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(0, len(data) + 1)
            what = rng.randrange(4)
            if what == 0 and at < len(data):
                data[at] ^= 1 << rng.randrange(8)
            elif what == 1:
                data[at:at] = rng.choice(TOKENS)
            elif what == 2:
                del data[at:at + rng.randrange(1, 8)]
            else:
                data[at:at] = bytes([rng.randrange(1, 256)])
    return bytes(data).replace(b"\0", b"")


SENTINEL = b'{"method":"org.varlink.service.GetInfo"}'


def exchange(path, frames, rng, tail=b""):
    """Sends `frames` (each NUL-terminated), split at random, then `tail`
    unterminated, or else a last GetInfo; reads until that is answered (tmsd
    answers in order, and a oneway call not at all) or tmsd closes.
    Returns (replies, closed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        stream = b"".join(f + b"\0" for f in frames) + (tail or SENTINEL + b"\0")
        sent = 0
        try:
            while sent < len(stream):
                n = rng.randrange(1, 4096)
                s.sendall(stream[sent:sent + n])
                sent += n
        except (BrokenPipeError, ConnectionResetError):
            return [], True  # closed on a violation while we still sent
        if tail:
            return [], False  # a half-sent frame: we go away, as a crashed client does
        data, replies = b"", []
        while not replies or b'"product":"tmsd"' not in replies[-1]:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                return replies, True
            if not chunk:
                return replies, True
            data += chunk
            *done, data = data.split(b"\0")
            replies += done
        return replies, False
    finally:
        s.close()


def test_the_live_socket_survives_fuzzing_and_the_record_is_intact(daemon):
    print(f"live socket: fuzz seed {SEED} (replay: TMSD_FUZZ_SEED={SEED})")
    rng = random.Random(SEED)
    patient = add_patient(daemon)
    add_course(daemon, patient["id"])
    description = daemon.call("org.varlink.service.GetInterfaceDescription", interface="io.tmsd.Clinic")["description"]
    methods = re.findall(r"^method (\w+)\(", description, re.M)
    fields = sorted(set(re.findall(r"(\w+): ", description)))
    pid, rss_before = daemon.process.pid, rss_kib(daemon.process.pid)
    answered = closed = 0
    for round in range(1000 * SCALE):
        frames = [message(rng, methods, fields) for _ in range(rng.randrange(1, 6))]
        tail = b""
        if rng.random() < 0.05:
            tail = message(rng, methods, fields)  # unterminated
        if round % 150 == 7:
            frames.append(b'{"method":"io.tmsd.Clinic.ListPatients","parameters":{"x":"' + b"a" * (1 << 20) + b'"}}')
        replies, was_closed = exchange(daemon.socket, frames, rng, tail)
        context = f"seed {SEED} round {round}"
        for reply in replies:
            body = json.loads(reply)  # every reply is JSON: an answer or a named error
            assert isinstance(body.get("error", ""), str) and isinstance(body.get("parameters", {}), dict), context
            assert "error" in body or "parameters" in body, f"{context}: {reply[:300]!r}"
            assert body.get("error") != "io.tmsd.Clinic.StorageFailure", f"{context}: {reply[:300]!r}"
        answered += len(replies)
        closed += was_closed
    print(f"live socket: {answered} replies, {closed} connections closed on a violation")
    assert answered > 1000 and closed > 50

    # The same process answers, in reasonable memory.
    assert daemon.alive() and daemon.process.pid == pid
    info = daemon.call("org.varlink.service.GetInfo")
    assert info["product"] == "tmsd"
    assert rss_kib(pid) < rss_before + 64 * 1024, (rss_before, rss_kib(pid))
    # The record: every acknowledged patient, a sound file, a chain that verifies with its records.
    listed = {p["id"]: p for p in daemon.tmsctl_json("patient", "list")["patients"]}
    assert listed[patient["id"]]["mrn"] == patient["mrn"]
    with sqlite3.connect(f"file:{daemon.database}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    verified = daemon.tmsctl("audit", "verify", "--records").stdout
    assert "Intact through" in verified and "records are as the change log recorded them" in verified, verified
