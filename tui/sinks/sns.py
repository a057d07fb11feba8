"""Alerts to an Amazon SNS topic: the subject and message a person on call reads, and the publish.

Which alerts are published, the cooldown and the retries are the delivery worker's job
(:mod:`tui.sinks.delivery`); this module only formats and sends one alert.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any

from tui.durations import format_duration
from tui.flowlog import DEFAULT_FORMAT, FlowFormat
from tui.flowlog.summary import record_summary
from tui.rules.alerts import DEGRADED, Alert, iso_utc
from tui.text import one_line

SUBJECT_MAX = 99  # SNS: "ASCII text ... less than 100 characters", no line breaks or control characters
MAX_SAMPLES = 5
DESCRIPTION_MAX_CHARS = 2000  # runbook text: a paragraph or two
SAMPLE_MAX_CHARS = 1000  # a sample is one log event; this keeps five of them far below SNS's 256 KB
# SNS takes at most 256 KB per publish, message attributes included: the body leaves room for them.
BODY_MAX_BYTES = 256 * 1024 - 4096
_CUT = "\n[message cut to fit SNS]"
_TOPIC_REGION = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):")
_DENIED = {"AuthorizationError", "AccessDenied", "AccessDeniedException"}
_MISSING = {"NotFound", "NotFoundException"}
_THROTTLED = {"Throttling", "ThrottlingException", "Throttled", "TooManyRequestsException"}
# The message itself is refused: sending it again would fail the same way (dead-lettered).
_REJECTED = {"InvalidParameter", "InvalidParameterValue", "ParameterValueInvalid", "ValidationError"}
_BAD_CREDENTIALS = {"InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                    "SignatureDoesNotMatch", "InvalidSignatureException"}


PUBLISH_DEADLINE_S = 30.0  # a publish answered after this long is retried (see tui/sources/answers.py)


class UnsendableAlert(ValueError):
    """An alert that cannot be formatted (a damaged journal line): dead-lettered, never retried."""


def clean_text(text: str) -> str:
    """``text`` without control characters: tabs and line breaks become spaces, the others go
    (bidirectional controls too; see :mod:`tui.text`); and valid UTF-8 (a lone surrogate, which
    cannot be encoded, becomes ``?``)."""
    return one_line(text).encode("utf-8", "replace").decode("utf-8")


class SnsNotifier:
    """Publishes alerts to ``topic_arn``.

    ``states`` and ``cooldown_s`` are settings the delivery worker applies. The boto3 client is made
    on first use (``client`` overrides it), with botocore's own retries off because the worker
    retries with its own backoff and reports every failed attempt.
    """

    def __init__(
        self,
        topic_arn: str,
        *,
        states: Iterable[str] = ("ALARM",),
        subject_prefix: str = "[flowtail]",
        cooldown_s: float = 600.0,
        client: Any = None,
        region: str | None = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        fmt: FlowFormat = DEFAULT_FORMAT,
    ) -> None:
        """``fmt``: the records' format, to decode the samples for the reader (the raw line follows)."""
        self.topic_arn = topic_arn
        self.fmt = fmt
        self.states = tuple(states)
        self.subject_prefix = subject_prefix
        self.cooldown_s = cooldown_s
        self.region = region or _topic_region(topic_arn)
        self.profile = profile
        self.endpoint_url = endpoint_url
        self._client = client

    def publish(self, alert: Alert) -> str:
        """Publishes one alert and returns the SNS message id. Raises what botocore raises, and
        UnsendableAlert when the alert cannot even be formatted (it never could be: dead-lettered)."""
        try:
            subject, message = self.format_subject(alert), self.format_message(alert)
            attributes = self.message_attributes(alert)
        except (ValueError, TypeError, AttributeError) as error:
            raise UnsendableAlert(f"the alert cannot be formatted ({type(error).__name__}: {error})") from None
        response = self.client.publish(
            TopicArn=self.topic_arn, Subject=subject, Message=message, MessageAttributes=attributes,
        )
        return str(response["MessageId"])

    def check_topic(self) -> str | None:
        """Why alerts could not be published to the topic now (one line), or None when it exists and
        can be read (``sns:GetTopicAttributes``): a typo'd topic is found at start, not at the first
        alarm. Network trouble and throttling are not reported: the delivery retries those."""
        from botocore.exceptions import BotoCoreError, ClientError

        from tui.sources.answers import MalformedResponse

        try:
            self.client.get_topic_attributes(TopicArn=self.topic_arn)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "?")
            if code in _DENIED:
                return (f"SNS topic {self.topic_arn}: access denied: the IAM principal needs "
                        "sns:GetTopicAttributes and sns:Publish on it")
            if code in _MISSING or code in _REJECTED:
                return f"SNS topic {self.topic_arn} does not exist (check the topic ARN and region)"
            if code in _BAD_CREDENTIALS:
                return self.describe_error(error)
            return None
        except (BotoCoreError, MalformedResponse, OSError):
            return None
        return None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # lazily: importing boto3 costs a noticeable part of a second at startup
            from botocore.config import Config

            from tui.sources.answers import guard_client

            session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
            config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=10)
            client = session.client("sns", endpoint_url=self.endpoint_url, config=config)
            self._client = guard_client(client, PUBLISH_DEADLINE_S)  # see tui/sources/answers.py
        return self._client

    def format_subject(self, alert: Alert) -> str:
        """One ASCII line under 100 characters, e.g.
        ``[flowtail] ALARM high ssh-brute-force srcaddr=203.0.113.7 25/20 in 1m``."""
        shown = _displayable(alert)
        reading = f"{_number(shown.value)}/{_number(shown.threshold)}"
        if shown.measure != "count":
            reading = f"{shown.measure} {reading}"
        subject = (f"{clean_text(self.subject_prefix)} {shown.state} {shown.severity} {shown.rule} "
                   f"{shown.group_label} {reading} in {format_duration(shown.window_s)}")
        if shown.state == DEGRADED:
            subject = f"{clean_text(self.subject_prefix)} DEGRADED {shown.severity} {shown.degraded_text}"
        subject = " ".join(subject.encode("ascii", "replace").decode("ascii").split())
        return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 3].rstrip() + "..."

    def format_message(self, alert: Alert) -> str:
        """Plain text for a person, then the alert as JSON for a program (both free of control
        characters), within :data:`BODY_MAX_BYTES` of UTF-8: samples are left out first, from the
        last, and only a message still too long after that is cut (and says so)."""
        for samples in range(min(MAX_SAMPLES, len(alert.samples)), -1, -1):
            message = self._message(alert, samples)
            size = len(message.encode("utf-8"))
            if size <= BODY_MAX_BYTES:
                return message
        room = BODY_MAX_BYTES - len(_CUT.encode("utf-8"))
        return message.encode("utf-8")[:room].decode("utf-8", "ignore") + _CUT

    def _message(self, alert: Alert, samples: int) -> str:
        shown = _displayable(alert, samples)
        meaning = {"ALARM": "the measure reached the threshold",
                   DEGRADED: "groups were evicted: an alarm may be missed"}
        lines = [
            f"flowtail: {shown.degraded_text}" if shown.state == DEGRADED
            else f"flowtail: rule {shown.rule} is {shown.state} for {shown.group_label}",
            "",
            f"Rule:        {shown.rule}",
            f"Severity:    {shown.severity}",
            f"State:       {shown.state} ({meaning.get(shown.state, 'the measure fell below the threshold')})",
            f"Group:       {shown.group_label}",
            *([f"Description: {shown.description}"] if shown.description else []),
            f"Value:       {_number(shown.value)} (threshold {_number(shown.threshold)})",
            f"Measure:     {shown.measure} over a {format_duration(shown.window_s)} sliding window",
            f"Time:        {iso_utc(shown.time_ms)} (event time of the transition)",
            f"First event: {iso_utc(shown.first_ms) or 'none'}",
            f"Last event:  {iso_utc(shown.last_ms) or 'none'}",
            "",
            f"Sample records ({len(shown.samples)} of {len(alert.samples)}):",
            *(line for sample in shown.samples for line in self._sample_lines(sample)),
            "",
            "Alert JSON:",
            json.dumps(shown.to_json(), separators=(",", ":")),
        ]
        return "\n".join(lines)

    def _sample_lines(self, sample: str) -> list[str]:
        """A sample decoded (time, action, endpoints, service) over its raw line."""
        summary = record_summary(self.fmt, sample)
        return [f"  {clean_text(summary)}", f"    raw: {sample}"] if summary else [f"  {sample}"]

    def message_attributes(self, alert: Alert) -> dict[str, dict[str, str]]:
        """``rule``, ``severity`` and ``state``, for subscription filter policies."""
        shown = _displayable(alert)
        values = {"rule": shown.rule, "severity": shown.severity, "state": shown.state}
        return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}

    def is_permanent(self, exc: BaseException) -> bool:
        """A message SNS refuses (or botocore cannot even encode) fails the same way every time. A
        missing topic, denied access, throttling, 5xx and network errors are retried."""
        from botocore.exceptions import ClientError, ParamValidationError

        if isinstance(exc, (UnicodeError, ParamValidationError, UnsendableAlert)):
            return True
        return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in _REJECTED

    def describe_error(self, exc: BaseException) -> str:
        """A one-line explanation of a failed publish that says what to do about it."""
        from botocore.exceptions import (  # lazily, as boto3: only reached after a publish was tried
            ClientError,
            ConnectionError,
            CredentialRetrievalError,
            HTTPClientError,
            NoCredentialsError,
        )

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code, message = error.get("Code", "?"), error.get("Message", "")
            if code in _DENIED:
                return f"SNS publish denied: the IAM principal needs sns:Publish on {self.topic_arn}"
            if code in _MISSING:
                return f"SNS topic {self.topic_arn} does not exist (check the topic ARN and region)"
            if code in _THROTTLED:
                return "SNS is throttling publishes; retrying with backoff"
            if code in _BAD_CREDENTIALS:
                return f"AWS rejected the credentials ({code}): refresh them (e.g. aws sso login)"
            if code.startswith("KMS"):
                return (f"SNS cannot use the topic's KMS key ({code}): the IAM principal needs "
                        "kms:GenerateDataKey and kms:Decrypt on it")
            if code in _REJECTED:
                return f"SNS rejected the message ({code}): {clean_text(str(message))[:200]}"
            return f"SNS publish failed ({code}): {clean_text(str(message))[:200]}"
        if isinstance(exc, CredentialRetrievalError):  # never echo a credential_process's output
            return (f"no usable AWS credentials for SNS: the {exc.kwargs.get('provider', 'credential')} provider "
                    "failed (its output is not shown): refresh them (e.g. aws sso login)")
        if isinstance(exc, NoCredentialsError):
            return "no AWS credentials found for SNS (environment, profile, SSO or instance role)"
        if isinstance(exc, (ConnectionError, HTTPClientError)):
            return f"cannot reach SNS: {exc}"
        if isinstance(exc, UnsendableAlert):
            return str(exc)
        from tui.sources.answers import DeadlineExceeded, MalformedResponse

        if isinstance(exc, (MalformedResponse, DeadlineExceeded)):
            return f"SNS publish failed: {clean_text(str(exc))[:200]}: retrying"
        return f"SNS publish failed: {type(exc).__name__}: {clean_text(str(exc))[:200]}"


def _displayable(alert: Alert, samples: int = MAX_SAMPLES) -> Alert:
    """The alert with its text made safe to show: group values and samples are attacker-controlled
    (anyone can send packets), and rule names and severities are cleaned the same way for good measure.
    Keeps the first ``samples`` samples (at most :data:`MAX_SAMPLES`); samples and group values are
    cut to :data:`SAMPLE_MAX_CHARS`."""
    return dataclasses.replace(
        alert,
        rule=clean_text(alert.rule),
        severity=clean_text(alert.severity),
        description=_shorten_to(clean_text(alert.description), DESCRIPTION_MAX_CHARS),
        group={_shorten(clean_text(str(name))): _shorten(clean_text(value)) if isinstance(value, str) else value
               for name, value in alert.group.items()},
        samples=tuple(_shorten(clean_text(sample)) for sample in alert.samples[:min(samples, MAX_SAMPLES)]),
    )


def _shorten(text: str) -> str:
    return _shorten_to(text, SAMPLE_MAX_CHARS)


def _shorten_to(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: float) -> str:
    """``25``, ``5000000.5``, ``0.33``: no exponent, at most two decimals."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _topic_region(topic_arn: str) -> str | None:
    match = _TOPIC_REGION.match(topic_arn)
    return match.group(1) if match else None
