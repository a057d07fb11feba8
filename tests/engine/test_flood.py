"""A flood of attacker-made group keys (issue 17, section 1): 60,000 REJECTs from distinct spoofed
sources over 60 s must not hide three REJECTs from one real attacker, and when the memory budget is
really exhausted the rule says so (a DEGRADED alert in every output) rather than going blind. A rule
evaluated as CloudWatch evaluates its alarm (``evaluate: cloudwatch``) says so the same way when its
series outgrow their cap.

Everything goes through the live path: flow-log messages with CloudWatch event times, in the batches
a follower delivers (Engine.ingest, as Session.ingest calls it), and the headless loop."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.config import load_config
from tui.engine.engine import Engine, RuleDef, engine_from_config
from tui.flowlog import FlowFormat
from tui.patterns import compile_pattern
from tui.rules.alerts import DEGRADED
from tui.rules.budget import SINGLE_BYTES
from tui.run.live import Headless, Live
from tui.run.session import Session
from tui.sinks.delivery import Delivery
from tui.sinks.journal import Journal
from tui.sinks.jsonl import AlertLines, JsonLines
from tui.sources.follower import FollowerStatus

S = 1000
BASE = 1_700_000_000
ATTACKER = "203.0.113.250"
PAGE = 10_000  # events per FilterLogEvents page: the batches a polling follower delivers
PATTERN = "[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action=REJECT, status]"


def line(second: int, src: str) -> str:
    t = BASE + second
    return f"2 123456789010 eni-0a1b2c3d {src} 10.0.14.100 40000 22 6 3 180 {t} {t + 60} REJECT OK"


def flood(distinct: int = 60_000, seconds: int = 60) -> list[tuple[int, str]]:
    """``distinct`` spoofed sources spread evenly over ``seconds``, plus the attacker at +0, +25, +50,
    in event-time order (as CloudWatch returns one page)."""
    events = [(i * seconds // distinct, f"100.64.{i // 256 % 256}.{i % 256}" if i < 65_536 else f"100.{64 + i // 65_536}.{i // 256 % 256}.{i % 256}")
              for i in range(distinct)]
    events += [(0, ATTACKER), (25, ATTACKER), (50, ATTACKER)]
    return sorted(events, key=lambda event: event[0])


CLOUDWATCH = "    evaluate: cloudwatch\n"  # period: the window (60 s)


def config_file(folder: Path, limits: str = "", rule_keys: str = "") -> Path:
    path = folder / "flood.yaml"
    path.write_text(f"""
rules:
  - name: reject-by-src
    pattern: '{PATTERN}'
    threshold: 3
    window: 60s
    group_by: [srcaddr]
{rule_keys}{limits}""")
    return path


def feed(engine: Engine, events: list[tuple[int, str]], page: int = PAGE) -> list:
    alerts = []
    for start in range(0, len(events), page):
        batch = events[start:start + page]
        alerts += engine.ingest([line(s, src) for s, src in batch], [(BASE + s) * S for s, _ in batch])
    return alerts


def test_the_issue_flood_alarms_with_the_default_limits(tmp_path):
    """The issue's scenario with the default configuration: it gave no ALARM (10,000 groups, the
    oldest evicted, the attacker among them). The default budget holds the whole flood."""
    engine = engine_from_config(load_config(config_file(tmp_path)), event_times=True)
    alerts = feed(engine, flood())
    alarms = [alert for alert in alerts if alert.state == "ALARM"]
    assert [(a.group, a.time_ms // S - BASE, a.value) for a in alarms] == [({"srcaddr": ATTACKER}, 50, 3)]
    status = engine.snapshot().rules[0]
    assert status.evicted_groups == 0 and status.degraded_since_ms is None
    assert status.groups == 60_001  # 60,000 one-record groups and the attacker's window


def test_an_exhausted_budget_evicts_the_one_record_groups_first_and_says_so(tmp_path):
    """6 MB holds ~35,000 one-record groups: the flood overflows it, but the attacker's first record
    is younger than most of the flood when its second comes (25,000 sources later), and a group with
    two records is evicted only after every one-record group. The rule alarms, and reports the
    evictions once, as a DEGRADED alert counting them."""
    engine = engine_from_config(load_config(config_file(tmp_path, "limits: {rule_memory: 6MB}")), event_times=True)
    alerts = feed(engine, flood())
    assert [(a.state, a.group) for a in alerts] == [(DEGRADED, {}), ("ALARM", {"srcaddr": ATTACKER})]
    degraded = alerts[0]
    status = engine.snapshot().rules[0]
    assert 0 < degraded.value <= status.evicted_groups == status.degraded_evicted
    assert status.evicted_groups >= 60_000 - 6 * 1000**2 // SINGLE_BYTES  # what did not fit was evicted, and counted
    line_ = degraded.to_json()
    assert line_["type"] == "alert" and line_["state"] == "DEGRADED" and line_["rule"] == "reject-by-src"
    assert line_["evicted"] == degraded.value and line_["since"] == line_["time"] == line_["episodeStart"]
    assert line_["message"].startswith(f"rule reject-by-src: detection degraded, {int(degraded.value):,} groups evicted since ")


def test_the_old_count_cap_still_bounds_and_still_reports(tmp_path):
    """``max_groups_per_rule`` set by hand: a hard cap, with the same eviction order and report."""
    engine = engine_from_config(load_config(config_file(tmp_path, "limits: {max_groups_per_rule: 30000}")),
                                event_times=True)
    alerts = feed(engine, flood())
    assert [(a.state, a.group) for a in alerts] == [(DEGRADED, {}), ("ALARM", {"srcaddr": ATTACKER})]
    assert engine.snapshot().rules[0].groups == 30_000


@st.composite
def floods(draw):
    """A flood of distinct one-record sources and the attacker's three records within one window,
    in any arrival order and any batches, under a group cap."""
    size = draw(st.integers(0, 40))
    records = [(draw(st.integers(0, 59)), f"100.64.0.{i}") for i in range(size)]
    records += [(second, ATTACKER) for second in (0, 25, 50)]
    order = draw(st.permutations(records))
    cuts = sorted(set(draw(st.lists(st.integers(1, len(order)), max_size=10))))
    cap = draw(st.integers(2, 45))
    return order, cuts, cap


@settings(max_examples=300)
@given(floods())
def test_whatever_the_order_and_batches_the_attacker_alarms_or_the_rule_says_it_is_degraded(case):
    """The attacker alarms whenever its first record can still be held when its second arrives:
    fewer flood sources than the cap arrived in between, whatever the batches. Evictions, and only
    they, give exactly one DEGRADED (the episode lasts: max_delay is long)."""
    order, cuts, cap = case
    engine = Engine(FlowFormat.parse("default"), [RuleDef("reject-by-src", compile_pattern(PATTERN), 3, 60, ("srcaddr",))],
                    event_times=True, max_groups=cap)
    alerts, start = [], 0
    for cut in cuts + [len(order)]:
        if cut > start:
            batch = order[start:cut]
            alerts += engine.ingest([line(s, src) for s, src in batch], [(BASE + s) * S for s, _ in batch])
            start = cut
    arrivals = [index for index, (_, src) in enumerate(order) if src == ATTACKER]
    between = arrivals[1] - arrivals[0] - 1
    alarmed = any(a.state == "ALARM" and a.group == {"srcaddr": ATTACKER} for a in alerts)
    degraded = [a for a in alerts if a.state == DEGRADED]
    evicted = engine.snapshot().rules[0].evicted_groups
    if between <= cap - 1:
        assert alarmed
    assert alarmed or degraded  # never blind without a word
    assert len(degraded) == (1 if evicted else 0)


class _Lines(JsonLines):
    """Headless output kept in memory; ``status`` is set once a status line was written."""

    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.status = threading.Event()

    def write(self, obj: dict) -> None:
        super().write(obj)
        if obj["type"] == "status":
            self.status.set()

    def objects(self) -> list[dict]:
        return [json.loads(text) for text in self.stream.getvalue().splitlines()]


def _follower_status() -> FollowerStatus:
    return FollowerStatus("/vpc/flow-logs", "ok", None, 0.0, None, None, 0, 0, 1.0, None, 0, 1)


def _headless_run(
    tmp_path: Path, delivery: Delivery | None, config: Path | None = None, events: list[tuple[int, str]] | None = None,
) -> tuple[list[dict], str]:
    """The flood (``events``) through a watch session's headless loop, the rules of ``config`` (default:
    a 6 MB budget); returns its stdout objects and stderr."""
    config = config or config_file(tmp_path, "limits: {rule_memory: 6MB}")
    engine = engine_from_config(load_config(config), event_times=True)
    out, errors = _Lines(), io.StringIO()
    events = flood() if events is None else events

    def feeder(session: Session, stop: threading.Event) -> None:
        session.set_sources([_follower_status()])
        for start in range(0, len(events), PAGE):
            batch = events[start:start + PAGE]
            session.ingest([line(s, src) for s, src in batch], [(BASE + s) * S for s, _ in batch])
        for _ in range(2):  # until the loop printed a status line after the flood (no sleep): the
            out.status.clear()  # first one written from here may hold a snapshot taken just before
            out.status.wait(30)

    session = Session(engine, feeder, "watch")
    if delivery is not None:
        session.on_alert(lambda alert: delivery.submit(alert, ()))
    headless = Headless(out, status_every_s=0.05, errors=errors)
    assert headless.run(Live(session, delivery)) == 0
    return out.objects(), errors.getvalue()


def test_headless_prints_the_degraded_alert_and_evictions_in_status_lines(tmp_path):
    objects, errors = _headless_run(tmp_path, None)
    alerts = [o for o in objects if o["type"] == "alert"]
    assert [(o["state"], o["group"]) for o in alerts] == [("DEGRADED", {}), ("ALARM", {"srcaddr": ATTACKER})]
    assert alerts[0]["message"] in errors  # and one line on stderr for a person
    status = [o for o in objects if o["type"] == "status"][-1]
    (rule,) = status["rules"]
    assert rule["rule"] == "reject-by-src" and rule["evicted"] > 0 and rule["evicted"] == rule["evictedSinceDegraded"]
    assert rule["degradedSince"] == alerts[0]["since"] and rule["groups"] > 30_000


def test_the_degraded_alert_is_journaled_and_delivered_once_per_episode(tmp_path):
    """Through the delivery path (journal, then notifiers): the stdout notifier, like SNS, takes a
    rule's DEGRADED wherever its ALARMs go; a restart that finds the same episode again sends
    nothing twice."""
    journal_path = tmp_path / "alerts.jsonl"
    delivery = Delivery(Journal(str(journal_path)), {})
    sent: list = []
    delivery.add_notifier("pager", AlertLines(sent.append), every_rule=True)  # as SNS: states ALARM, OK
    objects, _ = _headless_run(tmp_path, delivery)
    expected = [(DEGRADED, {}), ("ALARM", {"srcaddr": ATTACKER})]
    assert [(a.state, a.group) for a in sent] == expected
    assert [(o["state"], o["group"]) for o in objects if o["type"] == "alert"] == expected  # headless stdout
    journaled = [json.loads(text) for text in journal_path.read_text().splitlines()]
    assert [entry["state"] for entry in journaled if entry.get("type") == "alert"][:1] == ["DEGRADED"]

    again: list = []
    restarted = Delivery(Journal(str(journal_path)), {})
    restarted.add_notifier("pager", AlertLines(again.append), every_rule=True)
    restarted.start()
    try:
        for alert in sent:
            restarted.submit(alert)
        assert restarted.drain(10)
    finally:
        restarted.stop()
    assert again == [] and restarted.status().duplicates == 2 and restarted.status().sent == 0


@pytest.mark.parametrize(
    ("limits", "series_cap", "evicted_by"),
    [("limits: {max_groups_per_rule: 3000}", None, "limits.max_groups_per_rule"),
     ("", 3_000, "the 3,000-series cap")],
    ids=["max_groups_per_rule", "series-cap"],
)
def test_a_cloudwatch_rule_that_evicts_series_raises_degraded(tmp_path, monkeypatch, limits, series_cap, evicted_by):
    """A rule with ``evaluate: cloudwatch`` keeps one series per group, at most max_groups_per_rule
    (SERIES_CAP without it): evicting one could hide an alarm, so the first eviction is a DEGRADED
    alert of the rule, as a sliding rule's budget eviction is, and the rule's status counts the
    alarm's series and evictions (the status bar, banner, rule view and headless status read it)."""
    if series_cap is not None:
        monkeypatch.setattr("tui.rules.cloudwatch_alarm.SERIES_CAP", series_cap)
    engine = engine_from_config(load_config(config_file(tmp_path, limits, CLOUDWATCH)), event_times=True)
    alerts = feed(engine, flood(6_000), page=1_000)
    assert [(a.state, a.group, a.evaluation) for a in alerts] == [(DEGRADED, {}, "cloudwatch")]
    degraded = alerts[0]
    status = engine.snapshot().rules[0]
    assert status.groups == 3_000 and status.evicted_by == evicted_by
    assert 0 < degraded.value <= status.evicted_groups == status.degraded_evicted
    assert status.evicted_groups >= 6_000 - 3_000 and status.degraded_since_ms == degraded.time_ms
    line_ = degraded.to_json()
    assert line_["state"] == "DEGRADED" and line_["evaluation"] == "cloudwatch" and line_["evicted"] == degraded.value
    assert line_["message"].startswith(f"rule reject-by-src: detection degraded, {int(degraded.value):,} groups evicted since ")


def test_a_cloudwatch_rules_degraded_alert_reaches_every_output_once(tmp_path):
    """Through the headless watch loop with a journal and a notifier (as SNS): the CloudWatch-evaluated
    rule's DEGRADED is on stdout and stderr, journaled, sent once, and the status lines' rules array
    counts the alarm's evictions."""
    journal_path = tmp_path / "alerts.jsonl"
    delivery = Delivery(Journal(str(journal_path)), {})
    sent: list = []
    delivery.add_notifier("pager", AlertLines(sent.append), every_rule=True)  # as SNS: states ALARM, OK
    config = config_file(tmp_path, "limits: {max_groups_per_rule: 3000}", CLOUDWATCH)
    objects, errors = _headless_run(tmp_path, delivery, config, flood(6_000))
    assert [(a.state, a.group, a.evaluation) for a in sent] == [(DEGRADED, {}, "cloudwatch")]
    alerts = [o for o in objects if o["type"] == "alert"]
    assert [(o["state"], o["group"]) for o in alerts] == [("DEGRADED", {})]
    assert f"flowtail: {alerts[0]['message']}" in errors
    journaled = [json.loads(text) for text in journal_path.read_text().splitlines()]
    assert [entry["state"] for entry in journaled if entry.get("type") == "alert"] == ["DEGRADED"]
    (rule,) = [o for o in objects if o["type"] == "status"][-1]["rules"]
    assert rule["groups"] == 3_000 and rule["evicted"] == rule["evictedSinceDegraded"] >= 3_000
    assert rule["degradedSince"] == alerts[0]["since"]


def test_real_follower_against_moto_keeps_the_attacker_and_reports_the_evictions(aws_endpoint, tmp_path):
    """The flood written to CloudWatch Logs (moto), read by the real polling follower into a watch
    session with a 1 MB budget (~5,500 one-record groups): 12,000 distinct sources over 60 s overflow
    it, the attacker's three records (5,000 sources apart) are kept, and the session's alerts hold
    the DEGRADED report and the ALARM."""
    import time

    import boto3

    from tui.run.live import open_live

    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    group, stream = "/vpc/flow-logs", "eni-0a1b2c3d"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    origin = int(time.time()) - 300
    events = flood(12_000)
    for start in range(0, len(events), 4_000):  # within PutLogEvents' 10,000 events and 1 MB
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": (origin + s) * S, "message": line(origin + s - BASE, src)}
            for s, src in events[start:start + 4_000]
        ])
    path = config_file(tmp_path, "limits: {rule_memory: 1MB}")
    path.write_text(path.read_text() + f"""
aws:
  region: us-east-1
  endpoint_url: {aws_endpoint}
sources:
  - log_group: {group}
follow:
  poll_interval: 1s
  lookback: 15m
""")
    live = open_live(load_config(path), mode="watch", since_s=900)
    engine = live.session.engine
    pause = threading.Event()  # never set: waits between looks at the engine's record count
    live.start()
    try:
        deadline = time.monotonic() + 120
        while engine.records < len(events) and time.monotonic() < deadline:
            pause.wait(0.1)
        assert engine.records == len(events)
    finally:
        live.stop()
    alerts = sorted((a.state, str(a.group)) for a in engine.snapshot().alerts)  # in the order pages came
    assert alerts == [("ALARM", str({"srcaddr": ATTACKER})), (DEGRADED, "{}")]
    assert engine.snapshot().rules[0].evicted_groups >= 12_000 - 1000**2 // SINGLE_BYTES
