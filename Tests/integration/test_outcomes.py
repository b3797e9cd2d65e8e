"""Outcome scores, their chart, response and remission, and the PHQ-9 item-9 alert."""
import json
import re

import pytest
import varlink

from conftest import add_course, add_patient


@pytest.fixture
def course(daemon):
    return add_course(daemon, add_patient(daemon)["id"], "10hz-ldlpfc", "2026-12-01")["course"]


def record(d, course_id, scale, timepoint, date, items=None, total=None, check=True):
    args = ["outcomes", "record", str(course_id), "--scale", scale, "--timepoint", timepoint, "--date", date]
    if items is not None:
        args += ["--items", ",".join(map(str, items))]
    if total is not None:
        args += ["--total", str(total)]
    result = d.tmsctl(*args, "--json", check=check)
    return json.loads(result.stdout) if result.returncode == 0 else result


def test_a_future_date_is_refused(daemon, course):
    result = record(daemon, course["id"], "madrs", "weekly", "2099-01-05", total=10, check=False)
    assert result.returncode == 65 and "date: is in the future" in result.stderr


def test_trajectory_response_and_remission(daemon, course):
    cid = course["id"]
    record(daemon, cid, "phq9", "baseline", "2026-11-16", items=[3, 3, 2, 2, 2, 2, 2, 2, 0])  # 18
    record(daemon, cid, "phq9", "weekly", "2026-11-23", items=[2, 2, 2, 1, 1, 1, 1, 1, 0])  # 11
    record(daemon, cid, "phq9", "end", "2026-11-30", items=[1, 1, 0, 0, 0, 1, 0, 0, 0])  # 3
    record(daemon, cid, "madrs", "baseline", "2026-11-16", total=32)
    record(daemon, cid, "madrs", "weekly", "2026-11-23", total=20)
    trajectories = {t["scale"]["id"]: t for t in daemon.tmsctl_json("outcomes", "show", str(cid))["trajectories"]}
    phq9 = trajectories["phq9"]
    assert [p["total"] for p in phq9["points"]] == [18, 11, 3]
    assert phq9["baseline"] == 18 and phq9["latest"] == 3 and phq9["response"] is True and phq9["remission"] is True
    madrs = trajectories["madrs"]
    assert madrs["baseline"] == 32 and madrs["latest"] == 20 and madrs["response"] is False and madrs["remission"] is False
    chart = daemon.tmsctl("outcomes", str(cid)).stdout
    assert re.search(r"^  2026-11-16 baseline \|#{26}\.{14}\| 18$", chart, re.M), chart
    assert "MADRS (0-60; remission <= 10)" in chart and "baseline 32, latest 20: response no, remission no" in chart
    assert all(len(line) <= 80 for line in chart.splitlines())


@pytest.mark.parametrize("scale,items,total,error,fields", [
    ("phq9", [1, 1, 1, 1, 1, 1, 1, 1], None, "MissingItem", {"item": 9}),
    ("phq9", [1, 1, 4, 1, 1, 1, 1, 1, 1], None, "ScoreOutOfRange", {"item": 3, "value": 4, "maximum": 3}),
    ("phq9", None, 12, "MissingItem", {"item": 1}),
    ("madrs", None, 61, "ScoreOutOfRange", {"value": 61, "maximum": 60}),
    ("bdi2", None, -1, "ScoreOutOfRange", {"value": -1, "minimum": 0}),
    ("gad7", None, 5, "ScaleNotFound", {"scale": "gad7"}),
])
def test_bad_scores_are_refused_with_named_errors(daemon, course, scale, items, total, error, fields):
    before = daemon.dump()
    with pytest.raises(varlink.VarlinkError) as caught:
        daemon.call("io.tmsd.Clinic.RecordOutcome", courseId=course["id"], scale=scale, timepoint="weekly",
                    date="2026-11-30", **({"items": items} if items is not None else {}),
                    **({"total": total} if total is not None else {}))
    assert caught.value.error() == f"io.tmsd.Clinic.{error}"
    params = caught.value.parameters()
    assert params == {**params, **fields}
    assert daemon.dump() == before
    result = record(daemon, course["id"], scale, "weekly", "2026-11-30", items=items, total=total, check=False)
    assert result.returncode == 65 and result.stderr.startswith("tmsctl: ")


def test_phq9_item_9_raises_an_alert_until_acknowledged(daemon, course):
    assert "No open alerts." in daemon.tmsctl("alerts").stdout
    recorded = record(daemon, course["id"], "phq9", "baseline", "2026-11-30", items=[2, 2, 2, 2, 2, 2, 2, 2, 1])
    alert = recorded["alert"]
    assert alert["detail"] == "PHQ-9 item 9 scored 1 on 2026-11-30" and alert["courseId"] == course["id"]
    listed = daemon.tmsctl("alerts").stdout
    assert re.search(rf"^ *{alert['id']} .*PHQ-9 item 9 scored 1 .*OPEN$", listed, re.M), listed
    # No alert when item 9 is 0.
    assert record(daemon, course["id"], "phq9", "weekly", "2026-11-30", items=[3, 3, 3, 3, 3, 3, 3, 3, 0]).get("alert") is None
    acked = daemon.tmsctl_json("alerts", "ack", str(alert["id"]), "--note", "safety plan reviewed")["alert"]
    assert acked["acknowledgedBy"] == "root" and acked["note"] == "safety plan reviewed"
    assert "No open alerts." in daemon.tmsctl("alerts").stdout
    assert "by root: safety plan reviewed" in daemon.tmsctl("alerts", "--all").stdout
    again = daemon.tmsctl("alerts", "ack", str(alert["id"]), "--note", "x", check=False)
    assert again.returncode == 65 and "already acknowledged by root" in again.stderr
    log = daemon.log.read_text()
    assert "alert raised" in log and "Doe" not in log


def test_a_second_baseline_is_refused(daemon, course):
    record(daemon, course["id"], "madrs", "baseline", "2026-11-30", total=30)
    again = record(daemon, course["id"], "madrs", "baseline", "2026-11-30", total=28, check=False)
    assert again.returncode == 65 and "already has its MADRS baseline" in again.stderr
