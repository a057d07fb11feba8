"""SNS answers that are not SNS's, and alerts that can never be formatted: a hostile 200 is a failed
publish (retried, said), never a delivered alert; an unformattable alert is dead-lettered, not owed
forever. The hostile endpoint is a local HTTP server on 127.0.0.1 that answers every request itself."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tui.sinks.sns import SnsNotifier, UnsendableAlert
from tui.sources.answers import MalformedResponse

from tests.loopback import LoopbackServer

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def answering(body: bytes, content_type: str) -> LoopbackServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return LoopbackServer(Handler)


@pytest.fixture(params=[(b"<html><body>Sign in</body></html>", "text/html"),
                        (b"<PublishResponse><PublishResult><MessageId>", "text/xml"),
                        (b"<?xml version='1.0'?><ErrorPage/>", "text/xml")],
                ids=["html-login", "cut-off-xml", "other-document"])
def hostile(request, aws_endpoint) -> Iterator[str]:  # aws_endpoint: test credentials
    server = answering(*request.param).start()
    yield server.url
    server.stop()


def test_a_200_that_is_not_a_publish_answer_fails_and_is_retried(hostile, make_alert):
    notifier = SnsNotifier(TOPIC, endpoint_url=hostile)
    with pytest.raises(MalformedResponse) as raised:
        notifier.publish(make_alert())
    assert not notifier.is_permanent(raised.value)
    text = notifier.describe_error(raised.value)
    assert text.startswith("SNS publish failed: Publish: the answer is ") and text.endswith(": retrying")


def test_an_alert_that_cannot_be_formatted_is_dead_lettered(make_alert, aws_endpoint):
    notifier = SnsNotifier(TOPIC, endpoint_url="http://127.0.0.1:9")  # never reached
    alert = dataclasses.replace(make_alert(), value="big")
    with pytest.raises(UnsendableAlert) as raised:
        notifier.publish(alert)
    assert notifier.is_permanent(raised.value)
    assert notifier.describe_error(raised.value).startswith("the alert cannot be formatted (ValueError: ")


def test_the_topic_check_names_a_missing_topic(topic):
    missing = SnsNotifier(topic.arn + "-typo", endpoint_url=topic.endpoint)
    assert missing.check_topic() == f"SNS topic {topic.arn}-typo does not exist (check the topic ARN and region)"
    assert topic.notifier().check_topic() is None
