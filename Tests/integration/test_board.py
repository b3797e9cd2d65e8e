"""The front desk's board (issue 14, part 5): today by chair and time in 80
columns, every session drawn, the current quarter hour marked, and who is in
each chair now."""
from conftest import add_course, add_patient


def test_the_board_marks_now_and_says_who_is_in_each_chair(daemon):
    course = add_course(daemon, add_patient(daemon, family="Doe", given="Jane")["id"])
    first = course["sessions"][0]
    assert first["time"] == "09:00" and first["chair"] == "chair-1"
    board = daemon.tmsctl("board").stdout
    now = daemon.now().strftime("%H:%M")
    assert f"Now {now} (marked >): chair-1 free" in board
    quarter = f"{daemon.now().hour:02d}:{daemon.now().minute // 15 * 15:02d}>"
    assert [line for line in board.splitlines() if line.startswith(quarter)], board
    assert f"#{first['id']} Doe J" in board
    assert all(len(line) <= 80 for line in board.splitlines()), board
    # At 09:05 the session is due; started, it is under way, and drawn so.
    daemon.travel(hours=1, minutes=5 - daemon.now().minute)
    assert f"chair-1 #{first['id']} due" in daemon.tmsctl("board").stdout
    daemon.tmsctl("session", "start", str(first["id"]))
    board = daemon.tmsctl("board").stdout
    assert f"chair-1 #{first['id']} under way" in board and f"#{first['id']}* Doe J" in board
    assert daemon.tmsctl_json("board")["now"] == daemon.now().strftime("%H:%M")
    # Another day's board has no now.
    other = daemon.tmsctl_json("board", "2026-12-07")
    assert "now" not in other or other["now"] is None
    assert "Now " not in daemon.tmsctl("board", "2026-12-07").stdout


def read_until(stream, needle, collected, timeout=15.0):
    """Reads `stream` (a pipe, in a thread) until `needle` shows in what was read since `collected` began."""
    import threading
    done = threading.Event()

    def reader():
        while needle not in collected["text"]:
            chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(1)
            if not chunk:
                break
            collected["text"] += chunk.decode()
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    assert done.wait(timeout) and needle in collected["text"], collected["text"][-2000:]


def until_closed(s):
    """Everything the socket receives until tmsd closes it; then closed here too."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    return data


def test_board_watch_follows_changes_through_a_subscription(tmp_dir):
    """`board --watch` draws the board again when tmsd records a change: a call with `more`, no polling.
    The connection outlives [daemon] idle-timeout, and a second call on it closes it."""
    import subprocess
    import time
    from conftest import TEST_CONFIG, TMSCTL, Daemon
    d = Daemon(tmp_dir, TEST_CONFIG.replace("[clinic]", "[daemon]\nidle-timeout = 1\n\n[clinic]")).start()
    watcher = None
    try:
        course = add_course(d, add_patient(d, family="Doe", given="Jane")["id"])
        first = course["sessions"][0]
        watcher = subprocess.Popen([TMSCTL, "board", "--watch", "--socket", d.socket], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
        seen = {"text": ""}
        read_until(watcher.stdout, "Now ", seen)
        assert "\x1b[" not in seen["text"], "no terminal codes into a pipe"
        time.sleep(2.5)  # past the idle timeout: a subscriber is not idle
        d.tmsctl("session", "start", str(first["id"]))
        read_until(watcher.stdout, f"#{first['id']}* Doe J", seen)
        assert "\f" in seen["text"] and seen["text"].count("TIME  chair-1") >= 2
        assert watcher.poll() is None
    finally:
        if watcher:
            watcher.terminate()
            watcher.wait(10)
        d.stop()


def test_the_reference_client_subscribes_with_more(daemon):
    import queue
    import threading
    import varlink
    course = add_course(daemon, add_patient(daemon)["id"])
    first = course["sessions"][0]
    replies = queue.Queue()

    def follow():
        try:
            with varlink.Client(address=f"unix:{daemon.socket}") as client:
                with client.open("io.tmsd.Clinic", namespaced=False) as connection:
                    for reply in connection.GetDaySchedule(_more=True):
                        replies.put(reply)
        except ConnectionError:
            pass  # tmsd stopping at the test's end closes the subscription

    threading.Thread(target=follow, daemon=True).start()
    initial = replies.get(timeout=15)
    assert [s["session"]["status"] for s in initial["sessions"]] == ["scheduled"]
    daemon.tmsctl("session", "start", str(first["id"]))
    latest = replies.get(timeout=15)
    while not replies.empty():
        latest = replies.get()
    assert [s["session"]["status"] for s in latest["sessions"]] == ["in_progress"]
    # Another call on the subscribed connection breaks the protocol: the connection is closed, tmsd serves on.
    s = daemon.tmsctl_raw()
    s.sendall(b'{"method":"io.tmsd.Clinic.GetDaySchedule","more":true}\0')
    data = b""
    while b"\0" not in data:
        data += s.recv(65536)
    assert b'"continues":true' in data
    s.sendall(b'{"method":"io.tmsd.Clinic.ListPatients"}\0')
    rest = until_closed(s)
    assert b"ListPatients" not in rest and b'"patients"' not in rest
    assert daemon.call("io.tmsd.Clinic.ListPatients")["patients"]
    assert "a call was sent on a connection that holds a subscription" in daemon.log.read_text()
    # A call pipelined behind the subscription, in the same write, is refused the same way, not left unanswered.
    s = daemon.tmsctl_raw()
    s.sendall(b'{"method":"io.tmsd.Clinic.GetDaySchedule","more":true}\0{"method":"io.tmsd.Clinic.ListPatients"}\0')
    assert b'"patients"' not in until_closed(s)
    assert daemon.call("io.tmsd.Clinic.ListPatients")["patients"]
