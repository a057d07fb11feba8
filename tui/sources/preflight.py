"""One cheap call per log group (or Kinesis stream) before following starts, to tell the problems that do not heal on
their own (no credentials, access denied, no such group) from those a retry fixes (throttling, the
network, 5xx). ``flowtail watch`` exits on the first kind unless asked to ``--wait``."""

from __future__ import annotations

import time
from typing import Any

from tui.sources.aws_errors import CallContext, Fault, FaultKind, classify
from tui.sources.loggroup import LogGroupRef

# Faults a monitor should not sit on silently at start: the user has to act.
NEEDS_THE_USER = frozenset({FaultKind.CREDENTIALS, FaultKind.ACCESS_DENIED, FaultKind.NOT_FOUND})


def probe_log_group(client: Any, log_group: str, *, profile: str | None = None) -> Fault | None:
    """The fault a FilterLogEvents call on ``log_group`` meets now (one call, the last second, at
    most one event), or None when it succeeds. Uses only the permission following needs."""
    ref = LogGroupRef.parse(log_group)
    now_ms = int(time.time() * 1000)
    try:
        client.filter_log_events(**ref.request_params(), startTime=now_ms - 1000, endTime=now_ms, limit=1)
    except Exception as error:  # classified below; anything that is not an AWS failure is re-raised
        fault = classify(error, CallContext(ref.label, client.meta.region_name, profile))
        if fault is None:
            raise
        return fault
    return None


def probe_stream(client: Any, stream: str, *, profile: str | None = None) -> Fault | None:
    """The fault a ListShards call on the Kinesis ``stream`` meets now, or None when it succeeds."""
    from tui.sources.kinesis import stream_context, stream_params

    try:
        client.list_shards(**stream_params(stream), MaxResults=1)
    except Exception as error:  # classified below; anything that is not an AWS failure is re-raised
        fault = classify(error, stream_context(stream, client.meta.region_name, profile, "kinesis:ListShards"))
        if fault is None:
            raise
        return fault
    return None
