"""SNS notifier: what the subject, message and attributes say, read back from a real (moto) SNS topic
through an SQS subscription, and the plain-language errors."""

from __future__ import annotations

import json
import re
import socket

import pytest
from botocore.exceptions import ClientError

from tui.sinks.sns import BODY_MAX_BYTES, SUBJECT_MAX, SnsNotifier, clean_text

ARN = "arn:aws:sns:us-east-1:123456789012:flow-alerts"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_published_alert_reads_well_and_is_filterable(topic, make_alert):
    samples = tuple(f"2 123456789012 eni-0a1b2c3d 203.0.113.7 10.0.0.{i} 5{i}123 22 6 1 40 1718000000 1718000060 REJECT OK"
                    for i in range(7))
    alert = make_alert(samples=samples, description="Block the source at the NACL; runbook: wiki/ssh")

    message_id = topic.notifier().publish(alert)

    (envelope,) = topic.messages()
    assert envelope["MessageId"] == message_id
    subject, body = envelope["Subject"], envelope["Message"]
    assert subject == "[flowtail] ALARM high ssh-brute-force srcaddr=203.0.113.7 25/20 in 1m"
    assert len(subject) < 100
    for text in ("ssh-brute-force", "Severity:    high", "srcaddr=203.0.113.7", "25 (threshold 20)",
                 "count over a 1m sliding window", "First event: 2024-06-10T06:13:20Z",
                 "Last event:  2024-06-10T06:14:19Z", "Sample records (5 of 7):"):
        assert text in body
    assert "Description: Block the source at the NACL; runbook: wiki/ssh" in body
    # each sample decoded (time, action, endpoints, service), then its raw line
    raw = [line for line in body.splitlines() if line.startswith("    raw: ")]
    assert raw == [f"    raw: {sample}" for sample in samples[:5]]
    lines = body.splitlines()
    decoded = [lines[lines.index(line) - 1] for line in raw]
    assert decoded == [f"  2024-06-10 06:13:20 UTC REJECT 203.0.113.7:5{i}123 → 10.0.0.{i}:22 ssh TCP 1 pkt 40 B"
                       for i in range(5)]
    alert_json = json.loads(body.split("Alert JSON:\n", 1)[1])
    assert alert_json["samples"] == list(samples[:5]) and alert_json["group"] == {"srcaddr": "203.0.113.7"}
    assert alert_json["description"] == "Block the source at the NACL; runbook: wiki/ssh"
    attributes = {name: value["Value"] for name, value in envelope["MessageAttributes"].items()}
    assert attributes == {"rule": "ssh-brute-force", "severity": "high", "state": "ALARM"}
    assert {value["Type"] for value in envelope["MessageAttributes"].values()} == {"String"}


def test_control_characters_from_log_text_do_not_arrive(topic, make_alert):
    hostile = "2 123 eni-1 [red]203.0.113.7[/red] \x1b[2J\x07 22 6 REJECT\nSeverity: low \x9b\u202e"
    alert = make_alert(src="203.0.113.7\x1b]0;pwned\x07", samples=(hostile,))

    topic.notifier().publish(alert)

    (envelope,) = topic.messages()
    for text in (envelope["Subject"], envelope["Message"]):
        assert not CONTROL.search(text) and "\u202e" not in text
    body = envelope["Message"]
    assert "  2 123 eni-1 [red]203.0.113.7[/red] [2J 22 6 REJECT Severity: low " in body.splitlines()  # not a record
    assert "\\u001b" not in body  # not even escaped inside the JSON
    assert "srcaddr=203.0.113.7]0;pwned" in envelope["Subject"]


def test_subject_is_ascii_one_line_and_under_100_characters(make_alert):
    notifier = SnsNotifier(ARN)
    alert = make_alert(rule="exfiltration-über-" + "x" * 80, measure="sum:bytes", value=5_000_000.5,
                       threshold=1_000_000, window_s=300, group={"srcaddr": "10.0.0.5\n", "dstaddr": "198.51.100.7"})

    subject = notifier.format_subject(alert)

    assert len(subject) <= SUBJECT_MAX < 100
    assert subject.isascii() and subject.isprintable()
    assert subject.startswith("[flowtail] ALARM high exfiltration-?ber-xxx") and subject.endswith("...")
    short = make_alert(rule="exfil", measure="sum:bytes", value=5_000_000.5, threshold=1_000_000, window_s=300)
    assert notifier.format_subject(short) == "[flowtail] ALARM high exfil srcaddr=203.0.113.7 sum:bytes 5000000.5/1000000 in 5m"


def test_subject_for_an_ungrouped_ok_with_a_custom_prefix(make_alert):
    alert = make_alert(state="OK", group={}, value=3)
    assert SnsNotifier(ARN, subject_prefix="PROD:").format_subject(alert) == "PROD: OK high ssh-brute-force * 3/20 in 1m"


def test_clean_text_keeps_printable_text_and_spaces_out_line_breaks():
    assert clean_text("a\tb\r\nc\x1b[31md\x7f\x85e\u2066f") == "a b  c[31mdef"
    assert clean_text("[bold]plain ✓[/]") == "[bold]plain ✓[/]"


def test_region_comes_from_the_topic_arn():
    assert SnsNotifier("arn:aws:sns:eu-west-3:123456789012:t").region == "eu-west-3"
    assert SnsNotifier("arn:aws:sns:eu-west-3:123456789012:t", region="us-east-1").region == "us-east-1"


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Publish")


@pytest.mark.parametrize(("code", "expected"), [
    ("AuthorizationError", f"SNS publish denied: the IAM principal needs sns:Publish on {ARN}"),
    ("NotFound", f"SNS topic {ARN} does not exist (check the topic ARN and region)"),
    ("Throttling", "SNS is throttling publishes; retrying with backoff"),
    ("ExpiredToken", "AWS rejected the credentials (ExpiredToken): refresh them (e.g. aws sso login)"),
    ("KMSAccessDenied", "SNS cannot use the topic's KMS key (KMSAccessDenied): the IAM principal needs "
                        "kms:GenerateDataKey and kms:Decrypt on it"),
    ("InternalError", "SNS publish failed (InternalError): try again"),
])
def test_errors_are_explained(code, expected):
    assert SnsNotifier(ARN).describe_error(client_error(code, "try again")) == expected


def test_a_missing_topic_is_reported_as_such(aws_endpoint, make_alert):
    notifier = SnsNotifier(ARN, endpoint_url=aws_endpoint)
    with pytest.raises(ClientError) as failure:
        notifier.publish(make_alert())
    assert notifier.describe_error(failure.value).startswith(f"SNS topic {ARN} does not exist")


def test_an_unreachable_endpoint_is_reported_as_such(aws_endpoint, make_alert):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        closed_port = placeholder.getsockname()[1]
    notifier = SnsNotifier(ARN, endpoint_url=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(Exception) as failure:
        notifier.publish(make_alert())
    assert notifier.describe_error(failure.value).startswith("cannot reach SNS: Could not connect to the endpoint URL")


def test_an_oversized_alert_is_fitted_samples_first_and_accepted_by_sns(topic, make_alert):
    samples = tuple(f"sample {i} " + "y" * 900 for i in range(5))
    huge_group = make_alert(group={"srcaddr": "203.0.113.7", "note": "z" * 400_000}, samples=samples)
    notifier = topic.notifier()

    message = notifier.format_message(huge_group)
    notifier.publish(huge_group)

    assert len(message.encode("utf-8")) <= BODY_MAX_BYTES
    (envelope,) = topic.messages()
    assert envelope["Message"] == message and "Sample records (5 of 5):" in message  # the group value was cut instead


def test_samples_go_first_when_the_body_is_too_long(make_alert, monkeypatch):
    import tui.sinks.sns as sns

    samples = tuple(f"sample {i} " + "y" * 900 for i in range(5))
    alert = make_alert(samples=samples)
    full = SnsNotifier(ARN).format_message(alert)
    monkeypatch.setattr(sns, "BODY_MAX_BYTES", len(full.encode()) - 1)  # one byte too long with all five

    fitted = SnsNotifier(ARN).format_message(alert)
    assert "Sample records (4 of 5):" in fitted and "sample 4" not in fitted and "sample 3" in fitted


def test_a_message_that_cannot_fit_otherwise_is_cut_and_says_so(make_alert, monkeypatch):
    import tui.sinks.sns as sns

    monkeypatch.setattr(sns, "BODY_MAX_BYTES", 300)
    fitted = SnsNotifier(ARN).format_message(make_alert())
    assert len(fitted.encode()) <= 300 and fitted.endswith("[message cut to fit SNS]")


def test_a_lone_surrogate_is_replaced_and_the_alert_is_published(topic, make_alert):
    alert = make_alert(src="203.0.113.\udc80", samples=("bad \ud800 bytes",), rule="rule-\udfff")

    topic.notifier().publish(alert)  # botocore would raise UnicodeEncodeError on the raw text

    (envelope,) = topic.messages()
    assert "bad ? bytes" in envelope["Message"] and envelope["Subject"].isascii()
    assert envelope["MessageAttributes"]["rule"]["Value"] == "rule-?"


@pytest.mark.parametrize(("error", "permanent"), [
    (client_error("InvalidParameter", "Message too long"), True),
    (client_error("InvalidParameterValue"), True),
    (UnicodeEncodeError("utf-8", "\udc80", 0, 1, "surrogates not allowed"), True),
    (client_error("NotFound"), False),  # a configuration problem: shown, and retried
    (client_error("AuthorizationError"), False),
    (client_error("Throttling"), False),
    (client_error("InternalError"), False),
    (ConnectionResetError(), False),
])
def test_only_a_message_level_rejection_is_permanent(error, permanent):
    assert SnsNotifier(ARN).is_permanent(error) is permanent
