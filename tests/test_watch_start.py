"""`flowtail watch` at start: problems only the user can fix are said at once and exit 2 (unless
--wait); --since takes ISO-8601 times; a failing credential_process's output is never echoed.
Against a real moto server on loopback."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest

from tui.cli import main
from tui.durations import parse_since

from tests.test_live import CONFIG

REPO = Path(__file__).resolve().parents[1]

def write_config(tmp_path: Path, endpoint: str, group: str) -> str:
    """test_live's watch configuration (a bastion rule notifying SNS) for ``group``."""
    path = tmp_path / "watch.yaml"
    path.write_text(CONFIG.format(endpoint=endpoint, group=group, topic="arn:aws:sns:us-east-1:123456789012:alerts"))
    return str(path)


def test_a_missing_log_group_exits_2_at_once_naming_it(aws_endpoint, tmp_path, capsys):
    path = write_config(tmp_path, aws_endpoint, "/vpc/no-such-group")
    assert main(["watch", "-c", path, "--headless"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.strip().splitlines()
    assert "/vpc/no-such-group not found in us-east-1" in line and "--wait" in line


def test_no_credentials_exit_2_at_once(aws_endpoint, tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to wait for
    boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x").create_log_group(logGroupName="/vpc/flows")
    path = write_config(tmp_path, aws_endpoint, "/vpc/flows")
    assert main(["watch", "-c", path, "--headless"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "no usable AWS credentials" in line


def test_a_failing_credential_process_is_not_echoed(aws_endpoint, tmp_path, capsys, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    leak = tmp_path / "leak.py"
    leak.write_text("import sys\nsys.stderr.write('refresh failed, token=SECRET-TOKEN-123\\n')\nsys.exit(1)\n")
    config_file = tmp_path / "aws-config"
    config_file.write_text(f"[profile leaky]\ncredential_process = {sys.executable} {leak}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    path = write_config(tmp_path, aws_endpoint, "/vpc/flows")
    assert main(["watch", "-c", path, "--headless", "--profile", "leaky"]) == 2
    err = capsys.readouterr().err
    assert "SECRET-TOKEN-123" not in err
    assert "provider failed (its output is not shown)" in err and "--profile leaky" in err


def test_with_wait_a_missing_group_is_said_once_and_its_recovery_too(aws_endpoint, tmp_path):
    """The start-up check says the problem; the follower meeting it again does not repeat it (issue
    20 point 13), and says when it is over."""
    logs = boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1")
    boto3.client("sns", endpoint_url=aws_endpoint, region_name="us-east-1").create_topic(Name="alerts")
    path = write_config(tmp_path, aws_endpoint, "/vpc/later")
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "watch", "-c", path, "--headless", "--wait"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    guard = threading.Timer(60, process.kill)  # a hung process fails the test instead of hanging it
    guard.start()
    try:
        said_at_start = process.stderr.readline()
        assert process.poll() is None, "watch --wait exited"
        logs.create_log_group(logGroupName="/vpc/later")
        said_next = process.stderr.readline()  # the follower retries slowly (15 s at first)
    finally:
        guard.cancel()
        process.terminate()
        process.communicate(timeout=30)
    assert "/vpc/later not found" in said_at_start and "waiting" in said_at_start
    assert said_next == "flowtail: /vpc/later: recovered\n"


def test_a_missing_sns_topic_exits_2_at_start(aws_endpoint, tmp_path, capsys):
    boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1").create_log_group(logGroupName="/vpc/f")
    path = write_config(tmp_path, aws_endpoint, "/vpc/f")  # its topic "alerts" was never created
    assert main(["watch", "-c", path, "--headless"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        "flowtail: error: SNS topic arn:aws:sns:us-east-1:123456789012:alerts does not exist (check the topic ARN "
        "and region) (--wait starts anyway and keeps retrying)"
    ]


NOW = 1_764_684_000.0  # 2025-12-02T14:00:00Z


@pytest.mark.parametrize(("text", "seconds"), [
    ("30m", 1800.0),
    ("2025-12-02T13:30:00Z", 1800.0),
    ("2025-12-02T13:30Z", 1800.0),
    ("2025-12-02 13:30:00", 1800.0),  # no offset: UTC
    ("2025-12-02T14:30:00+01:00", 1800.0),
])
def test_since_is_a_duration_or_an_iso_time(text, seconds):
    assert parse_since(text, NOW) == seconds


@pytest.mark.parametrize(("text", "message"), [
    ("soon", "neither a duration"),
    ("2025-12-02T15:00Z", "in the future"),
])
def test_a_bad_since_is_one_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_since(text, NOW)


def test_sns_does_not_echo_a_failing_credential_process():
    from botocore.exceptions import CredentialRetrievalError

    from tui.sinks.sns import SnsNotifier

    error = CredentialRetrievalError(provider="custom-process", error_msg="token=SECRET-TOKEN-123")
    text = SnsNotifier("arn:aws:sns:us-east-1:123456789012:alerts").describe_error(error)
    assert "SECRET-TOKEN-123" not in text and "custom-process provider failed" in text


def test_the_follower_does_not_echo_a_failing_credential_process():
    from botocore.exceptions import CredentialRetrievalError

    from tui.sources.aws_errors import CallContext, FaultKind, classify

    fault = classify(CredentialRetrievalError(provider="custom-process", error_msg="token=SECRET-TOKEN-123"),
                     CallContext("/vpc/flows", "us-east-1", "prod"))
    assert fault is not None and fault.kind is FaultKind.CREDENTIALS
    assert "SECRET-TOKEN-123" not in fault.message and "--profile prod" in fault.message
