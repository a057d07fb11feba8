"""Classifying AWS and network failures; the dedup set; log group references."""

from __future__ import annotations

import pytest
from botocore import exceptions as bx
from urllib3.exceptions import ProtocolError

from tui.sources.aws_errors import CallContext, FaultKind, classify
from tui.sources.dedup import SeenIds
from tui.sources.loggroup import LogGroupRef

CONTEXT = CallContext("/vpc/flow-logs", "eu-west-1", "ops")


def client_error(code: str, status: int = 400, message: str = "text") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "FilterLogEvents")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (client_error("ThrottlingException"), FaultKind.THROTTLED),
        (client_error("TooManyRequestsException"), FaultKind.THROTTLED),
        (client_error("Whatever", 429), FaultKind.THROTTLED),
        (client_error("ServiceUnavailableException", 503), FaultKind.TRANSIENT),
        (client_error("Odd", 502), FaultKind.TRANSIENT),
        (bx.EndpointConnectionError(endpoint_url="https://logs"), FaultKind.TRANSIENT),
        (bx.ConnectionClosedError(endpoint_url="https://logs"), FaultKind.TRANSIENT),
        (bx.ReadTimeoutError(endpoint_url="https://logs"), FaultKind.TRANSIENT),
        (ProtocolError("connection aborted"), FaultKind.TRANSIENT),
        (client_error("ExpiredTokenException"), FaultKind.CREDENTIALS),
        (client_error("UnrecognizedClientException"), FaultKind.CREDENTIALS),
        (bx.NoCredentialsError(), FaultKind.CREDENTIALS),
        (bx.TokenRetrievalError(provider="sso", error_msg="expired"), FaultKind.CREDENTIALS),
        (client_error("AccessDeniedException"), FaultKind.ACCESS_DENIED),
        (client_error("ResourceNotFoundException"), FaultKind.NOT_FOUND),
        (client_error("InvalidParameterException"), FaultKind.INVALID),
        (bx.ParamValidationError(report="bad"), FaultKind.INVALID),
    ],
)
def test_kinds(error, kind):
    assert classify(error, CONTEXT).kind is kind


def test_messages_name_what_to_do():
    assert classify(client_error("ExpiredToken"), CONTEXT).message == "AWS credentials expired: refresh them (e.g. aws sso login --profile ops)"
    assert classify(client_error("RequestExpired"), CallContext("/g")).message == (
        "AWS credentials expired: refresh them (e.g. aws sso login); if they are fresh, check the system clock"
    )
    assert classify(client_error("AccessDeniedException"), CONTEXT).message == (
        "access denied: the IAM principal needs logs:FilterLogEvents on arn:aws:logs:eu-west-1:*:log-group:/vpc/flow-logs"
    )
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/flow-logs"
    assert classify(client_error("AccessDenied", 403), CallContext(arn, "eu-west-1")).message.endswith(f"on {arn}")
    assert classify(client_error("ResourceNotFoundException"), CONTEXT).message == "log group /vpc/flow-logs not found in eu-west-1"
    assert "\n" not in classify(client_error("InvalidParameterException", message="two\nlines"), CONTEXT).message


def test_other_exceptions_are_not_aws_faults():
    assert classify(KeyError("x"), CONTEXT) is None
    assert classify(ValueError("x"), CONTEXT) is None


def test_dedup_expires_whole_minutes_before_the_horizon():
    seen = SeenIds()
    assert seen.add("a", 59_999) and seen.add("b", 60_000) and not seen.add("a", 59_999)
    seen.expire(60_000)  # "a"'s minute is entirely before the horizon
    assert len(seen) == 1 and seen.add("a", 59_999) and not seen.add("b", 60_000)
    seen.expire(119_999)  # "b"'s minute is not entirely before it
    assert not seen.add("b", 60_000)


def test_dedup_cap_evicts_the_oldest_and_counts():
    seen = SeenIds(cap=3)
    for n, stamp in enumerate([300_000, 0, 120_000, 60_000]):
        seen.add(f"id{n}", stamp)
    assert len(seen) == 3 and seen.evicted == 1
    assert seen.add("id1", 0)  # the oldest was forgotten: it would come back as new
    assert not seen.add("id0", 300_000)


def test_log_group_references():
    assert LogGroupRef.parse("/vpc/flow-logs").request_params() == {"logGroupName": "/vpc/flow-logs"}
    ref = LogGroupRef.parse("arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/vpc/x:*")
    assert (ref.name, ref.region, ref.account) == ("/vpc/x", "us-gov-west-1", "123456789012")
    assert ref.request_params() == {"logGroupIdentifier": "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/vpc/x"}
    for bad in ["", "a b", "arn:aws:logs:us-east-1:1234:log-group:x", "arn:aws:logs:us-east-1:123456789012:log-group:a b"]:
        with pytest.raises(ValueError):
            LogGroupRef.parse(bad)
