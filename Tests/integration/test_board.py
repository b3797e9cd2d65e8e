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
