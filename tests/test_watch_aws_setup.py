"""`flowtail watch` settles region, profile, credentials and --since before following: each mistake
is one line on stderr and exit 2, never a traceback, a retry loop, or a credential process's output.
Against a real moto server on loopback where a call is made."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import boto3
import pytest

from tui.cli import main

from tests.loopback import LoopbackServer

GROUP = "/vpc/setup-flows"


def write_config(tmp_path: Path, *, endpoint: str | None, region: str | None = "us-east-1",
                 allow_unknown_region: object = None) -> str:
    lines = ["aws:"]
    if region:
        lines.append(f"  region: {region}")
    if endpoint:
        lines.append(f"  endpoint_url: {endpoint}")
    if allow_unknown_region is not None:
        lines.append(f"  allow_unknown_region: {json.dumps(allow_unknown_region)}")
    if len(lines) == 1:
        lines = []
    lines += ["sources:", f"  - log_group: {GROUP}", "rules:", "  - name: rejects",
              "    pattern: '[..., action=REJECT, status]'", "    threshold: 3", "    window: 60s"]
    path = tmp_path / "watch.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    [line] = captured.err.strip().splitlines()
    assert line.startswith("flowtail: error: ")
    return line.removeprefix("flowtail: error: ")


def test_aws_region_alone_is_honoured(aws_endpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    path = write_config(tmp_path, endpoint=aws_endpoint, region=None)
    assert main(["watch", "-c", path, "--headless"]) == 2  # the group is missing: proves the region was used
    assert one_error_line(capsys).startswith(f"log group {GROUP} not found in eu-west-3")


def test_a_missing_profile_from_the_environment_is_named(aws_endpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    assert main(["watch", "-c", write_config(tmp_path, endpoint=aws_endpoint), "--headless"]) == 2
    assert one_error_line(capsys) == (
        "AWS profile 'prod' (from AWS_PROFILE) not found in ~/.aws/config or ~/.aws/credentials: "
        "check its name, or run aws configure sso"
    )


def test_a_mistyped_region_is_refused_with_a_did_you_mean(tmp_path, capsys):
    assert main(["watch", "-c", write_config(tmp_path, endpoint=None), "--headless", "--region", "eu-wst-1"]) == 2
    assert one_error_line(capsys) == (
        "unknown AWS region 'eu-wst-1': did you mean eu-west-1? (if it is newer than the installed botocore, "
        "pass --unknown-region-ok or set aws.allow_unknown_region: true)"
    )


def test_an_unknown_region_is_accepted_when_asked_or_with_an_endpoint(tmp_path):
    from tui.commands.watch import settle_aws
    from tui.config import load_config

    config = load_config(write_config(tmp_path, endpoint=None, region="xx-future-9"))
    assert settle_aws(config, unknown_region_ok=True).aws.region == "xx-future-9"
    with_endpoint = load_config(write_config(tmp_path, endpoint="http://127.0.0.1:9", region="xx-future-9"))
    assert settle_aws(with_endpoint, unknown_region_ok=False).aws.region == "xx-future-9"


class _NoSuchGroup(LoopbackServer):
    """An endpoint on 127.0.0.1 that answers every call "log group not found" (as AWS would in a region
    where it does not exist), and keeps the region each request was signed for. moto refuses a
    region it does not know, so it cannot stand in for one newer than botocore."""

    def __init__(self) -> None:
        self.regions: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                scope = self.headers.get("Authorization", "").partition("Credential=")[2].split("/")
                server.regions.append(scope[2] if len(scope) > 2 else "")
                body = json.dumps({"__type": "ResourceNotFoundException",
                                   "message": "The specified log group does not exist."}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)


@pytest.fixture
def no_such_group(monkeypatch) -> Iterator[_NoSuchGroup]:
    """The endpoint above, given as AWS_ENDPOINT_URL: aws.endpoint_url would itself accept any region."""
    server = _NoSuchGroup().start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("allowed", "flag"), [(True, []), (None, ["--unknown-region-ok"]), (False, ["--unknown-region-ok"])],
    ids=["config-key", "flag", "flag-over-key-false"],
)
def test_an_unknown_region_is_used_when_the_config_key_or_the_flag_allows_it(
    no_such_group, tmp_path, capsys, allowed, flag
):
    """``aws.allow_unknown_region: true`` does what ``--unknown-region-ok`` does: the calls go to that
    region (the start-up check then finds the group missing there: exit 2)."""
    path = write_config(tmp_path, endpoint=None, region="xx-future-9", allow_unknown_region=allowed)
    assert main(["watch", "-c", path, "--headless", *flag]) == 2
    assert one_error_line(capsys).startswith(f"log group {GROUP} not found in xx-future-9")
    assert no_such_group.regions and set(no_such_group.regions) == {"xx-future-9"}


@pytest.mark.parametrize("allowed", [None, False])
def test_without_the_key_or_the_flag_an_unknown_region_is_refused(no_such_group, tmp_path, capsys, allowed):
    path = write_config(tmp_path, endpoint=None, region="xx-future-9", allow_unknown_region=allowed)
    assert main(["watch", "-c", path, "--headless"]) == 2
    assert one_error_line(capsys) == (
        "unknown AWS region 'xx-future-9' (if it is newer than the installed botocore, pass --unknown-region-ok "
        "or set aws.allow_unknown_region: true)"
    )
    assert no_such_group.regions == []  # refused before any call


def test_the_config_key_takes_only_true_or_false(tmp_path, capsys):
    path = write_config(tmp_path, endpoint=None, allow_unknown_region="yes")
    assert main(["check", "-c", path]) == 2
    assert capsys.readouterr().err == f"{path}:3: aws.allow_unknown_region: must be true or false, got the text 'yes'\n"


@pytest.mark.parametrize(
    "printed",
    [
        '{"Version": 1, "AccessKeyId": "AKIASECRET123", "SecretAccessKey": "SECRET-KEY-456", "Sessi',
        json.dumps({"Version": 1, "AccessKeyId": "AKIASECRET123", "SecretAccessKey": "SECRET-KEY-456",
                    "SessionToken": "SECRET-TOKEN-789", "Expiration": "2001-01-01T00:00:00Z"}),
    ],
    ids=["cut-off-json", "already-expired"],
)
def test_an_unusable_credential_process_is_one_line_without_its_output(aws_endpoint, tmp_path, capsys, monkeypatch,
                                                                       printed):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    process = tmp_path / "creds.py"
    process.write_text(f"print({printed!r})\n")
    config_file = tmp_path / "aws-config"
    config_file.write_text(f"[profile ops]\ncredential_process = {sys.executable} {process}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    path = write_config(tmp_path, endpoint=aws_endpoint)
    assert main(["watch", "-c", path, "--headless", "--profile", "ops"]) == 2
    line = one_error_line(capsys)
    assert "SECRET" not in line and "AKIA" not in line
    assert "no usable AWS credentials" in line and "(its output is not shown)" in line and "--profile ops" in line


def test_a_since_before_cloudwatch_logs_existed_is_refused(tmp_path, capsys):
    path = write_config(tmp_path, endpoint="http://127.0.0.1:9")
    assert main(["watch", "-c", path, "--headless", "--since", "9999999h"]) == 2
    assert one_error_line(capsys) == (
        "--since: starts before 2014-07-10T00:00:00Z, when CloudWatch Logs began: no log group holds data "
        "that old; give a later time"
    )


def test_check_refuses_an_endless_config_at_once(capsys):
    assert main(["check", "-c", "/dev/zero"]) == 2
    assert "/dev/zero: larger than 1024 KiB: not a flowtail configuration" in capsys.readouterr().err


def test_a_problem_that_says_retrying_is_not_followed_by_another_retrying(capsys):
    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines
    from tui.sources.follower import FollowerStatus

    printer = Headless(JsonLines(io.StringIO()))
    status = FollowerStatus(GROUP, "error", None, 0.0, None, None, 0, 1, 1.0,
                            "CloudWatch Logs unavailable (ServiceUnavailableException): retrying", 0, 1)
    printer.report_problems([status])
    assert capsys.readouterr().err == (
        f"flowtail: {GROUP}: CloudWatch Logs unavailable (ServiceUnavailableException): retrying\n"
    )


def test_a_retry_under_way_is_not_a_recovery(capsys):
    """A follower retrying after an error reads ``polling`` with its last error until the call
    answers: a status line taken then is not ``recovered`` (and the next failure not said again);
    an answer is. On a slow link every retry takes a while, so stderr said both on every retry."""
    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines
    from tui.sources.follower import FollowerStatus

    problem = "unreadable answer from CloudWatch Logs: FilterLogEvents: not JSON: retrying"
    printer = Headless(JsonLines(io.StringIO()))
    for state, error in [("error", problem), ("polling", problem), ("error", problem), ("polling", problem),
                         ("ok", None)]:
        printer.report_problems([FollowerStatus(GROUP, state, None, 0.0, None, None, 0, 1, 1.0, error, 0, 1)])
    assert capsys.readouterr().err == f"flowtail: {GROUP}: {problem}\nflowtail: {GROUP}: recovered\n"


def test_moto_is_reachable_with_the_settled_region(aws_endpoint, monkeypatch):
    """The client made for a config without a region uses AWS_REGION (botocore alone reads only
    AWS_DEFAULT_REGION)."""
    from tui.sources.cloudwatch import make_logs_client

    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "ap-south-2")
    client = make_logs_client(endpoint_url=aws_endpoint)
    assert client.meta.region_name == "ap-south-2"
    boto3.client("logs", endpoint_url=aws_endpoint, region_name="ap-south-2").create_log_group(logGroupName=GROUP)
    assert [g["logGroupName"] for g in client.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]] == [GROUP]


def test_a_credential_process_that_breaks_while_following_is_a_credential_fault(aws_endpoint, tmp_path, monkeypatch):
    """Good credentials at start, due for a mandatory refresh seconds later (AWS refreshes within 10
    minutes of expiry), when the process prints cut-off JSON: the follower's call fails with a
    credential fault that shows none of the output, instead of an unknown exception stopping it."""
    import random
    import time as clock

    from tui.sources.cloudwatch import Follower, RequestBudget, make_logs_client

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    boto3.client("logs", endpoint_url=aws_endpoint, region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="x").create_log_group(logGroupName=GROUP)
    flag = tmp_path / "broken"
    process = tmp_path / "creds.py"
    process.write_text(
        "import datetime, json, os, sys\n"
        f"if os.path.exists({str(flag)!r}):\n"
        "    print('{\"Version\": 1, \"AccessKeyId\": \"AKIASECRET123\", \"Secre'); sys.exit(0)\n"
        "expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=603)\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAGOOD', 'SecretAccessKey': 'SECRET-KEY-456',\n"
        "                  'Expiration': expires.strftime('%Y-%m-%dT%H:%M:%SZ')}))\n"
    )
    config_file = tmp_path / "aws-config"
    config_file.write_text(f"[profile ops]\ncredential_process = {sys.executable} {process}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    client = make_logs_client("us-east-1", "ops", aws_endpoint)
    now = [clock.time()]  # the follower's own time, moved past each backoff; the expiry is real time
    follower = Follower(client, GROUP, budget=RequestBudget(50), lookback_s=60, rng=random.Random(1), profile="ops",
                        clock=lambda: now[0])
    follower.poll()
    assert follower.status().state == "ok"
    flag.write_text("from now on the process prints cut-off JSON")
    deadline = clock.monotonic() + 20
    while follower.status().errors == 0:
        assert clock.monotonic() < deadline, "the refresh never failed"
        now[0] += max(follower.next_due(), 0.2)
        follower.poll()
    status = follower.status()
    assert status.state == "error" and "AKIA" not in status.last_error and "SECRET" not in status.last_error
    assert status.last_error.startswith("no usable AWS credentials: the credential provider failed")
    assert "--profile ops" in status.last_error


def test_an_unexpected_failure_of_the_start_up_check_is_one_line(aws_endpoint, tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("'int' object has no attribute 'get'")

    monkeypatch.setattr("tui.sources.preflight.probe_log_group", broken)
    assert main(["watch", "-c", write_config(tmp_path, endpoint=aws_endpoint), "--headless"]) == 2
    assert one_error_line(capsys) == f"{GROUP}: the start-up check failed (AttributeError)"
