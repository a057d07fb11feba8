"""A Kinesis source in a watch session: how it is built from the configuration, what the status bar
and the headless status lines say about it, and `flowtail demo --source kinesis` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.app.widgets.status_bar import source_status
from tui.config import load_config
from tui.run.live import open_live, status_line
from tui.sources.kinesis import KinesisSource, KinesisStatus, ShardStatus

from tests.headless_run import run_headless_until

REPO = Path(__file__).resolve().parents[2]


def sample_status(**changes) -> KinesisStatus:
    shards = (
        ShardStatus("shardId-000000000000", "closed", 0, 0.0, 900),
        ShardStatus("shardId-000000000001", "reading", 1_500, 1_200.0, 50_000),
        ShardStatus("shardId-000000000002", "throttled", 62_000, 900.0, 40_000),
    )
    values = dict(
        stream="flowlogs", state="throttled", shards=shards, events_per_s=2_100.0, millis_behind=62_000,
        lag_p50_ms=60_000, lag_p95_ms=300_000, last_read=1_700_000_000.0, events=90_900, warmup=0, duplicates=3,
        other_groups=7, malformed=1, throttled=4, expired_iterators=2, errors=0, calls=300, checkpoints=120,
        dedup_size=90_900, dedup_evicted=0, last_error=None,
    )
    values.update(changes)
    return KinesisStatus(**values)


def test_the_status_bar_says_shards_rate_lag_and_throttling_compactly():
    text = source_status(sample_status(), now=1_700_000_001.0).plain
    assert text == "⚠ kinesis:flowlogs throttled behind 1m2s 2/3 shards 2,100 ev/s 1 throttled"


def test_the_status_bar_shows_the_error_of_a_failing_stream():
    status = sample_status(state="error", last_error="access denied: the IAM principal needs kinesis:GetRecords\x1b[2J")
    text = source_status(status, now=0).plain
    assert text.startswith("✖ kinesis:flowlogs error behind 1m2s 2/3 shards") and "access denied" in text and "\x1b" not in text


def test_the_headless_status_line_has_every_shard():
    line = status_line(sample_status())
    assert line["type"] == "status" and line["source"] == "kinesis" and line["stream"] == "flowlogs"
    assert (line["state"], line["millisBehindLatest"], line["events"], line["duplicates"]) == ("throttled", 62_000, 90_900, 3)
    assert (line["throttled"], line["expiredIterators"], line["lastRead"]) == (4, 2, "2023-11-14T22:13:20Z")
    assert line["shards"][2] == {"shardId": "shardId-000000000002", "state": "throttled", "millisBehindLatest": 62_000,
                                 "recordsPerSecond": 900.0}
    json.dumps(line)  # a JSON line


def write_config(tmp_path, text: str):
    path = tmp_path / "watch.yaml"
    path.write_text(text)
    return load_config(path)


def test_open_live_builds_a_kinesis_source_per_stream(tmp_path, aws_endpoint):
    config = write_config(tmp_path, f"""
aws: {{region: us-east-1, endpoint_url: '{aws_endpoint}'}}
sources:
  - kinesis_stream: flowlogs
    log_groups: [/vpc/flow-logs]
    consumer_name: console
  - kinesis_stream: arn:aws:kinesis:eu-west-1:123456789012:stream/central
""")
    live = open_live(config, state_dir=tmp_path / "state")
    sources = live.sources
    assert [type(s) for s in sources] == [KinesisSource, KinesisSource]
    assert [s.label for s in sources] == ["flowlogs", "arn:aws:kinesis:eu-west-1:123456789012:stream/central"]
    assert sources[0].checkpoint.path == tmp_path / "state" / "kinesis" / "flowlogs--console.json"
    assert sources[1]._client.meta.region_name == "eu-west-1"  # the ARN's region, not aws.region


def test_a_damaged_checkpoint_stops_watch_with_one_line(tmp_path, aws_endpoint):
    config = write_config(tmp_path, f"aws: {{region: us-east-1, endpoint_url: '{aws_endpoint}'}}\nsources: [{{kinesis_stream: flowlogs}}]\n")
    checkpoint = tmp_path / "state" / "kinesis" / "flowlogs--default.json"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_text("{")
    from tui.errors import FlowtailError

    with pytest.raises(FlowtailError, match=r"checkpoint .*flowlogs--default.json is damaged"):
        open_live(config, state_dir=tmp_path / "state")


def test_demo_through_kinesis_alarms_and_reports_its_stream():
    def reported(lines: list[dict]) -> bool:
        rules = {line["rule"] for line in lines if line["type"] == "alert" and line["state"] == "ALARM"}
        return len(rules) >= 3 and any(line["type"] == "status" and line["events"] > 0 for line in lines)

    # Stopped with SIGINT once it has alarmed and reported events (the demo runs 25 s at most).
    result = run_headless_until(["demo", "--source", "kinesis", "--headless", "--duration", "25"], reported, 25)
    assert result.kept, result.lines[-3:]
    assert result.returncode == 0, result.stderr
    statuses = [line for line in result.lines if line["type"] == "status"]
    assert statuses[-1]["source"] == "kinesis" and statuses[-1]["stream"] == "flowtail-demo-flowlogs"
    assert statuses[-1]["events"] > 0 and statuses[-1]["duplicates"] == 0 and len(statuses[-1]["shards"]) == 2
    assert "Traceback" not in result.stderr


def test_a_polled_group_and_a_kinesis_stream_feed_one_session(tmp_path, feed, aws_endpoint):
    """Each source in its own thread; both groups' events reach the engine once; both statuses show."""
    import threading

    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines

    from tests.kinesis.conftest import GROUPS, STREAM, wait_until

    config = write_config(tmp_path, f"""
aws: {{region: us-east-1, endpoint_url: '{aws_endpoint}'}}
sources:
  - log_group: {GROUPS[1]}
  - kinesis_stream: {STREAM}
    log_groups: [{GROUPS[0]}]
follow: {{poll_interval: 1s, lookback: 20m}}
""")
    for i in range(6):
        feed.put(5, GROUPS[i % 2])
    out = tmp_path / "out.jsonl"
    with open(out, "w") as stream:
        printer = Headless(JsonLines(stream), records=True)
        live = open_live(config, on_events=printer.on_events, state_dir=tmp_path / "state")
        runner = threading.Thread(target=printer.run, args=(live, 60))
        runner.start()
        try:
            assert wait_until(lambda: live.session.snapshot(1, 1).engine.records >= 30)
            assert wait_until(lambda: {s.kind for s in live.session.snapshot(1, 1).sources} == {"poll", "kinesis"})
        finally:
            live.session.stop()
            runner.join(30)
    records = [json.loads(line) for line in out.read_text().splitlines() if '"record"' in line]
    by_group = {group: sorted(r["eventId"] for r in records if r["logGroup"] == group) for group in GROUPS}
    assert by_group == {group: sorted(feed.event_ids(group)) for group in GROUPS}
    assert live.session.error is None and live.session.snapshot(1, 1).engine.malformed == 0


def test_watch_stops_at_once_on_a_stream_that_does_not_exist(tmp_path, aws_endpoint, capsys):
    from tui.cli import main

    path = tmp_path / "watch.yaml"
    path.write_text(f"aws: {{region: us-east-1, endpoint_url: '{aws_endpoint}'}}\n"
                    "sources: [{kinesis_stream: no-such-stream}]\n")
    assert main(["watch", "-c", str(path), "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("flowtail: error: stream no-such-stream not found in us-east-1") and "--wait" in err
