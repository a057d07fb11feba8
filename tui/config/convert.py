"""Scalar converters: YAML value -> typed value, or ValueError with the one-line reason.

Each takes the raw YAML value (never null: absent and null keys get their default before this) and
says what it wanted and what it got, so the validator can prefix ``file:line: key.path:``.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, Callable, Sequence
from urllib.parse import urlparse

from tui.config.issues import describe, did_you_mean
from tui.durations import parse_duration

Converter = Callable[[Any], Any]

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_PARTITION = r"arn:aws(?:-[a-z]+)*"
SNS_TOPIC_ARN = re.compile(rf"{_PARTITION}:sns:({_REGION}):\d{{12}}:[A-Za-z0-9_-]{{1,256}}(?:\.fifo)?")
_LOG_GROUP_NAME = r"[A-Za-z0-9._/#-]{1,512}"
_LOG_GROUP = re.compile(rf"{_LOG_GROUP_NAME}|{_PARTITION}:logs:{_REGION}:\d{{12}}:log-group:{_LOG_GROUP_NAME}(?::\*)?")
_KINESIS_NAME = r"[A-Za-z0-9_.-]{1,128}"
KINESIS_STREAM_ARN = re.compile(rf"{_PARTITION}:kinesis:({_REGION}):\d{{12}}:stream/({_KINESIS_NAME})")
_KINESIS_NAME_RE = re.compile(_KINESIS_NAME)
_RULE_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def any_text(value: Any) -> str:
    """Text, possibly empty (an empty filter pattern matches every event)."""
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {describe(value)}")
    return value


def text(value: Any) -> str:
    if not any_text(value).strip():
        raise ValueError("must not be empty")
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {describe(value)}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"must be a number greater than 0, got {describe(value)}")
    return value


def positive_number(value: Any) -> float:
    if _number(value) <= 0:
        raise ValueError(f"must be a number greater than 0, got {describe(value)}")
    return float(value)


def positive_int(value: Any) -> int:
    if _number(value) <= 0 or not isinstance(value, int):
        raise ValueError(f"must be a whole number greater than 0, got {describe(value)}")
    return value


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?")
_SIZE_UNITS = {None: 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}


def memory_size(value: Any) -> int:
    """Bytes, at least 1 MB: a whole number of bytes or ``512MB``, ``1.5GB``, ``256MiB``."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"must be a size such as 512MB or 1GB, got {describe(value)}")
    match = _SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if isinstance(value, str) and match is None:
        raise ValueError(f"must be a size such as 512MB or 1GB, got {value!r}")
    size = value if isinstance(value, int) else int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])  # type: ignore[union-attr]
    if size < 1000**2:
        raise ValueError(f"must be at least 1MB, got {value!r}")
    return size


def duration(value: Any) -> float:
    """Seconds, 0 allowed: ``45s``, ``5m``, ``1h30m`` or a number of seconds."""
    return parse_duration(value)


def positive_duration(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"must be longer than 0 (e.g. 45s, 5m, 1h30m), got {value!r}")
    return seconds


def choice(options: Sequence[str]) -> Converter:
    """One of ``options``, exactly as spelled there."""

    def convert(value: Any) -> str:
        if value not in options:
            hint = did_you_mean(value, options)
            if isinstance(value, bool):
                hint = " (YAML reads yes, no, on and off as booleans: quote the word)"
            raise ValueError(f"must be one of {', '.join(options)}, got {describe(value)}{hint}")
        return value

    return convert


def region(value: Any) -> str:
    if re.fullmatch(_REGION, text(value)) is None:
        raise ValueError(f"{value!r} is not an AWS region name (e.g. us-east-1)")
    return value


def endpoint_url(value: Any) -> str:
    url = urlparse(text(value))
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ValueError(f"{value!r} is not an http:// or https:// URL (e.g. http://127.0.0.1:5000)")
    return value


def log_group(value: Any) -> str:
    if _LOG_GROUP.fullmatch(text(value)) is None:
        raise ValueError(
            f"{value!r} is not a log group name (letters, digits and . _ / # -) "
            "or a log group ARN (arn:aws:logs:REGION:ACCOUNT:log-group:NAME)"
        )
    return value


def kinesis_stream(value: Any) -> str:
    """A Kinesis stream name or ARN."""
    if text(value).startswith("arn:"):
        if KINESIS_STREAM_ARN.fullmatch(value) is None:
            raise ValueError(
                f"{value!r} is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, "
                "e.g. arn:aws:kinesis:us-east-1:123456789012:stream/flowlogs)"
            )
    elif _KINESIS_NAME_RE.fullmatch(value) is None:
        raise ValueError(f"{value!r} is not a Kinesis stream name (1 to 128 letters, digits and _ . - only) or ARN")
    return value


def consumer_name(value: Any) -> str:
    if _KINESIS_NAME_RE.fullmatch(text(value)) is None:
        raise ValueError(f"{value!r} is not a consumer name (1 to 128 letters, digits and _ . - only)")
    return value


def log_group_name(value: str) -> str:
    """The name of a log group given by name or ARN (subscription payloads name groups by name)."""
    if value.startswith("arn:"):
        return value.split(":log-group:", 1)[1].removesuffix(":*")
    return value


def sns_topic_arn(value: Any) -> str:
    if SNS_TOPIC_ARN.fullmatch(text(value)) is None:
        raise ValueError(
            f"{value!r} is not an SNS topic ARN "
            "(arn:aws:sns:REGION:ACCOUNT:NAME, e.g. arn:aws:sns:us-east-1:123456789012:flow-alerts)"
        )
    return value


def rule_name(value: Any) -> str:
    if _RULE_NAME.fullmatch(text(value)) is None:
        raise ValueError(f"{value!r} is not a rule name (letters, digits and . _ - only)")
    return value


def file_path(value: Any) -> str:
    """A path, with ``~`` expanded."""
    return os.path.expanduser(text(value))


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}


def byte_size(value: Any) -> int:
    """Bytes, more than 0: ``10GB``, ``500MB``, ``2GiB`` or a number of bytes (decimal units, as AWS bills)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a size such as 10GB or 500MB, got {describe(value)}")
    match = _SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if isinstance(value, (int, float)) and math.isfinite(value):
        size = int(value)
    elif match is not None:
        size = int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "b").lower()])
    else:
        raise ValueError(f"must be a size such as 10GB or 500MB, got {describe(value)}")
    if size <= 0:
        raise ValueError(f"must be a size greater than 0 (e.g. 10GB), got {describe(value)}")
    return size


def s3_uri(value: Any) -> str:
    """An ``s3://bucket/prefix`` location."""
    url = urlparse(text(value))
    if url.scheme != "s3" or not url.netloc:
        raise ValueError(f"{value!r} is not an S3 location (s3://bucket/prefix/)")
    return value


def sql_name(value: Any) -> str:
    """An Athena database, table or workgroup name: letters, digits, _ and - (no quoting games)."""
    if re.fullmatch(r"[A-Za-z0-9_-]{1,128}", text(value)) is None:
        raise ValueError(f"{value!r} is not a name Athena takes here (letters, digits, _ and - only)")
    return value


def history_file(value: Any) -> str:
    """A local path (``~`` expanded) or an ``s3://bucket/prefix`` location."""
    if text(value).startswith("s3://"):
        return s3_uri(value)
    return os.path.expanduser(value)
