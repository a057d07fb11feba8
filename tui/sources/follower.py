"""Following one log group with FilterLogEvents without losing late events or delivering any twice.

One ``Follower`` per log group. Each ``poll()`` is one round of the rescan schedule (see
``rescan.py``): the due tiers' ranges, merged, each read to its last page. New events are those whose
``eventId`` was not delivered before (``dedup.py``). Every call waits for the process-wide
``RequestBudget``. A failed call never raises: it is classified (``aws_errors.py``), shown in
``status()``, and the unfinished range is resumed from its last page token once the backoff delay has
passed (``next_due()`` says when). The follower itself never sleeps, so one thread can drive many
followers and stop promptly.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from tui.patterns import compile_pattern
from tui.sources.answers import MalformedResponse
from tui.sources.aws_errors import CallContext, Fault, FaultKind, classify
from tui.sources.budget import Backoff, RequestBudget
from tui.sources.dedup import SeenIds
from tui.sources.loggroup import LogGroupRef, check_stream_prefix
from tui.sources.recent import RecentEvents
from tui.sources.rescan import RangeQuery, RescanSchedule, Tier, plan_tiers
from tui.sources.source import LogEvent
from tui.sources.stall import STALLED, stalled_reason

_BACKOFF = {
    FaultKind.THROTTLED: Backoff(base_s=0.5, cap_s=20.0),
    FaultKind.TRANSIENT: Backoff(base_s=1.0, cap_s=20.0),
}
_SLOW_BACKOFF = Backoff(base_s=15.0, cap_s=60.0, floor=0.5)  # credentials, IAM, missing group, refused
STALL_INTERVALS = 3  # a round making no progress for this many poll intervals (at least STALL_MIN_S) is stalled
STALL_MIN_S = 45.0  # above the 30 s read timeout: one slow page is not a stall


@dataclass(frozen=True)
class FollowerStatus:
    """A snapshot of one follower for the status bar; safe to read from any thread."""

    log_group: str  # as configured: the name, or the ARN
    state: str  # "starting" | "polling" | "throttled" | "error" | "ok" | "stalled" (no progress for long)
    last_poll: float | None  # epoch s of the last successful call
    events_per_s: float  # new events over the last minute
    lag_p50_ms: int | None  # ingestion_time - timestamp over the recent new events
    lag_p95_ms: int | None
    throttled: int  # calls refused for the request rate
    errors: int  # other failed calls
    reread_ratio: float  # events AWS returned / new events, since the start
    last_error: str | None  # cleared by the next complete round
    dedup_size: int
    calls: int
    events: int = 0  # new events delivered since the start
    dedup_evicted: int = 0  # ids dropped by the dedup cap (each may come back as a duplicate)
    gaps: int = 0  # ranges clamped after a pause longer than the catch-up limit
    retry_in_s: float | None = None  # while backing off
    kind: str = "poll"  # the source kind (see tui/sources/source.py)

    def to_json(self) -> dict[str, Any]:
        """The headless status line's keys after ``"type"``."""
        from tui.rules.alerts import iso_utc

        return {
            "logGroup": self.log_group,
            "state": self.state,
            "lastPoll": iso_utc(None if self.last_poll is None else int(self.last_poll * 1000)),
            "eventsPerSecond": round(self.events_per_s, 2),
            "lagP50Ms": self.lag_p50_ms,
            "lagP95Ms": self.lag_p95_ms,
            "throttled": self.throttled,
            "errors": self.errors,
            "rereadRatio": round(self.reread_ratio, 2),
            "calls": self.calls,
            "events": self.events,
            "lastError": self.last_error,
        }


@dataclass
class _Cursor:
    query: RangeQuery
    token: str | None = None


class Follower:
    """Follows one log group; see the module docstring.

    ``client`` is a boto3 CloudWatch Logs client (``make_logs_client``). ``log_group`` is a name or an
    ARN. ``stream_prefix`` is sent as logStreamNamePrefix and also checked locally (moto ignores it).
    ``filter_pattern`` is sent as filterPattern and also applied locally (moto applies only plain
    terms), so only the events it matches are delivered, as from AWS; rules still evaluate locally.
    ``lookback_s`` is where following starts; ``max_delay_s`` is how late an event may arrive and
    still be delivered. ``tiers`` overrides the rescan tiers derived from ``poll_interval_s`` and
    ``max_delay_s``. ``profile`` is only named in credential messages;
    ``renew_client``, when given, builds a fresh client after a credential failure (so that
    credentials refreshed on disk are picked up). ``clock`` is epoch seconds; ``rng`` drives the
    backoff jitter. ``stall_after_s`` (default: ``STALL_INTERVALS`` poll intervals, at least
    ``STALL_MIN_S``): a round with no answer for that long shows as ``stalled`` while the call waits
    (for its deadline, see ``answers.py``). One thread polls; ``status()`` may be called from any
    thread.
    """

    def __init__(
        self,
        client: Any,
        log_group: str,
        *,
        stream_prefix: str | None = None,
        filter_pattern: str | None = None,
        lookback_s: float = 900,
        max_delay_s: float = 1200,
        poll_interval_s: float = 5,
        budget: RequestBudget,
        clock: Callable[[], float] = time.time,
        page_limit: int = 10000,
        tiers: tuple[Tier, ...] | None = None,
        dedup_cap: int = 2_000_000,
        profile: str | None = None,
        renew_client: Callable[[], Any] | None = None,
        rng: random.Random | None = None,
        stall_after_s: float | None = None,
    ) -> None:
        self.ref = LogGroupRef.parse(log_group)
        check_stream_prefix(stream_prefix)
        if filter_pattern is not None and len(filter_pattern) > 1024:
            raise ValueError("a CloudWatch filter pattern is at most 1024 characters")
        if not 1 <= page_limit <= 10000:
            raise ValueError(f"page limit must be 1 to 10000, not {page_limit!r}")
        if lookback_s < 0:
            raise ValueError(f"lookback must not be negative, not {lookback_s!r}")
        region = client.meta.region_name
        if self.ref.region and region and self.ref.region != region:
            raise ValueError(f"log group {self.ref.arn} is in {self.ref.region}, but the client is for {region}")
        self._client = client
        self._budget = budget
        self._clock = clock
        self._rng = rng or random.Random()
        self._renew_client = renew_client
        self._prefix = stream_prefix
        self._params: dict[str, Any] = {**self.ref.request_params(), "limit": page_limit, "interleaved": True}
        if stream_prefix:
            self._params["logStreamNamePrefix"] = stream_prefix
        self._filter = compile_pattern(filter_pattern) if filter_pattern else None
        if filter_pattern:
            self._params["filterPattern"] = filter_pattern
        self._context = CallContext(self.ref.label, region, profile)
        self._schedule = RescanSchedule(
            tiers or plan_tiers(poll_interval_s, max_delay_s),
            lookback_s=lookback_s,
        )
        self._seen = SeenIds(dedup_cap)
        self._pending: deque[_Cursor] = deque()
        self._recent = RecentEvents()
        self._state = "starting"
        self._last_error: str | None = None
        self._last_poll: float | None = None
        self._progress_at = clock()  # the start, the last answer or the start of the last round
        self._stall_after_s = stall_after_s if stall_after_s is not None else max(
            STALL_INTERVALS * poll_interval_s, STALL_MIN_S
        )
        self._retry_at = 0.0
        self._failures = 0  # consecutive, for the backoff
        self._renew = False
        self._calls = self._returned = self._delivered = self._throttled = self._errors = 0

    @property
    def tiers(self) -> tuple[Tier, ...]:
        return self._schedule.tiers

    def next_due(self) -> float:
        """Seconds until ``poll()`` has something to do: a backoff ending, an unfinished round, a tier."""
        now = self._clock()
        if now < self._retry_at:
            return self._retry_at - now
        if self._pending:
            return 0.0
        return self._schedule.next_due(now)

    def poll(self, stop: threading.Event | None = None) -> list[LogEvent]:
        """One round: every due tier's range, every page. Returns the new events, in no set order.

        Returns early (keeping the unfinished range for the next call) when a call fails or when
        ``stop`` is set between pages. Never raises for AWS or network failures.
        """
        now = self._clock()
        if now < self._retry_at:
            return []
        if not self._pending:
            self._pending.extend(_Cursor(query) for query in self._schedule.plan(now))
            self._seen.expire(self._schedule.horizon_ms())
        self._state = "polling"
        self._progress_at = now
        new: list[LogEvent] = []
        while self._pending and not (stop is not None and stop.is_set()):
            cursor = self._pending[0]
            try:
                page = self._call(cursor)
                _check_page(page)
            except Exception as error:
                fault = classify(error, self._context)
                if fault is None:
                    raise
                self._fail(fault, cursor)
                break
            self._last_poll = self._progress_at = self._clock()
            self._failures = 0
            new.extend(self._accept(page.get("events", ())))
            cursor.token = page.get("nextToken")
            if cursor.token is None:  # only a missing token ends a range: empty pages may carry one
                self._pending.popleft()
                self._schedule.complete(cursor.query)
                self._seen.expire(self._schedule.horizon_ms())
        if not self._pending:
            self._state, self._last_error = "ok", None
        self._delivered += len(new)
        self._recent.record(self._clock(), new)
        return new

    def status(self) -> FollowerStatus:
        now = self._clock()
        p50, p95 = self._recent.lag_percentiles(0.50, 0.95, now=now)
        state, last_error = self._state, self._last_error
        waiting = self._progress_at if state in ("starting", "polling") else None  # else backing off, or done
        stalled = stalled_reason(waiting, now, self._stall_after_s)
        if stalled is not None:
            state, last_error = STALLED, stalled
        return FollowerStatus(
            log_group=self.ref.label,
            state=state,
            last_poll=self._last_poll,
            events_per_s=self._recent.rate(now),
            lag_p50_ms=p50,
            lag_p95_ms=p95,
            throttled=self._throttled,
            errors=self._errors,
            reread_ratio=self._returned / max(1, self._delivered),
            last_error=last_error,
            dedup_size=len(self._seen),
            calls=self._calls,
            events=self._delivered,
            dedup_evicted=self._seen.evicted,
            gaps=self._schedule.gaps,
            retry_in_s=self._retry_at - now if now < self._retry_at else None,
        )

    def _call(self, cursor: _Cursor) -> dict[str, Any]:
        if self._renew and self._renew_client is not None:
            self._client = self._renew_client()
            self._renew = False
        params = {**self._params, "startTime": cursor.query.start_ms, "endTime": cursor.query.end_ms}
        if cursor.token is not None:
            params["nextToken"] = cursor.token
        self._budget.acquire()
        self._calls += 1
        return self._client.filter_log_events(**params)

    def _accept(self, events: Iterable[dict[str, Any]]) -> list[LogEvent]:
        new = []
        for raw in events:
            self._returned += 1
            stream = raw.get("logStreamName", "")
            if self._prefix and not stream.startswith(self._prefix):
                continue
            if self._filter is not None and not self._filter.matches(raw.get("message", "")):
                continue
            timestamp = raw["timestamp"]
            if self._seen.add(raw["eventId"], timestamp):
                new.append(
                    LogEvent(
                        raw["eventId"],
                        self.ref.name,
                        stream,
                        timestamp,
                        raw.get("ingestionTime", 0),
                        raw.get("message", ""),
                    )
                )
        return new

    def _fail(self, fault: Fault, cursor: _Cursor) -> None:
        policy = _BACKOFF.get(fault.kind, _SLOW_BACKOFF)
        if fault.kind is FaultKind.INVALID and cursor.token is not None:
            # Most likely the page token expired during a long outage: re-read the range from its
            # start (dedup drops what was already delivered) instead of waiting on a dead token.
            cursor.token = None
            policy = _BACKOFF[FaultKind.TRANSIENT]
        if fault.kind is FaultKind.THROTTLED:
            self._throttled += 1
            self._state = "throttled"
        else:
            self._errors += 1
            self._state = "error"
        self._renew = fault.kind is FaultKind.CREDENTIALS
        self._last_error = fault.message
        self._retry_at = self._clock() + policy.delay(self._failures, self._rng)
        self._failures += 1


def _check_page(page: dict[str, Any]) -> None:
    """MalformedResponse when an event lacks what delivery needs (the types are checked in
    ``answers.py``; AWS marks no member of the output as required)."""
    for raw in page.get("events", ()):
        if raw.get("eventId") is None or raw.get("timestamp") is None:
            raise MalformedResponse("FilterLogEvents: an event without eventId or timestamp")
