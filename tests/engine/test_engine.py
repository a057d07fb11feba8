"""The engine end to end: lines in, alert objects (DESIGN.md section 2) and snapshots out."""

from __future__ import annotations

from tui.engine.engine import Engine, RuleDef
from tui.flowlog import FlowFormat
from tui.patterns import compile_pattern

from tests.engine.conftest import BASE, flow_lines

DEFAULT = FlowFormat.parse("default")
BASTION = compile_pattern(
    '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", '
    'packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]'
)


def reject(t: int, src: str = "10.0.0.155", port: int = 80) -> str:
    return f"2 123456789010 eni-0a1b2c3d {src} 10.0.14.100 40000 {port} 6 3 180 {t} {t + 60} REJECT OK"


def bastion_engine(**kwargs) -> Engine:
    rule = RuleDef("bastion-http-reject", BASTION, 3, 300, ("srcaddr",), "count", None, "high")
    return Engine(DEFAULT, [rule], **kwargs)


def test_three_rejects_within_300s_raise_one_alarm_with_samples():
    engine = bastion_engine()
    noise = flow_lines(50, start=BASE)
    batch = noise[:20] + [reject(BASE + 10), reject(BASE + 100)] + noise[20:] + [reject(BASE + 250), reject(BASE + 260)]
    alerts = engine.ingest_text("\n".join(batch) + "\n")
    assert len(alerts) == 1
    alert = alerts[0].to_json()
    assert alert == {
        "type": "alert",
        "rule": "bastion-http-reject",
        "state": "ALARM",
        "group": {"srcaddr": "10.0.0.155"},
        "value": 3,
        "threshold": 3,
        "window": 300,
        "measure": "count",
        "time": "2023-11-14T22:17:30Z",
        "first": "2023-11-14T22:13:30Z",
        "last": "2023-11-14T22:17:30Z",
        "severity": "high",
        "samples": [reject(BASE + 10), reject(BASE + 100), reject(BASE + 250)],
        "id": alerts[0].episode_id + "-alarm",
        "episode": alerts[0].episode_id,
        "episodeStart": "2023-11-14T22:17:30Z",
        "late": False,
        "peak": 3,  # the highest value so far, when it alarmed
        "description": "",
    }


def test_alarm_then_ok_when_the_watermark_moves_on():
    engine = bastion_engine()
    engine.ingest_text("\n".join(reject(BASE + s) for s in (0, 1, 2)) + "\n")
    later = flow_lines(10, start=BASE + 400)
    alerts = engine.ingest_text("\n".join(later) + "\n")
    assert [(a.state, a.time_ms) for a in alerts] == [("OK", (BASE + 300) * 1000)]
    assert alerts[0].value == 2


def test_samples_are_capped():
    engine = bastion_engine(max_samples=2)
    alerts = engine.ingest_text("\n".join(reject(BASE) for _ in range(9)) + "\n")
    assert len(alerts[0].samples) == 2


def test_snapshot_is_immutable_and_counts():
    engine = bastion_engine(recent_rows=5)
    lines = flow_lines(200) + ["garbage line"]
    engine.ingest_text("\n".join(lines) + "\n")
    snap = engine.snapshot()
    assert snap.records == 200 and snap.malformed == 1 and snap.malformed_samples == ("garbage line",)
    assert snap.recent == tuple(lines[-5:])
    assert snap.stats.totals[0] == 200
    assert snap.rules[0].name == "bastion-http-reject"
    engine.ingest_text("\n".join(flow_lines(10)) + "\n")
    assert snap.records == 200  # the earlier snapshot did not change


def test_cloudwatch_batches_use_event_timestamps():
    engine = Engine(DEFAULT, [RuleDef("any-reject", compile_pattern("REJECT"), 2, 60)], event_times=True)
    lines = [reject(1), reject(2)]  # record start fields are ignored: the event timestamp counts
    alerts = engine.ingest(lines, [BASE * 1000, BASE * 1000 + 59_999])
    assert [(a.state, a.time_ms, a.group) for a in alerts] == [("ALARM", BASE * 1000 + 59_999, {})]


def test_group_values_are_typed_by_the_format():
    rule = RuleDef("ssh", compile_pattern("[..., dstport=22, p, pk, b, s, e, action=REJECT, st]"), 1, 60, ("dstport", "srcaddr"))
    engine = Engine(DEFAULT, [rule])
    alerts = engine.ingest_text(reject(BASE, port=22) + "\n")
    assert alerts[0].group == {"dstport": 22, "srcaddr": "10.0.0.155"}


def test_samples_found_by_bisection_equal_those_of_a_full_scan():
    """In a batch whose times never decrease the engine bisects to each alarm's window (in its lines,
    or searching its text for the group's value); a batch that goes back in time is scanned whole.
    All must pick the same lines."""
    import dataclasses
    import random

    rng = random.Random(2)
    rules = [
        RuleDef("bastion", BASTION, 3, 300, ("srcaddr",), "count", None, "high"),
        RuleDef("ssh", compile_pattern("[..., dstport=22, p, pk, b, s, e, action=REJECT, st]"), 4, 30, ("srcaddr",)),
        RuleDef("db", compile_pattern("[..., dstport=3306 || dstport=5432, p, pk, b, s, e, a, st]"), 30, 60),
    ]
    lines = flow_lines(3000)
    for _ in range(40):
        at = rng.randrange(len(lines))
        second = int(lines[at].split()[10])
        lines.insert(at, reject(second, port=rng.choice([22, 80])))
        if rng.random() < 0.3:  # the group's value twice on one line
            lines.insert(at, reject(second).replace(" 10.0.14.100 ", " 10.0.0.155 "))
    text = "\n".join(lines) + "\n"
    for max_samples in (3, 10_000):  # 10,000: every matching line of the window
        bisected, searched, scanned = (Engine(DEFAULT, rules, max_samples=max_samples, recent_rows=0) for _ in range(3))
        batch = bisected.kernel.process_text(text)
        assert batch.time_runs is not None
        alerts = bisected.apply(batch, lambda: text.split("\n")[:-1], None)
        in_text = searched.apply(batch, lambda: text.split("\n")[:-1], None, lambda: text)
        expected = scanned.apply(dataclasses.replace(batch, time_runs=None), lambda: text.split("\n")[:-1], None)
        assert [a.to_json() for a in alerts] == [a.to_json() for a in expected] == [a.to_json() for a in in_text]
        assert sum(a.state == "ALARM" for a in alerts) >= 3 and all(a.samples for a in alerts if a.state == "ALARM")
