"""Following one log group with CloudWatch Logs Live Tail (StartLiveTail), backfilling every gap.

    source = LiveTailSource(live_tail_client_factory(region, profile, endpoint_url), "/vpc/flow-logs",
                            deliver, budget=budget, stop=stop)
    source.start()            # or source.run() in a thread of the caller's
    source.status()           # LiveTailStatus, from any thread

Live Tail pushes newly ingested events about once a second, in ingestion order, so late flow-log records
need no re-reads. Its limits, from the API reference, and what this source does about each:

- more than 500 matching events in a second: the update carries a sample (``sessionMetadata.sampled``);
- sessions end after three hours (``SessionTimeoutException``), and on any server error
  (``SessionStreamingException``) or broken connection;
- a reader that falls behind loses the oldest of the (at most 10) updates buffered for it.

Each of these opens a *gap*: events ingested during it may never come through the stream. (Except
the three-hour end when all goes well: at ``renew_after_s`` (2 h 50 min) a second session is opened;
both stream the same new events for ``overlap_s``, copies counted per session, then the old one is
closed: no gap. A renewal that fails to start is retried; at worst the session times out.) Once the
stream is live again (and no longer sampled) one FilterLogEvents backfill reads every event whose
timestamp lies in ``[gap start - max_delay - margin, now + margin]`` (an event ingested in the gap is
at most ``max_delay`` late, ``margin`` absorbs clock skew), page by page under the process-wide
``RequestBudget``, and delivers the ones not delivered yet (``tail_keys.py``). Gaps that open while
a backfill is pending merge into it.

Two threads (three during a renewal): a reader that only reads the stream into a bounded queue (it never waits for the
consumer, so the server never has to buffer for us; an update that finds the queue full is dropped
and opens a gap), and a worker that delivers queued updates and runs backfills, one page at a time
between updates. A silence longer than ``stall_s`` between updates (AWS sends one every second, empty
or not) also opens a gap: the server may have dropped what it buffered meanwhile; so does an update
whose events reach us ``stall_s`` later than usual after their ingestion (a reader slower than the
stream falls behind without ever falling silent). While such a silence lasts, or a reconnect has had
no answer for ``stall_s``, the source is blind and its status reads ``stalled`` (``stall.py``, as
for the other sources); not while it backs off between attempts, which its error already says. A
session that has sent no frame for ``cut_s`` is cut (its socket shut, which ends a read blocked on
a stream that trickles bytes without ever finishing a frame, where the read timeout never fires)
and another opened; the silence is a gap like any other.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tui.sources.answers import MalformedResponse, shape_problem
from tui.sources.aws_errors import CallContext, Fault, FaultKind, classify
from tui.sources.budget import Backoff, RequestBudget
from tui.sources.follower import FollowerStatus, LogEvent
from tui.sources.loggroup import LogGroupRef, check_stream_prefix
from tui.sources.recent import RecentEvents
from tui.sources.stall import CALL_WAITS, STALLED, stalled_reason
from tui.sources.tail_keys import DeliveredKeys, content_key

SESSION_TIMEOUT = "SessionTimeoutException"
STALL_S = 8.0  # no update for this long (one comes every second): a gap, and the source is stalled meanwhile
CUT_S = 30.0  # no frame for this long: the session is cut and another opened (botocore's read timeout)
MARGIN_MS = 60_000  # clock skew between this host and CloudWatch, and the update's own delay
BACKFILL_EVERY_S = 60.0  # while every update is sampled, backfill this often instead of never
MIN_SESSION_S = 60.0  # a session that timed out sooner is not a normal end: reconnect with backoff
RENEW_AFTER_S = 10_200.0  # 2 h 50 min: open the next session before this one times out (at 3 h)
OVERLAP_S = 10.0  # how long both stream, so that the old one has sent all it had
RENEW_RETRY_S = 60.0  # after a renewal that failed to start
_RECONNECT = Backoff(base_s=1.0, cap_s=30.0)
_SLOW_BACKOFF = Backoff(base_s=15.0, cap_s=60.0, floor=0.5)  # credentials, IAM, missing group
_BACKOFF = {FaultKind.THROTTLED: Backoff(base_s=0.5, cap_s=20.0), FaultKind.TRANSIENT: _RECONNECT}
_IAM_ACTION = {"describe": "logs:DescribeLogGroups", "tail": "logs:StartLiveTail", "backfill": "logs:FilterLogEvents"}
_WAKE = object()  # queued to wake the worker when a gap opens or closes
_IDLE_WAIT_S = 0.5  # how soon an idle worker notices a stop event set from outside


@dataclass(frozen=True)
class LiveTailStatus(FollowerStatus):
    """A follower's status plus what Live Tail adds; ``gaps`` counts gaps opened (each backfilled).

    ``last_poll`` is the last update received, ``calls`` every AWS call (DescribeLogGroups,
    StartLiveTail, FilterLogEvents), ``reread_ratio`` events received (stream and backfills) per
    event delivered.
    """

    via: str = "live-tail"
    sampled: int = 0  # updates that carried a sample only (more than 500 events in their second)
    reconnects: int = 0  # sessions started after the first, renewals aside
    renewals: int = 0  # sessions replaced before their three-hour end, with no gap
    backfills: int = 0  # backfill ranges read to their end
    backfilled: int = 0  # events that only a backfill delivered
    dropped_updates: int = 0  # updates dropped because the worker's queue was full

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "via": self.via,
            "sampled": self.sampled,
            "gaps": self.gaps,
            "reconnects": self.reconnects,
            "renewals": self.renewals,
            "backfilled": self.backfilled,
        }


def is_loopback(endpoint_url: str | None) -> bool:
    """True for an endpoint on this host (moto, a test server), where no host prefix resolves."""
    host = urlsplit(endpoint_url).hostname if endpoint_url else None
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def live_tail_client_factory(region: str | None, profile: str | None, endpoint_url: str | None) -> Callable[[], Any]:
    """A factory of CloudWatch Logs clients for ``LiveTailSource``; called again after credential errors.

    botocore sends StartLiveTail to ``stream-<endpoint host>``; against a loopback endpoint that name
    does not resolve, so the prefix is turned off there (and only there: AWS needs it).
    """
    from tui.sources.cloudwatch import make_logs_client

    prefix = not is_loopback(endpoint_url)
    return lambda: make_logs_client(region, profile, endpoint_url, inject_host_prefix=prefix)


class _Gap:
    """Backfill ranges owed, merged: the earliest start, and whether the stream is live again."""

    def __init__(self) -> None:
        self.from_ms: int | None = None
        self.opened_at = 0.0  # clock s when the oldest still-owed gap opened
        self.running_from_ms: int | None = None  # the backfill being read, if any


class LiveTailSource:
    """Follows one log group through Live Tail; see the module docstring.

    ``client_factory`` builds a CloudWatch Logs client (``live_tail_client_factory``). ``log_group`` is
    a name or an ARN (a name is resolved to its ARN with DescribeLogGroups: StartLiveTail takes
    ARNs). ``deliver`` receives every new event once, in batches, from the worker thread.
    ``lookback_s`` is backfilled at the start (0: only new events); ``max_delay_s`` is how late an
    event may be ingested after its timestamp and still be recovered by a backfill. ``stop`` ends
    ``run()``. ``stall_s`` (default ``STALL_S``), ``queue_updates`` and ``backfill_every_s`` are the
    gap detectors' thresholds (see the module docstring; ``stall_s`` is also when the source reads
    ``stalled``); a session silent for ``cut_s`` (default ``CUT_S``) is cut and reconnected; a
    session that times out after ``min_session_s`` is renewed at once, a shorter one with backoff.
    ``clock`` is epoch seconds.
    """

    def __init__(
        self,
        client_factory: Callable[[], Any],
        log_group: str,
        deliver: Callable[[list[LogEvent]], None],
        *,
        budget: RequestBudget,
        stop: threading.Event | None = None,
        stream_prefix: str | None = None,
        lookback_s: float = 900,
        max_delay_s: float = 1200,
        stall_s: float | None = None,
        cut_s: float = CUT_S,
        queue_updates: int = 64,
        backfill_every_s: float = BACKFILL_EVERY_S,
        min_session_s: float = MIN_SESSION_S,
        renew_after_s: float = RENEW_AFTER_S,
        overlap_s: float = OVERLAP_S,
        page_limit: int = 10000,
        dedup_cap: int = 2_000_000,
        profile: str | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        on_status: Callable[[], None] | None = None,
    ) -> None:
        self.ref = LogGroupRef.parse(log_group)
        check_stream_prefix(stream_prefix)
        if not 1 <= page_limit <= 10000:
            raise ValueError(f"page limit must be 1 to 10000, not {page_limit!r}")
        if lookback_s < 0 or max_delay_s < 0:
            raise ValueError("lookback and max_delay must not be negative")
        stall_s = STALL_S if stall_s is None else stall_s
        if stall_s <= 0 or cut_s <= 0 or queue_updates < 1:
            raise ValueError("stall_s and cut_s must be positive and queue_updates at least 1")
        self.stop_event = stop or threading.Event()
        self._factory = client_factory
        self._client: Any = None
        self._deliver = deliver
        self._on_status = on_status  # called after each round of the worker: the status may have changed
        self._budget = budget
        self._prefix = stream_prefix
        self._lookback_ms = int(lookback_s * 1000)
        self._max_delay_ms = int(max_delay_s * 1000)
        self._stall_s = stall_s
        self._cut_s = cut_s
        self._backfill_every_s = backfill_every_s
        self._min_session_s = min_session_s
        self._renew_after_s = renew_after_s
        self._overlap_s = overlap_s
        self._page_limit = page_limit
        self._clock = clock
        self._rng = rng or random.Random()
        self._profile = profile
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_updates)
        self._keys = DeliveredKeys(dedup_cap)
        self._recent = RecentEvents()
        self._lock = threading.Lock()  # guards the gap and the fields the reader writes
        self._gap = _Gap()
        self._connected = False  # a session is open
        self._live = False  # ... and its last update was not sampled
        self._arn: str | None = self.ref.arn
        self._renew = False
        self._worker: threading.Thread | None = None
        self._state = "starting"
        self._last_error: str | None = None
        self._last_update: float | None = None
        self._heard_at = clock()  # the last frame of any session, or the start of the current attempt
        self._last_sid = 0
        self._current_sid = 0  # the session whose end is a gap (the newest one started)
        self._renewing = False  # a successor session is being opened
        self._handover_at: float | None = None  # when the successor started, while the old one is open
        self._overlap_until = 0.0  # until then, queued updates may repeat another session's events
        self._next_renewal_at = 0.0
        self._renewals = self._reconnects = 0
        self._readers: list[threading.Thread] = []
        self._open_streams: dict[int, Any] = {}  # session id -> its response stream, while open
        self._cut_sids: set[int] = set()  # the sessions cut for their silence
        self._delay_floor_ms: int | None = None  # least ingestion-to-arrival delay this session
        self._newest_ingested_ms: int | None = None  # the newest ingestion time streamed so far
        self._retry_at: float | None = None  # the reader's next attempt, while backing off
        self._backfill_retry_at: float | None = None  # the backfill's next page, while backing off
        self._sessions = self._throttled = self._errors = 0
        self._calls_tail = self._calls_backfill = 0  # per thread: each thread writes its own
        self._received_tail = self._received_backfill = self._delivered = self._backfilled = 0
        self._gaps = self._sampled = self._backfills = self._dropped = 0

    # -- public ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the source in a daemon thread of its own until ``stop_event`` is set."""
        self._worker = threading.Thread(target=self.run, name=f"live-tail {self.ref.name}", daemon=True)
        self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait (up to ``timeout`` per thread) for the threads to end.

        The reader's open sessions are shut, so that it ends even while a read blocks.
        """
        self.stop_event.set()
        self._queue_wake()
        self._shut_streams()
        for thread in (self._worker, *self._readers):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)

    def running(self) -> bool:
        """True while the worker or the reader thread is alive."""
        return any(thread is not None and thread.is_alive() for thread in (self._worker, *self._readers))

    def run(self) -> None:
        """Read and deliver in the calling thread (the reader gets a thread of its own) until stopped.

        Errors raised by ``deliver`` propagate (after stopping the reader).
        """
        if self._lookback_ms:
            self._open_gap(int(self._clock() * 1000) - self._lookback_ms, lookback=True)
        reader = threading.Thread(target=self._read_loop, name=f"live-tail reader {self.ref.name}", daemon=True)
        self._readers.append(reader)
        reader.start()
        try:
            self._work_loop()
        finally:
            self.stop_event.set()

    def status(self) -> LiveTailStatus:
        now = self._clock()
        p50, p95 = self._recent.lag_percentiles(0.50, 0.95, now=now)
        state, last_error = self._state, self._last_error
        # Blind while waiting for a frame or an answer; not while backing off (the error says why)
        waiting = None if self._retry_at is not None or self.stop_event.is_set() else self._heard_at
        why = "Live Tail sends an update every second" if self._connected else CALL_WAITS
        stalled = stalled_reason(waiting, now, self._stall_s, why)
        if stalled is not None:
            state, last_error = STALLED, stalled
        return LiveTailStatus(
            log_group=self.ref.label,
            state=state,
            last_poll=self._last_update,
            events_per_s=self._recent.rate(now),
            lag_p50_ms=p50,
            lag_p95_ms=p95,
            throttled=self._throttled,
            errors=self._errors,
            reread_ratio=(self._received_tail + self._received_backfill) / max(1, self._delivered),
            last_error=last_error,
            dedup_size=len(self._keys),
            calls=self._calls_tail + self._calls_backfill,
            events=self._delivered,
            dedup_evicted=self._keys.evicted,
            gaps=self._gaps,
            retry_in_s=_seconds_until(now, self._retry_at, self._backfill_retry_at),
            sampled=self._sampled,
            reconnects=self._reconnects,
            renewals=self._renewals,
            backfills=self._backfills,
            backfilled=self._backfilled,
            dropped_updates=self._dropped,
        )

    # -- the reader thread -------------------------------------------------------------------------

    def _read_loop(self, successor: bool = False) -> None:
        """Open sessions one after another until stopped.

        A ``successor`` is started by a session nearing its three-hour end: if it fails before its
        session starts, it gives up and the old session goes on (and simply times out, at worst).
        Once its session starts it is the reader, and the old one closes after ``overlap_s``.
        """
        failures = 0
        if not successor:
            self._heard_at = self._clock()
        while not self.stop_event.is_set():
            step = "describe"
            sid = self._new_session_id()
            started: float | None = None
            try:
                client = self._client_now()
                if self._arn is None:
                    self._arn = self._resolve_arn(client)
                step = "tail"
                params: dict[str, Any] = {"logGroupIdentifiers": [self._arn]}
                if self._prefix:
                    params["logStreamNamePrefixes"] = [self._prefix]
                self._calls_tail += 1
                stream = client.start_live_tail(**params)["responseStream"]
                with self._lock:
                    self._open_streams[sid] = stream
                update_shape = _update_shape(client)
                try:
                    for event in stream:
                        if self.stop_event.is_set():
                            return
                        self._heard_at = self._clock()
                        if "sessionStart" in event:
                            started = self._clock()
                            self._on_session_start(sid)
                            failures, successor = 0, False
                        elif "sessionUpdate" in event:
                            problem = shape_problem(event["sessionUpdate"], update_shape, "sessionUpdate")
                            if problem is not None:
                                raise MalformedResponse(f"StartLiveTail: {problem}")
                            self._on_update(event["sessionUpdate"], sid)
                        if started is not None and self._renewal_due(sid, started):
                            self._start_successor()
                        if self._superseded(sid):
                            return  # the successor streams everything from here on
                finally:
                    with self._lock:
                        del self._open_streams[sid]
                    stream.close()
                raise ConnectionError("the Live Tail stream ended")
            except Exception as error:
                if self.stop_event.is_set():
                    return
                failure = self._silent_session(sid) or error
                if successor or (started is not None and sid != self._current_sid):
                    self._side_session_failed(failure, step, started is not None)
                    return
                delay = self._on_stream_failure(failure, step, failures, started)
                failures += 1
                self._retry_at = self._clock() + delay
                self.stop_event.wait(delay)
                self._heard_at = self._clock()  # the next attempt: stalled if it is not answered either
                self._retry_at = None

    def _resolve_arn(self, client: Any) -> str:
        """The log group's ARN without the trailing ``:*`` (StartLiveTail refuses it)."""
        pages = client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=self.ref.name)
        for page in pages:
            self._calls_tail += 1
            for group in page.get("logGroups", ()):
                if group.get("logGroupName") == self.ref.name:
                    arn = group.get("logGroupArn") or group["arn"]
                    return str(arn[:-2] if arn.endswith(":*") else arn)
        from botocore.exceptions import ClientError

        message = f"log group {self.ref.name} does not exist"
        raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": message}}, "DescribeLogGroups")

    def _on_session_start(self, sid: int) -> None:
        with self._lock:
            now = self._clock()
            self._sessions += 1
            self._current_sid = sid
            if self._renewing:  # a renewal: both sessions stream the same events for a while
                self._renewing = False
                self._handover_at, self._overlap_until = now, math.inf
            elif self._sessions > 1:
                self._reconnects += 1
            self._connected = self._live = True
            self._last_update = now
            self._delay_floor_ms = None
            self._state = "live"
            self._last_error = None
        self._queue_wake()

    # -- renewing a session before it times out (no gap, so no backfill) ---------------------------

    def _new_session_id(self) -> int:
        with self._lock:
            self._last_sid += 1
            return self._last_sid

    def _renewal_due(self, sid: int, started: float) -> bool:
        now = self._clock()
        with self._lock:
            return (
                sid == self._current_sid
                and not self._renewing
                and self._handover_at is None  # one renewal at a time
                and now - started >= self._renew_after_s
                and now >= self._next_renewal_at
            )

    def _start_successor(self) -> None:
        with self._lock:
            self._renewing = True
        thread = threading.Thread(target=self._read_loop, kwargs={"successor": True}, daemon=True)
        self._readers.append(thread)
        thread.start()

    def _superseded(self, sid: int) -> bool:
        """True once a newer session has streamed alongside this one for ``overlap_s``."""
        with self._lock:
            if sid == self._current_sid or self._handover_at is None:
                return False
            if self._clock() - self._handover_at < self._overlap_s:
                return False
            # Updates already received may still be queued, and the successor's next ones may repeat
            # what this session sent last: count copies per session a little longer.
            self._overlap_until = self._clock() + self._overlap_s
            self._handover_at = None
            self._renewals += 1
            return True

    def _side_session_failed(self, error: Exception, step: str, was_open: bool) -> None:
        """A successor that never started, or a superseded session that failed during the overlap."""
        fault = self._fault(error, step)
        with self._lock:
            if self._renewing and not was_open:  # the successor: try again in a while
                self._renewing = False
                self._next_renewal_at = self._clock() + RENEW_RETRY_S
            elif was_open:  # the old session, before the overlap ended: what it had not sent yet
                self._handover_at = None
                self._overlap_until = self._clock() + self._overlap_s
                self._open_gap_locked(int((self._last_update or self._clock()) * 1000))
        self._record_fault(fault, shown_as_state=False)

    def _on_update(self, update: dict[str, Any], sid: int = 0) -> None:
        now = self._clock()
        sampled = bool(update.get("sessionMetadata", {}).get("sampled"))
        results = update.get("sessionResults") or []
        earliest = min((r.get("ingestionTime") or 0 for r in results), default=0) or int(now * 1000) - 1000
        with self._lock:
            previous, self._last_update = self._last_update, now
            silent = previous is not None and now - previous > self._stall_s
            streamed_to_ms = self._newest_ingested_ms  # where the updates received before this one end
            behind_ms = self._behind_ms(results, now)
            was_live = self._live
            self._received_tail += len(results)
            if silent:  # the server may have dropped the oldest updates it buffered meanwhile
                self._open_gap_locked(int(previous * 1000) if previous is not None else earliest)
            if behind_ms > self._stall_s * 1000:  # this update waited in the server's buffer
                # the dropped ones, if any, were the oldest buffered: right after what we received
                self._open_gap_locked(streamed_to_ms if streamed_to_ms is not None else earliest - behind_ms)
            if sampled:
                self._sampled += 1
                self._open_gap_locked(earliest)
                self._live = False
                self._state = "sampled"
            else:
                self._live = True
                if self._state == "sampled":  # a backfill's state (or its trouble) stays shown
                    self._state = "live"
        if results:
            try:
                self._queue.put_nowait((sid, now < self._overlap_until, results))
            except queue.Full:
                with self._lock:
                    self._dropped += 1
                    self._open_gap_locked(earliest)
        if silent or (self._live and not was_live):
            self._queue_wake()

    def _behind_ms(self, results: list[dict[str, Any]], now: float) -> int:
        """How much longer than usual this update's newest event took from ingestion to us.

        The usual delay is the least seen in this session, which also cancels any constant clock
        skew. An update that comes much later than usual waited in the server's buffer: a reader
        that keeps falling behind (a slow link) loses the oldest buffered updates without ever
        falling silent.
        """
        newest = max((r.get("ingestionTime") or 0 for r in results), default=0)
        if not newest:
            return 0
        self._newest_ingested_ms = max(newest, self._newest_ingested_ms or 0)
        delay = int(now * 1000) - newest
        if self._delay_floor_ms is None or delay < self._delay_floor_ms:
            self._delay_floor_ms = delay
        return delay - self._delay_floor_ms

    def _on_stream_failure(self, error: Exception, step: str, failures: int, started: float | None) -> float:
        """Open a gap from the last update, say what happened, and return how long to wait."""
        with self._lock:
            if self._connected:  # a gap from the last update; later failed attempts extend it
                self._open_gap_locked(int((self._last_update or self._clock()) * 1000))
            self._connected = self._live = False
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        lasted = 0.0 if started is None else self._clock() - started
        if code == SESSION_TIMEOUT and lasted >= self._min_session_s:  # the normal end of a long session
            with self._lock:
                self._state, self._last_error = "starting", "Live Tail session timed out (3 hours): reconnecting"
            return 0.0  # at once: the gap grows while we wait
        fault = self._fault(error, step)
        self._record_fault(fault)
        policy = _BACKOFF.get(fault.kind, _SLOW_BACKOFF)
        return policy.delay(failures, self._rng)

    # -- the worker --------------------------------------------------------------------------------

    def _work_loop(self) -> None:
        cursor: _Backfill | None = None
        while not self.stop_event.is_set():
            if cursor is None:
                cursor = self._take_gap()
            # A backfill page is due unless it is backing off; otherwise wait for an update, a
            # wake-up or the end of the backoff (the stream keeps being delivered meanwhile).
            wait = _IDLE_WAIT_S if cursor is None else min(_IDLE_WAIT_S, cursor.retry_at - self._clock())
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                item = None
            while item is not None:
                if item is not _WAKE:
                    self._deliver_tail(*item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    item = None
            due = cursor is not None and self._clock() >= cursor.retry_at
            if cursor is not None and due and not self.stop_event.is_set() and self._read_page(cursor):
                cursor = None
                with self._lock:
                    self._gap.running_from_ms = None
                    self._backfills += 1
                    if self._state == "backfilling":
                        self._state = "live" if self._live else self._state
            self._keys.expire(self._horizon_ms())
            if self._clock() - self._heard_at > self._cut_s:
                self._shut_streams(silent=True)
            if self._on_status is not None:
                self._on_status()

    def _take_gap(self) -> _Backfill | None:
        """The owed backfill, once the stream is live again (or sampling has gone on too long)."""
        with self._lock:
            gap = self._gap
            if gap.from_ms is None:
                return None
            overdue = self._clock() - gap.opened_at >= self._backfill_every_s
            if not (self._connected and (self._live or overdue)):
                return None
            start, gap.from_ms = gap.from_ms, None
            gap.running_from_ms = start
            if self._live:
                self._state = "backfilling"
        return _Backfill(start, int(self._clock() * 1000) + MARGIN_MS)

    def _read_page(self, cursor: _Backfill) -> bool:
        """One FilterLogEvents page of the backfill; True when the range is read to its end."""
        params = {**self.ref.request_params(), "startTime": cursor.start_ms, "endTime": cursor.end_ms}
        params.update(limit=self._page_limit, interleaved=True)
        if self._prefix:
            params["logStreamNamePrefix"] = self._prefix
        if cursor.token is not None:
            params["nextToken"] = cursor.token
        try:
            client = self._client_now()
            self._budget.acquire()
            self._calls_backfill += 1
            page = client.filter_log_events(**params)
        except Exception as error:
            fault = self._fault(error, "backfill")
            self._record_fault(fault)
            if fault.kind is FaultKind.INVALID and cursor.token is not None:
                cursor.restart()  # most likely an expired page token: read the range again
            delay = _BACKOFF.get(fault.kind, _SLOW_BACKOFF).delay(cursor.failures, self._rng)
            cursor.failures += 1
            cursor.retry_at = self._backfill_retry_at = self._clock() + delay
            return False
        cursor.failures = 0
        self._backfill_retry_at = None
        if self._state in ("error", "throttled"):
            with self._lock:
                self._state, self._last_error = "backfilling", None
        self._deliver_backfill(cursor, page.get("events", ()))
        cursor.token = page.get("nextToken")
        return cursor.token is None  # only a missing token ends a range: empty pages may carry one

    def _deliver_tail(self, sid: int, overlapping: bool, results: list[dict[str, Any]]) -> None:
        new = []
        for raw in results:
            stream = raw.get("logStreamName", "")
            if self._prefix and not stream.startswith(self._prefix):
                continue
            timestamp, message = int(raw.get("timestamp", 0)), raw.get("message", "")
            key = content_key(stream, timestamp, message)
            copy = self._keys.from_tail(key, timestamp, sid, overlapping)
            if copy:
                event_id = f"lt-{key.hex()}" + (f"-{copy}" if copy > 1 else "")
                ingested = int(raw.get("ingestionTime") or 0)
                new.append(LogEvent(event_id, self.ref.name, stream, timestamp, ingested, message))
        self._hand_over(new)

    def _deliver_backfill(self, cursor: _Backfill, events: Iterable[dict[str, Any]]) -> None:
        new = []
        for raw in events:
            self._received_backfill += 1
            stream = raw.get("logStreamName", "")
            if self._prefix and not stream.startswith(self._prefix):
                continue
            timestamp, message = int(raw["timestamp"]), raw.get("message", "")
            key = content_key(stream, timestamp, message)
            cursor.copies[key] += 1
            if self._keys.from_backfill(key, timestamp, cursor.copies[key]):
                ingested = int(raw.get("ingestionTime") or 0)
                new.append(LogEvent(raw["eventId"], self.ref.name, stream, timestamp, ingested, message))
        self._backfilled += len(new)
        self._hand_over(new)

    def _hand_over(self, new: list[LogEvent]) -> None:
        self._recent.record(self._clock(), new)
        if new:
            self._delivered += len(new)
            self._deliver(new)

    # -- shared ------------------------------------------------------------------------------------

    def _open_gap(self, from_ms: int, lookback: bool = False) -> None:
        with self._lock:
            self._open_gap_locked(from_ms, lookback)
        self._queue_wake()

    def _open_gap_locked(self, from_ms: int, lookback: bool = False) -> None:
        """Owe a backfill from ``from_ms`` (for a lookback: exactly; for a gap: minus max_delay)."""
        start = from_ms if lookback else from_ms - self._max_delay_ms - MARGIN_MS
        gap = self._gap
        if gap.from_ms is None:  # a new gap; one opening while another is owed merges into it
            self._gaps += 0 if lookback else 1
            gap.from_ms, gap.opened_at = start, self._clock()
        else:
            gap.from_ms = min(gap.from_ms, start)

    def _horizon_ms(self) -> int:
        """The earliest timestamp a backfill owed or running can still reach; keys before it can go.

        A gap not yet noticed (a silence is noticed when it ends, a broken connection when the read
        fails) starts no earlier than the last update received, less a margin: so the horizon for
        future gaps follows that update, not the clock.
        """
        with self._lock:
            owed = [ms for ms in (self._gap.from_ms, self._gap.running_from_ms) if ms is not None]
            last = self._clock() if self._last_update is None else self._last_update
        future = int(last * 1000) - self._max_delay_ms - 2 * MARGIN_MS
        return min([future, *owed])

    def _queue_wake(self) -> None:
        with contextlib.suppress(queue.Full):  # a full queue wakes the worker anyway
            self._queue.put_nowait(_WAKE)

    def _silent_session(self, sid: int) -> SilentSession | None:
        """Why session ``sid`` failed when it was cut for its silence (what its reader then met is
        only a closed socket), else None."""
        with self._lock:
            if sid not in self._cut_sids:
                return None
            self._cut_sids.discard(sid)
        return SilentSession(f"no Live Tail update for over {self._cut_s:g} s: the session was cut; reconnecting")

    def _shut_streams(self, silent: bool = False) -> None:
        """Shut the socket of every open session (``silent``: counted as cut for their silence), so
        that a reader blocked in a read returns: the read timeout alone never fires while bytes
        trickle in, and closing the response from this thread would not end that read."""
        with self._lock:
            streams = dict(self._open_streams)
            if silent:
                streams = {sid: stream for sid, stream in streams.items() if sid not in self._cut_sids}
                self._cut_sids.update(streams)
        for stream in streams.values():
            shut_socket(stream)

    def _client_now(self) -> Any:
        if self._client is None or self._renew:
            self._client = self._factory()
            self._renew = False
        return self._client

    def _fault(self, error: Exception, step: str) -> Fault:
        if isinstance(error, SilentSession):  # what classify would call a dropped connection
            return Fault(FaultKind.TRANSIENT, "SilentSession", str(error))
        region = None if self._client is None else self._client.meta.region_name
        fault = classify(error, CallContext(self._arn or self.ref.label, region, self._profile))
        if fault is None and step == "tail" and isinstance(error, _UNREADABLE_FRAME):
            # botocore's event-stream parser (or _on_update) met a frame that is not the API's:
            # a hostile or broken endpoint, counted and reconnected like any stream failure
            fault = Fault(FaultKind.TRANSIENT, "MalformedResponse",
                          f"unreadable Live Tail stream frame ({type(error).__name__}): reconnecting")
        if fault is None:
            raise error
        if fault.kind is FaultKind.ACCESS_DENIED:
            message = fault.message.replace("logs:FilterLogEvents", _IAM_ACTION[step])
            fault = Fault(fault.kind, fault.code, message)
        elif step == "tail" and fault.code == "LimitExceededException":
            message = "too many Live Tail sessions in this account and Region (LimitExceededException): retrying"
            fault = Fault(fault.kind, fault.code, message)
        elif step == "tail" and fault.kind is FaultKind.INVALID and fault.code.startswith("Session"):
            fault = Fault(FaultKind.TRANSIENT, fault.code, f"Live Tail stream failed ({fault.code}): reconnecting")
        return fault

    def _record_fault(self, fault: Fault, *, shown_as_state: bool = True) -> None:
        """Count ``fault`` and show its message; ``shown_as_state`` also makes it the source's state
        (not for a renewal that failed while the current session streams on)."""
        with self._lock:
            if fault.kind is FaultKind.THROTTLED:
                self._throttled += 1
            else:
                self._errors += 1
            if shown_as_state:
                self._state = "throttled" if fault.kind is FaultKind.THROTTLED else "error"
            self._renew = fault.kind is FaultKind.CREDENTIALS
            self._last_error = fault.message


_UNREADABLE_FRAME = (ValueError, TypeError, AttributeError, KeyError, RecursionError)


class SilentSession(ConnectionError):
    """A Live Tail session cut after ``cut_s`` without a frame."""


def shut_socket(stream: Any) -> None:
    """Shut the reading side of the socket under a botocore event stream (urllib3's
    ``HTTPResponse.shutdown``): a read blocked on it, in another thread, returns at once."""
    raw: Any = getattr(stream, "_raw_stream", None)  # botocore's EventStream keeps its urllib3 response here
    with contextlib.suppress(Exception):  # already closed, or released: nothing is blocked on it
        raw.shutdown()


def _update_shape(client: Any) -> Any:
    """The botocore shape of a Live Tail ``sessionUpdate`` event, to check each one against.
    (botocore turns a frame of cut-off JSON into an empty update before this can see it.)"""
    stream = client.meta.service_model.operation_model("StartLiveTail").get_event_stream_output()
    return stream.members["sessionUpdate"]


def _seconds_until(now: float, *times: float | None) -> float | None:
    """Seconds until the earliest of ``times`` that is set (never negative), or None."""
    pending = [t for t in times if t is not None]
    return max(0.0, min(pending) - now) if pending else None


class _Backfill:
    """One backfill range being read: its bounds, page token, and copies seen per content key."""

    def __init__(self, start_ms: int, end_ms: int) -> None:
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.token: str | None = None
        self.failures = 0
        self.retry_at = 0.0  # clock s; a page may be read from then on
        self.copies: Counter[bytes] = Counter()

    def restart(self) -> None:
        self.token = None
        self.copies.clear()


class LiveTailGroup:
    """A ``via: live-tail`` log group as a session source (the contract in ``source.py``): a
    :class:`LiveTailSource` made when the session runs it, with the session's delivery and stop."""

    def __init__(
        self, client_factory: Callable[[], Any], log_group: str, *, budget: RequestBudget, **options: Any
    ) -> None:
        self.label = log_group
        self._factory = client_factory
        self._budget = budget
        self._options = options  # LiveTailSource's keyword options (stream_prefix, lookback_s, ...)
        self._source: LiveTailSource | None = None

    def run(
        self, deliver: Callable[[list[LogEvent]], None], stop: threading.Event, on_status: Callable[[], None]
    ) -> None:
        self._source = LiveTailSource(
            self._factory, self.label, deliver, budget=self._budget, stop=stop, on_status=on_status, **self._options
        )
        self._source.run()

    def statuses(self) -> list[LiveTailStatus]:
        source = self._source
        return [] if source is None else [source.status()]
