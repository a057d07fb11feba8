"""Fixtures for the alert sinks: alerts, a journal, an SNS topic read back through SQS, a proxy that
can take SNS "down", and a backoff that tells the test when retries happened."""

from __future__ import annotations

import json
import selectors
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
import pytest

from tui.rules.alerts import Alert
from tui.sinks.journal import Journal
from tui.sinks.sns import SnsNotifier

T0_MS = 1_718_000_000_000  # 2024-06-10T06:13:20Z


@pytest.fixture
def make_alert() -> Callable[..., Alert]:
    """An ssh-brute-force ALARM for srcaddr=203.0.113.7; keyword arguments override fields, and
    ``src=`` sets the source address."""

    def make(src: str = "203.0.113.7", **fields) -> Alert:
        values = dict(
            rule="ssh-brute-force", state="ALARM", group={"srcaddr": src}, value=25, threshold=20,
            window_s=60, measure="count", time_ms=T0_MS + 59_000, first_ms=T0_MS, last_ms=T0_MS + 59_000,
            severity="high",
            samples=tuple(f"2 123456789012 eni-0a1b2c3d {src} 10.0.0.{i} 4{i}000 22 6 1 40 1718000000 1718000060 REJECT OK"
                          for i in range(3)),
        )
        values.update(fields)
        return Alert(**values)

    return make


@pytest.fixture
def journal_path(tmp_path):
    return tmp_path / "state" / "flowtail" / "alerts.jsonl"


@pytest.fixture
def journal(journal_path):
    opened = Journal(journal_path)
    yield opened
    opened.close()


@dataclass
class Topic:
    """An SNS topic with an SQS queue subscribed to it (not raw: SQS bodies are SNS envelopes)."""

    arn: str
    endpoint: str
    queue_url: str
    sqs: object

    def notifier(self, endpoint: str | None = None, **settings) -> SnsNotifier:
        return SnsNotifier(self.arn, endpoint_url=endpoint or self.endpoint, **settings)

    def messages(self) -> list[dict]:
        """Every envelope that reached the queue since the last call (moto delivers during Publish)."""
        envelopes = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages"):
            for message in batch:
                envelopes.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return envelopes


@pytest.fixture
def topic(aws_endpoint) -> Topic:
    sns = boto3.client("sns", endpoint_url=aws_endpoint)
    sqs = boto3.client("sqs", endpoint_url=aws_endpoint)
    arn = sns.create_topic(Name="flow-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return Topic(arn, aws_endpoint, queue_url, sqs)


class SwitchableProxy:
    """A loopback TCP forwarder to the moto server. While down it accepts each connection and closes
    it without reading, so the client fails and no request reaches SNS; once up it forwards."""

    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname, parts.port)
        self.up = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.up.is_set():
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()
            else:
                client.close()

    def _forward(self, client: socket.socket) -> None:
        with client, socket.create_connection(self._upstream) as upstream, selectors.DefaultSelector() as selector:
            selector.register(client, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, client)
            while events := selector.select(timeout=30):
                for key, _ in events:
                    data = key.fileobj.recv(65536)
                    if not data or (key.fileobj is client and not self.passes(client, data)):
                        return
                    key.data.sendall(data)

    def passes(self, client: socket.socket, request: bytes) -> bool:
        """Whether to forward this piece of a request (a subclass may hold some back)."""
        return True


@pytest.fixture
def proxy(aws_endpoint):
    switch = SwitchableProxy(aws_endpoint)
    yield switch
    switch.close()


class RecordingBackoff:
    """A short fixed backoff that counts the retries it was asked about and sets ``reached`` at the
    ``after``-th one, so a test can wait for "it failed N times" instead of sleeping."""

    def __init__(self, after: int, delay_s: float = 0.02) -> None:
        self.after = after
        self.delay_s = delay_s
        self.calls = 0
        self.reached = threading.Event()

    def __call__(self, retry: int) -> float:
        self.calls += 1
        if self.calls >= self.after:
            self.reached.set()
        return self.delay_s


@pytest.fixture
def recording_backoff() -> Callable[..., RecordingBackoff]:
    return RecordingBackoff
