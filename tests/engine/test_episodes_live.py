"""Order-invariant episodes on the live path: flow-log messages with CloudWatch event times, in the
batches a follower delivers (Engine.ingest, which Session.ingest calls), through the kernel's
parsing and bucketing, for every measure, with and without group_by; then the real follower against a
moto CloudWatch Logs server, fed out of order across streams."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import boto3
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.config import load_config
from tui.engine.batch import Buckets
from tui.engine.engine import Engine, RuleDef
from tui.flowlog import FlowFormat
from tui.patterns import compile_pattern
from tui.run.live import open_live

from tests.rules.test_episodes import reference_episodes

S = 1000
BASE = 1_700_000_000
DEFAULT = FlowFormat.parse("default")
REJECT = compile_pattern("[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action=REJECT, status]")
WINDOW_S = 60
RULES = (
    RuleDef("count-by-src", REJECT, 3, WINDOW_S, ("srcaddr",), "count"),
    RuleDef("bytes-by-src", REJECT, 500, WINDOW_S, ("srcaddr",), "sum", "bytes"),
    RuleDef("ports-by-src", REJECT, 3, WINDOW_S, ("srcaddr",), "distinct", "dstport"),
    RuleDef("count-all", REJECT, 4, WINDOW_S, (), "count"),
)


def line(second: int, src: str, port: int, nbytes: int) -> str:
    t = BASE + second
    return f"2 123456789010 eni-0a1b2c3d {src} 10.0.14.100 40000 {port} 6 3 {nbytes} {t} {t + 60} REJECT OK"


def expected(records) -> list[dict]:
    """The reference episodes of each rule, from records (second, src, port, bytes)."""
    return [
        reference_episodes([(src, BASE + s, 1) for s, src, _, _ in records], 3, WINDOW_S, "count"),
        reference_episodes([(src, BASE + s, b) for s, src, _, b in records], 500, WINDOW_S, "sum"),
        reference_episodes([(src, BASE + s, {p}) for s, src, p, _ in records], 3, WINDOW_S, "distinct"),
        reference_episodes([("", BASE + s, 1) for s, _, _, _ in records], 4, WINDOW_S, "count"),
    ]


def episodes_of(engine: Engine) -> list[dict]:
    """Close every episode (watermark past every window), then each rule's {group: episodes}."""
    watermark = engine.rules.watermark or 0
    engine.rules.apply([Buckets() for _ in RULES], watermark + 2 * WINDOW_S * S)
    out = []
    for rule in engine.rules.rules:
        out.append({
            key: [(e.start // S, e.end // S, e.peak) for e in window.episodes]
            for key, window in rule.groups.items() if window.episodes
        })
    return out


@st.composite
def deliveries(draw):
    n = draw(st.integers(1, 60))
    records = [
        (draw(st.integers(0, 300)), draw(st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"])),
         draw(st.sampled_from([22, 80, 443, 3389, 8080])), draw(st.integers(0, 300)))
        for _ in range(n)
    ]
    order = draw(st.permutations(range(n)))
    cuts = sorted(set(draw(st.lists(st.integers(1, n), max_size=12))))
    return records, [records[i] for i in order], cuts


@settings(max_examples=300)
@given(deliveries())
def test_follower_batches_in_any_order_give_the_reference_episodes(delivery):
    records, arrivals, cuts = delivery
    engine = Engine(DEFAULT, RULES, event_times=True)
    alerts = []
    start = 0
    for cut in cuts + [len(arrivals)]:
        if cut <= start:
            continue
        batch = arrivals[start:cut]
        alerts += engine.ingest([line(*r) for r in batch], [(BASE + r[0]) * S for r in batch])
        start = cut
    assert episodes_of(engine) == expected(records)
    alarm_ids = [a.id for a in alerts if a.state == "ALARM"]
    assert len(alarm_ids) == len(set(alarm_ids))


def test_real_follower_against_moto_out_of_order_across_streams(aws_endpoint, tmp_path):
    """Events written to three ENI streams in shuffled batches, stamped up to 105 s before they are
    written (late for every rescan tier but the youngest): the engine behind the real follower ends
    with the reference episodes, whatever the shuffle. With a 0.5 s poll the tiers are [0, 12 s]
    every poll, [12, 36 s] every 3 s and [36, 108 s] every 9 s, so the test waits seconds, not the
    minute the default tiers' oldest events would take."""
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    group = "/vpc/flow-logs"
    logs.create_log_group(logGroupName=group)
    streams = ["eni-a", "eni-b", "eni-c"]
    for stream in streams:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time())
    rng = random.Random(3)
    origin = now - 105
    records = [
        (rng.randrange(0, 95), rng.choice(["10.0.0.1", "10.0.0.2", "10.9.9.9"]), rng.choice([22, 80, 443]), rng.randrange(0, 200))
        for _ in range(150)
    ]
    batches: list[tuple[str, list]] = []
    shuffled = records[:]
    rng.shuffle(shuffled)
    for index in range(0, len(shuffled), 10):
        chunk = sorted(shuffled[index:index + 10])  # PutLogEvents wants each call in time order
        batches.append((streams[index // 10 % 3], chunk))

    config = load_config(_write_config(tmp_path, aws_endpoint, group))
    live = open_live(config, mode="watch", since_s=900)
    engine = live.session.engine
    assert [r.name for r in engine.rule_defs] == [r.name for r in RULES]
    pause = threading.Event()  # never set: waits between polls of the engine's record count
    live.start()
    try:
        for stream, chunk in batches:
            logs.put_log_events(
                logGroupName=group, logStreamName=stream,
                logEvents=[{"timestamp": (origin + s) * S, "message": line_at(origin, s, src, port, b)} for s, src, port, b in chunk],
            )
        deadline = time.monotonic() + 60
        while engine.records < len(records) and time.monotonic() < deadline:
            pause.wait(0.1)
        assert engine.records == len(records)
    finally:
        live.stop()
    shifted = [(origin + s - BASE, src, port, b) for s, src, port, b in records]
    assert episodes_of(engine) == expected(shifted)


def line_at(origin: int, second: int, src: str, port: int, nbytes: int) -> str:
    return line(origin + second - BASE, src, port, nbytes)


def _write_config(folder: Path, endpoint: str, group: str) -> Path:
    rules = "\n".join(
        f"""  - name: {r.name}
    pattern: '[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action=REJECT, status]'
    threshold: {int(r.threshold)}
    window: {int(r.window_s)}s
    measure: {r.measure if r.measure_field is None else r.measure + ':' + r.measure_field}
""" + (f"    group_by: [{', '.join(r.group_by)}]\n" if r.group_by else "")
        for r in RULES
    )
    text = f"""
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: {group}
follow:
  poll_interval: 500ms
  lookback: 15m
rules:
{rules}"""
    path = folder / "live.yaml"
    path.write_text(text)
    return path
