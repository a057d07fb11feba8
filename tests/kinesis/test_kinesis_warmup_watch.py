"""An attack straddling a restart of `flowtail watch` on a Kinesis stream: 19 REJECTs before a SIGKILL,
3 after, a rule of 20 in 60 s. The warm-up puts the 19 back into the window, so the restart alarms
and pages exactly once; `--records` prints only what came after the checkpoint; a third run finds
the same episode again in its warm-up and the journal keeps it from paging or printing it twice."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import boto3

from tests.kinesis.conftest import GROUPS, REGION, STREAM, Feed, wait_until
from tests.sinks.test_delivery_e2e import Inbox
from tests.watch_process import WatchProcess

ATTACKER = "203.0.113.7"

CONFIG = """
aws: {{region: us-east-1, endpoint_url: '{endpoint}'}}
sources:
  - kinesis_stream: {stream}
    log_groups: ['{group}']
follow: {{lookback: 20m}}
rules:
  - name: ssh-reject
    pattern: '[version, account, eni, source, destination, srcport, destport="22", protocol="6", packets, bytes,
      windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 20
    window: 60s
    group_by: [srcaddr]
    notify: [sns]
notifiers:
  sns: {{topic_arn: '{topic}', cooldown: 0s}}
  journal: {{path: '{journal}'}}
"""


def put_rejects(feed: Feed, first: int, count: int, stamp_s: int) -> None:
    """``count`` SSH REJECTs from the attacker, source ports from ``first``, in one Kinesis record."""
    events = [{"timestamp": stamp_s * 1000 + i,
               "message": f"2 123456789010 eni-a {ATTACKER} 10.0.1.1 {40000 + first + i} 22 6 1 40 "
                          f"{stamp_s} {stamp_s + 60} REJECT OK"}
              for i in range(count)]
    feed.logs.put_log_events(logGroupName=GROUPS[0], logStreamName="eni-a-all", logEvents=events)


def inbox(endpoint: str) -> tuple[str, Inbox]:
    sns = boto3.client("sns", endpoint_url=endpoint, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
    topic = sns.create_topic(Name="oncall")["TopicArn"]
    queue = sqs.create_queue(QueueName="pager")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, Inbox({"sqs": sqs, "queue": queue})


def test_an_attack_straddling_a_sigkill_alarms_and_pages_once(aws_endpoint, tmp_path, isolated_home):
    feed = Feed(aws_endpoint, shards=1)
    topic, pager = inbox(aws_endpoint)
    config = tmp_path / "watch.yaml"
    config.write_text(CONFIG.format(endpoint=aws_endpoint, stream=STREAM, group=GROUPS[0], topic=topic,
                                    journal=tmp_path / "alerts.jsonl"))
    checkpoint = isolated_home / ".local" / "state" / "flowtail" / "kinesis" / f"{STREAM}--default.json"
    stamp = int(time.time()) - 30

    put_rejects(feed, 0, 19, stamp)
    first = WatchProcess(config, "--records")
    try:
        assert first.wait_until(lambda: len(first.ids()) >= 19)
        assert wait_until(lambda: checkpoint.exists()
                          and any(s["sequence"] for s in json.loads(checkpoint.read_text())["shards"].values()))
    finally:
        first.stop(signal.SIGKILL)  # no clean stop
    before = set(first.ids())
    assert len(before) == 19 and first.alerts() == []  # 19 of 20: no alarm yet

    put_rejects(feed, 19, 3, stamp)
    second = WatchProcess(config, "--records")
    try:
        alarm = second.wait_for(lambda line: line["type"] == "alert")
        status = second.wait_for(lambda line: line["type"] == "status" and line["events"] == 3
                                 and line["delivery"]["pending"] == 0)
        assert pager.receive_until(lambda got: len(got) >= 1)
    finally:
        code, err = second.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err
    assert (alarm["rule"], alarm["state"], alarm["group"]) == ("ssh-reject", "ALARM", {"srcaddr": ATTACKER})
    assert [a["state"] for a in second.alerts()] == ["ALARM"]  # exactly one
    assert status["warmup"] == 19 and status["duplicates"] == 0
    after = Counter(second.ids())
    assert len(after) == 3 and max(after.values()) == 1 and not set(after) & before  # only the new ones, once
    assert set(after) | before == feed.event_ids(GROUPS[0])

    third = WatchProcess(config, "--records")  # warms up with all 22: the same episode, found again
    try:
        status = third.wait_for(lambda line: line["type"] == "status" and line["warmup"] == 22
                                and line["delivery"]["pending"] == 0)
    finally:
        code, err = third.stop(signal.SIGTERM)
    assert code == 0 and "Traceback" not in err
    assert status["delivery"]["duplicates"] >= 1 and status["delivery"]["sent"] == {"sns": 0}
    assert third.alerts() == [] and third.ids() == [] and status["events"] == 0
    pager.receive_until(lambda got: len(got) >= 2, timeout=2)  # nothing more arrives: the queue is empty
    assert len(pager.sources) == 1 and pager.sources == [ATTACKER]  # one page over the three runs
