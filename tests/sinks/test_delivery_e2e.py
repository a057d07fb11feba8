"""Alert delivery end to end: `flowtail watch` in real subprocesses against moto (CloudWatch Logs, SNS,
and an SQS queue subscribed to the topic), killed with SIGKILL in the middle of a publish and
restarted twice; a poison alert; a topic that does not exist; SIGTERM, SIGHUP and an early Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from tui.app.widgets.status_bar import delivery_status
from tui.config import load_config
from tui.run.live import Headless, open_live
from tui.sinks.journal import Journal
from tui.sinks.jsonl import JsonLines

from tests.sinks.conftest import SwitchableProxy
from tests.watch_process import WatchProcess

REPO = Path(__file__).resolve().parents[2]
GROUP = "/vpc/flow-logs"
WAIT_S = 60
SOURCES = [f"10.0.0.{i}" for i in range(1, 7)]  # one ALARM each

CONFIG = """
aws:
  region: us-east-1
  endpoint_url: {endpoint}
sources:
  - log_group: {group}
follow:
  poll_interval: 1s
  lookback: 20m
rules:
  - name: web-reject
    pattern: '[version, account, eni, source, destination, srcport, destport="80", protocol="6", packets, bytes,
      windowstart, windowend, action="REJECT", flowlogstatus]'
    threshold: 3
    window: 300s
    group_by: [srcaddr]
    notify: [sns]
notifiers:
  sns:
    topic_arn: {topic}
    cooldown: 0s
  journal:
    path: {journal}
"""


def reject(src: str, t: int) -> str:
    return f"2 123456789010 eni-0a1b2c3d {src} 10.0.14.100 40000 80 6 3 180 {t} {t + 60} REJECT OK"


class HoldingProxy(SwitchableProxy):
    """Forwards to moto, except that the ``hold_at``-th SNS Publish request is held (never
    forwarded): ``holding`` is set then, so a test can kill the client in the middle of a publish
    that provably did not reach SNS."""

    def __init__(self, upstream_url: str, hold_at: int | None = None) -> None:
        super().__init__(upstream_url)
        self.up.set()
        self.hold_at = hold_at
        self.publishes = 0
        self.holding = threading.Event()
        self._count = threading.Lock()

    def passes(self, client, request: bytes) -> bool:  # noqa: ANN001 - a socket
        if b"Action=Publish" not in request:
            return True
        with self._count:
            self.publishes += 1
            hold = self.publishes == self.hold_at
        if hold:  # the publish never reaches SNS; the client waits for its answer
            self.holding.set()
            client.settimeout(WAIT_S)
            while client.recv(65536):  # until the client is killed (or gives up)
                pass
        return not hold


@pytest.fixture
def world(aws_endpoint, tmp_path):
    """Log group with the records of six alarms, a topic with a queue, and a config through a proxy."""
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="eni-a-all")
    now = int(time.time())
    events = [{"timestamp": (now - 240 + 30 * k + i) * 1000, "message": reject(src, now - 240 + 30 * k + i)}
              for k in range(3) for i, src in enumerate(SOURCES)]
    logs.put_log_events(logGroupName=GROUP, logStreamName="eni-a-all", logEvents=events)
    sns = boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint, region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="oncall")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return {"endpoint": aws_endpoint, "topic": topic, "sqs": sqs, "queue": queue_url, "tmp": tmp_path,
            "journal": tmp_path / "state" / "alerts.jsonl"}


def write_config(world, endpoint: str, topic: str | None = None) -> Path:
    path = world["tmp"] / "watch.yaml"
    text = CONFIG.format(endpoint=endpoint, group=GROUP, topic=topic or world["topic"], journal=world["journal"])
    path.write_text(text)
    return path


class Inbox:
    """Every SNS message that reached the queue, received until a condition holds."""

    def __init__(self, world) -> None:
        self.sqs, self.url = world["sqs"], world["queue"]
        self.sources: list[str] = []

    def receive_until(self, condition, timeout: float = WAIT_S) -> bool:
        deadline = time.monotonic() + timeout
        while not condition(self.sources):
            if time.monotonic() > deadline:
                return False
            batch = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in batch.get("Messages", []):
                subject = json.loads(message["Body"])["Subject"]
                self.sources.append(subject.split("srcaddr=")[1].split()[0])
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return True


def delivered_receipts(journal: Path) -> int:
    return sum('"type":"delivered"' in line and '"sink":"sns"' in line for line in journal.read_text().splitlines())


def test_killed_mid_publish_and_restarted_twice_every_alert_arrives_exactly_once(world):
    proxy = HoldingProxy(world["endpoint"], hold_at=3)
    try:
        config = write_config(world, proxy.url)
        inbox = Inbox(world)

        first = WatchProcess(config)
        assert proxy.holding.wait(WAIT_S), "the third publish never started"
        first.stop(signal.SIGKILL)  # with the third publish in flight
        assert inbox.receive_until(lambda got: len(got) >= 2)
        assert delivered_receipts(world["journal"]) == 2

        second = WatchProcess(config)  # re-reads the lookback: the same six episodes
        assert inbox.receive_until(lambda got: len(got) >= len(SOURCES))
        status = second.wait_for(lambda line: line["type"] == "status" and line["delivery"]["pending"] == 0
                                 and line["delivery"]["duplicates"] >= 2)
        assert status["delivery"]["sent"] == {"sns": 4}  # per notifier: the stdout alert lines are not counted
        assert second.stop() == (0, "")

        third = WatchProcess(config)
        status = third.wait_for(lambda line: line["type"] == "status"
                                and line["delivery"]["duplicates"] >= len(SOURCES))
        assert third.alerts() == []  # nothing printed again either
        assert status["delivery"]["sent"] == {"sns": 0} and status["delivery"]["pending"] == 0
        assert third.stop(signal.SIGHUP) == (0, "")
        assert not inbox.receive_until(lambda got: len(got) > len(SOURCES), timeout=3)
        assert sorted(inbox.sources) == SOURCES  # each exactly once
    finally:
        proxy.close()


class Poisoning:
    """The real SNS notifier, except that for one source it publishes the raw oversized message its
    fitting would have cut: moto (as SNS) rejects it with InvalidParameter."""

    def __init__(self, real, poison: str) -> None:
        self.real, self.poison = real, poison
        self.states, self.cooldown_s = real.states, real.cooldown_s
        self.attempts = 0

    def publish(self, alert) -> str:
        if alert.group.get("srcaddr") != self.poison:
            return self.real.publish(alert)
        self.attempts += 1
        message = self.real.format_message(alert) + "x" * 300_000
        return self.real.client.publish(TopicArn=self.real.topic_arn, Subject="poison", Message=message)["MessageId"]

    def describe_error(self, exc: BaseException) -> str:
        return self.real.describe_error(exc)

    def is_permanent(self, exc: BaseException) -> bool:
        return self.real.is_permanent(exc)


def run_headless(config, journal: Journal, wrap=None, status_every_s: float = 0.2):
    """A headless live run on a thread, its output lines collected; returns (live, printer, stop)."""
    lines: list[dict] = []

    class Collect:
        def write(self, text: str) -> None:
            lines.extend(json.loads(part) for part in text.splitlines() if part)

        def flush(self) -> None:
            pass

    errors: list[str] = []

    class Errors:
        def write(self, text: str) -> None:
            errors.append(text)

        def flush(self) -> None:
            pass

    live = open_live(config, journal=journal)
    if wrap is not None:
        live.delivery.notifiers["sns"] = wrap(live.delivery.notifiers["sns"])
    printer = Headless(JsonLines(Collect()), status_every_s=status_every_s, errors=Errors())
    runner = threading.Thread(target=printer.run, args=(live, WAIT_S))
    runner.start()

    def stop() -> None:
        live.session.stop()
        runner.join(WAIT_S)

    return live, lines, errors, stop


def wait_until(condition, timeout: float = WAIT_S) -> bool:
    deadline = time.monotonic() + timeout
    event = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            return False
        event.wait(0.05)  # polling an outside system (moto, another thread's list), not ordering
    return True


def test_a_poison_alert_is_dead_lettered_and_the_alerts_behind_it_arrive(world):
    config = load_config(write_config(world, world["endpoint"]))
    poison = SOURCES[1]
    wrappers: list[Poisoning] = []

    def wrap(real):
        wrappers.append(Poisoning(real, poison))
        return wrappers[-1]

    inbox = Inbox(world)
    journal = Journal(world["journal"])
    live, lines, errors, stop = run_headless(config, journal, wrap)
    try:
        assert inbox.receive_until(lambda got: len(got) >= len(SOURCES) - 1)
        assert wait_until(lambda: any(line["type"] == "status" and line["delivery"]["deadLettered"] == 1
                                      and line["delivery"]["pending"] == 0 for line in lines))
    finally:
        stop()
    assert sorted(inbox.sources) == [src for src in SOURCES if src != poison]
    assert wrappers[0].attempts == 1  # never retried
    (dead,) = [entry for entry in journal.entries() if entry.dead_lettered]
    assert dead.alert.group == {"srcaddr": poison}
    assert dead.dead_lettered["sns"].startswith("SNS rejected the message (InvalidParameter)")
    assert "SNS: 1 dead" in delivery_status(live.session.snapshot().delivery).plain
    assert any("dead-lettered for sns, not retried" in line for line in errors)
    journal.close()

    journal = Journal(world["journal"])  # a restart does not try it again
    live, lines, errors, stop = run_headless(config, journal, wrap)
    try:
        assert wait_until(lambda: live.delivery.status().duplicates >= len(SOURCES))
    finally:
        stop()
    assert wrappers[1].attempts == 0 and live.delivery.status().sent == 0
    assert not inbox.receive_until(lambda got: len(got) >= len(SOURCES), timeout=2)
    journal.close()


def test_a_missing_topic_shows_in_the_status_bar_and_in_headless_status(world):
    missing = world["topic"].replace(":alerts", ":no-such-topic")
    config = load_config(write_config(world, world["endpoint"], topic=missing))
    journal = Journal(world["journal"])
    live, lines, errors, stop = run_headless(config, journal)
    try:
        assert wait_until(lambda: any(line["type"] == "status" and line["delivery"]["failed"] >= 1 for line in lines))
        bar = delivery_status(live.session.snapshot().delivery).plain
    finally:
        stop()
    status = [line for line in lines if line["type"] == "status" and line["delivery"]["failed"]][-1]
    assert f"SNS topic {missing} does not exist" in status["delivery"]["lastError"]
    assert status["lastError"] is None  # the log group's own: delivery errors are in "delivery" only
    assert status["delivery"]["pending"] >= 1
    assert bar.startswith("SNS: ") and "failing" in bar and "last error: SNS topic" in bar and bar.endswith("…")
    reports = [line for line in errors if "does not exist" in line]
    assert len(reports) == 1, errors  # once per change of state, not once per retry
    assert live.delivery.status().failed_attempts > 1
    assert [entry.alert.group["srcaddr"] for entry in journal.pending("sns")] == SOURCES  # owed, in order
    journal.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_drains_and_exits_zero_without_a_traceback(world, signum):
    watch = WatchProcess(write_config(world, world["endpoint"]))
    watch.wait_for(lambda line: line["type"] == "alert")
    code, err = watch.stop(signum)
    assert code == 0 and "Traceback" not in err, err
    journal = Journal(world["journal"])
    assert journal.entries() and all(not entry.unresolved for entry in journal.entries())  # drained
    journal.close()


FLOWTAIL = Path(sys.executable).with_name("flowtail")


@pytest.mark.parametrize("moment", range(10))
def test_ctrl_c_at_any_moment_of_start_up_prints_no_traceback_from_flowtail(world, moment):
    """SIGINT 0, 8, 16, ... 72 ms after the start of the `flowtail` script. Until the interpreter
    has run the first line of ``tui/__main__.py`` (a few ms: Python's own start-up and site), Python
    itself may print a KeyboardInterrupt traceback and nothing in flowtail can prevent it; from that
    line on, no traceback may come out (the first ~50 ms used to print one from the imports)."""
    config = write_config(world, world["endpoint"])
    process = subprocess.Popen([str(FLOWTAIL), "watch", "-c", str(config), "--headless"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    threading.Event().wait(moment * 0.008)  # the moment of the Ctrl-C is what this test varies
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=WAIT_S)
    flowtail_frames = [line for line in err.splitlines() if line.strip().startswith("File") and "/tui/" in line]
    assert flowtail_frames == [], err
    assert "Traceback" not in err or "KeyboardInterrupt" in err.splitlines()[-1], err  # nothing but Python's start-up
    # 1: Python's own start-up, which reports the interrupt with a traceback, or with the bare
    # "KeyboardInterrupt" when it landed in C code of the interpreter's initialisation (no frames).
    assert process.returncode in (0, 130, -signal.SIGINT) or "KeyboardInterrupt" in err.splitlines()[-1:], err


def test_sigterm_restores_the_terminal_of_the_tui(world):
    import pty

    leader, follower = pty.openpty()
    os.set_blocking(leader, True)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    config = write_config(world, world["endpoint"])
    process = subprocess.Popen([sys.executable, "-m", "tui", "watch", "-c", str(config)],
                               cwd=REPO, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    screen = bytearray()

    def read_until(marker: bytes) -> bool:
        deadline = time.monotonic() + WAIT_S
        while marker not in screen and time.monotonic() < deadline:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                return marker in screen
            if not chunk:
                break
            screen.extend(chunk)
        return marker in screen

    try:
        assert read_until(b"web-reject"), bytes(screen[-2000:])  # the dashboard is drawn
        process.send_signal(signal.SIGTERM)
        assert process.wait(WAIT_S) == 0
        read_until(b"\x00never")
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    tail = bytes(screen[screen.rfind(b"web-reject"):])
    assert b"\x1b[?1049l" in tail and b"\x1b[?25h" in tail  # out of the alternate screen, cursor shown
    assert b"Traceback" not in screen
    journal = Journal(world["journal"])
    assert journal.entries() and not any(entry.unresolved for entry in journal.entries())  # drained
    journal.close()
