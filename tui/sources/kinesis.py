"""Reading a Kinesis Data Stream fed by a CloudWatch Logs subscription filter.

    client = make_kinesis_client(region, profile, endpoint_url)
    source = KinesisSource(client, "flowlogs", log_groups=("/vpc/flow-logs",))
    source.run(deliver, stop, on_status)          # see source.py for the contract

One thread reads every shard, each on its own schedule (a shard is due again 0.2 s after a call that
left it behind, 1 s after one that found it caught up, later after a large response or a throttle), so
no shard is asked more than 5 times a second or for more than 2 MB/s, the documented per-shard read
limits. Resharding: ``ListShards`` runs every ``list_every_s`` and as soon as a shard ends; a shard
is read only once its parents are finished (read to their end), so a key's records arrive in order.
An expired iterator is renewed from the last processed sequence number. After each batch has reached
the engine (``deliver`` returned), every shard's last processed sequence number is written to the
checkpoint file (``checkpoint.py``); a restart resumes after it (AFTER_SEQUENCE_NUMBER).

Warm-up: resuming from a checkpoint, the reader first re-reads, per checkpointed shard, the records
from AT_TIMESTAMP now - ``lookback_s`` up to and including the checkpointed sequence number, and
hands their events over as ``deliver(events, warmup=True)``: the rule windows then hold what they
held before the restart, so an attack straddling it still alarms (as with a polling source, which
re-reads its lookback). Warm-up reads follow the same per-shard schedule and limits, never move the
checkpoint, and are counted apart (``warmup``); the shard then continues after its checkpoint.

Where reading starts, per shard: ``since_s`` given (``--since``): AT_TIMESTAMP now - since_s, the
checkpoint ignored; else the checkpoint's position; else, when there is no checkpoint at all,
AT_TIMESTAMP now - ``lookback_s``; a shard the checkpoint does not know (created since) is read from
its start (TRIM_HORIZON), without a warm-up.

Events are deduplicated by event id (the stream is at-least-once) over the last ``dedup_cap`` ids.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Sequence

from tui.config.convert import KINESIS_STREAM_ARN
from tui.sources.answers import MalformedResponse
from tui.sources.aws_errors import CallContext, FaultKind, classify
from tui.sources.budget import Backoff
from tui.sources.checkpoint import CheckpointFile, ShardPosition
from tui.sources.clients import make_client
from tui.sources.dedup import RecentIds
from tui.sources.kinesis_payload import decode
from tui.sources.recent import RecentEvents
from tui.sources.source import Deliver, LogEvent, StatusChanged
from tui.sources.stall import STALLED, stalled_reason

STALL_AFTER_S = 45.0  # a call without an answer for this long (the read timeout is 30 s): stalled
PER_SHARD_CALLS_PER_S = 5  # GetRecords, per shard (AWS documented limit)
PER_SHARD_BYTES_PER_S = 2 * 1024 * 1024  # read throughput per shard (AWS documented limit)
MAX_RECORDS_PER_CALL = 10_000

_THROTTLE_BACKOFF = Backoff(base_s=0.5, cap_s=10.0)
_TRANSIENT_BACKOFF = Backoff(base_s=1.0, cap_s=20.0)
_SLOW_BACKOFF = Backoff(base_s=15.0, cap_s=60.0, floor=0.5)  # credentials, IAM, missing stream


def make_kinesis_client(
    region: str | None = None, profile: str | None = None, endpoint_url: str | None = None, *,
    deadline_s: float | None = None,
) -> Any:
    """A Kinesis client (see ``clients.make_client``)."""
    return make_client("kinesis", region, profile, endpoint_url, deadline_s=deadline_s)


def stream_params(stream: str) -> dict[str, str]:
    """The request parameter naming a stream given by name or ARN."""
    return {"StreamARN": stream} if KINESIS_STREAM_ARN.fullmatch(stream) else {"StreamName": stream}


def stream_context(stream: str, region: str | None, profile: str | None, action: str) -> CallContext:
    """What error messages about ``stream`` name: the stream, its ARN, the IAM action to grant."""
    resource = stream if stream.startswith("arn:") else f"arn:aws:kinesis:{region or '*'}:*:stream/{stream}"
    return CallContext(stream, region, profile, service="Kinesis", noun="stream", resource=resource, action=action)


@dataclass(frozen=True)
class ShardStatus:
    shard_id: str
    # "waiting" (for its parents) | "warming" (re-reading the lookback after a restart) | "reading" | "throttled"
    # | "error" | "closed" (read to its end)
    state: str
    millis_behind: int | None  # MillisBehindLatest of the last GetRecords
    records_per_s: float  # flow-log records (log events) decoded per second, last minute
    records: int  # log events decoded since the start


@dataclass(frozen=True)
class KinesisStatus:
    """One stream, for the status bar and the headless status lines; safe to read from any thread."""

    stream: str  # as configured: the name or the ARN
    state: str  # "starting" | "reading" | "throttled" | "error" | "stalled" (a call unanswered for STALL_AFTER_S)
    shards: tuple[ShardStatus, ...]
    events_per_s: float  # new events delivered per second, last minute
    millis_behind: int | None  # the largest MillisBehindLatest of the shards being read
    lag_p50_ms: int | None  # arrival in the stream - event time, recent events
    lag_p95_ms: int | None
    last_read: float | None  # epoch s of the last successful GetRecords
    events: int  # new events delivered
    warmup: int  # events re-read from before the checkpoint, for the rule windows only (not new)
    duplicates: int  # events dropped as already delivered
    other_groups: int  # records (subscription payloads) of log groups not configured
    malformed: int  # records that were not a subscription payload
    throttled: int  # calls refused for a shard's read limits
    expired_iterators: int  # iterators renewed after they expired
    errors: int  # other failed calls
    calls: int
    checkpoints: int  # checkpoint writes
    dedup_size: int
    dedup_evicted: int
    last_error: str | None
    kind: str = "kinesis"

    @property
    def log_group(self) -> str:
        """What a status line names (the common attribute of every source's status)."""
        return self.stream

    def to_json(self) -> dict[str, Any]:
        """The headless status line's keys after ``"type"``."""
        from tui.rules.alerts import iso_utc

        return {
            "source": "kinesis",
            "stream": self.stream,
            "state": self.state,
            "lastRead": iso_utc(None if self.last_read is None else int(self.last_read * 1000)),
            "eventsPerSecond": round(self.events_per_s, 2),
            "millisBehindLatest": self.millis_behind,
            "lagP50Ms": self.lag_p50_ms,
            "lagP95Ms": self.lag_p95_ms,
            "events": self.events,
            "warmup": self.warmup,
            "duplicates": self.duplicates,
            "otherGroups": self.other_groups,
            "malformed": self.malformed,
            "throttled": self.throttled,
            "expiredIterators": self.expired_iterators,
            "errors": self.errors,
            "calls": self.calls,
            "lastError": self.last_error,
            "shards": [
                {"shardId": s.shard_id, "state": s.state, "millisBehindLatest": s.millis_behind,
                 "recordsPerSecond": round(s.records_per_s, 2)}
                for s in self.shards
            ],
        }


@dataclass(eq=False)
class _Shard:
    shard_id: str
    parents: tuple[str, ...]
    closed: bool  # ListShards gave it an EndingSequenceNumber: no new records will come
    position: ShardPosition
    warm_until: str | None = None  # while warming up: the checkpointed sequence number to re-read up to
    warm_after: str | None = None  # while warming up: the last record re-read
    iterator: str | None = None
    due: float = 0.0  # monotonic time of its next call
    last_read: float = float("-inf")  # monotonic time of its last GetRecords
    failures: int = 0  # consecutive, for the backoff
    state: str = "waiting"
    millis_behind: int | None = None
    records: int = 0
    meter: RecentEvents = field(default_factory=RecentEvents)


class KinesisSource:
    """Reads one stream; see the module docstring and ``source.py`` for the contract.

    ``stream`` is a name or an ARN; ``log_groups`` keeps only those groups' events (names; empty: all).
    ``consumer_name`` names the checkpoint, so several readers of one stream keep their own positions.
    ``state_dir`` defaults to ``tui.paths.state_dir()``. ``clock`` is epoch seconds (start positions,
    status), ``monotonic`` schedules calls; ``rng`` drives the backoff jitter.
    Raises ValueError (one line) when the checkpoint exists but cannot be read.
    """

    def __init__(
        self,
        client: Any,
        stream: str,
        *,
        log_groups: Collection[str] = (),
        consumer_name: str | None = None,
        lookback_s: float = 900.0,
        since_s: float | None = None,
        state_dir: Path | None = None,
        dedup_cap: int = 500_000,
        profile: str | None = None,
        renew_client: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        list_every_s: float = 30.0,
        caught_up_wait_s: float = 1.0,
        max_records: int = MAX_RECORDS_PER_CALL,
    ) -> None:
        if not 1 <= max_records <= MAX_RECORDS_PER_CALL:
            raise ValueError(f"max_records must be 1 to {MAX_RECORDS_PER_CALL}, not {max_records!r}")
        self.label = stream
        self._params = stream_params(stream)
        self._client = client
        self._renew_client = renew_client
        self._renew = False
        self._groups = frozenset(log_groups)
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._list_every_s = list_every_s
        self._caught_up_wait_s = caught_up_wait_s
        self._max_records = max_records
        self._context = stream_context(stream, client.meta.region_name, profile,
                                       "kinesis:GetRecords (and ListShards, GetShardIterator)")
        if state_dir is None:
            from tui.paths import state_dir as default_state_dir

            state_dir = default_state_dir()
        self.checkpoint = CheckpointFile.for_stream(state_dir, stream, consumer_name)
        saved = None if since_s is not None else self.checkpoint.load()
        self._saved: dict[str, ShardPosition] = saved or {}
        start_s = clock() - (since_s if since_s is not None else lookback_s)
        self._start_at: float | None = start_s if saved is None else None  # None: TRIM_HORIZON for new shards
        self._warm_from = start_s  # where a checkpointed shard's warm-up starts (AT_TIMESTAMP)
        self._seen = RecentIds(dedup_cap)
        self._lock = threading.Lock()  # guards _shards against statuses() from other threads
        self._shards: dict[str, _Shard] = {}
        self._list_due = 0.0
        self._listed = False
        self._list_failures = 0
        self._recent = RecentEvents()
        self._last_error: str | None = None
        self._checkpoint_error: str | None = None  # until a checkpoint write succeeds again
        self._calling_since: float | None = None  # while a call waits for its answer (monotonic)
        self._last_read: float | None = None
        self._events = self._warmup = self._duplicates = self._other_groups = self._malformed = 0
        self._throttled = self._expired = self._errors = self._calls = 0

    # -- the loop ---------------------------------------------------------------------------------

    def run(self, deliver: Deliver, stop: threading.Event, on_status: StatusChanged) -> None:
        while not stop.is_set():
            if self._monotonic() >= self._list_due:
                self._list_shards()
            for shard in self._readable():
                if stop.is_set():
                    return
                if shard.due <= self._monotonic():
                    self._read(shard, deliver)
            on_status()
            stop.wait(max(0.0, self._next_due() - self._monotonic()))

    def statuses(self) -> list[KinesisStatus]:
        with self._lock:
            shards = [
                ShardStatus(s.shard_id, s.state, s.millis_behind, s.meter.rate(self._monotonic()), s.records)
                for s in self._shards.values()
            ]
        behind = [s.millis_behind for s in shards
                  if s.state not in ("closed", "waiting") and s.millis_behind is not None]
        states = {s.state for s in shards}
        last_error = self._last_error
        # a call waiting for its deadline (answers.py): the stream is not being read meanwhile
        stalled = stalled_reason(self._calling_since, self._monotonic(), STALL_AFTER_S)
        if stalled is not None:
            state, last_error = STALLED, stalled
        elif self._checkpoint_error is not None:  # reading on, but a restart would lose the position
            state = "error"
            last_error = "; ".join(text for text in (self._checkpoint_error, last_error) if text)
        elif self._last_error and ("error" in states or not self._listed or self._list_failures):
            state = "error"
        elif "throttled" in states:
            state = "throttled"
        elif "reading" in states:
            state = "reading"
        else:
            state = "starting" if not self._listed else "reading"
        p50, p95 = self._recent.lag_percentiles(0.50, 0.95, now=self._clock())
        return [KinesisStatus(
            stream=self.label, state=state, shards=tuple(shards), events_per_s=self._recent.rate(self._clock()),
            millis_behind=max(behind) if behind else None, lag_p50_ms=p50, lag_p95_ms=p95,
            last_read=self._last_read, events=self._events, warmup=self._warmup, duplicates=self._duplicates,
            other_groups=self._other_groups, malformed=self._malformed, throttled=self._throttled,
            expired_iterators=self._expired, errors=self._errors, calls=self._calls,
            checkpoints=self.checkpoint.writes, dedup_size=len(self._seen), dedup_evicted=self._seen.evicted,
            last_error=last_error,
        )]

    def accept(self, records: Sequence[dict[str, Any]]) -> list[LogEvent]:
        """The new events in a GetRecords response's ``Records``: decoded, of the configured groups,
        not delivered before. Counts what it drops."""
        new: list[LogEvent] = []
        seen = self._seen
        for record in records:
            arrival = record.get("ApproximateArrivalTimestamp")
            arrival_ms = int(arrival.timestamp() * 1000) if arrival is not None else 0
            decoded = decode(record["Data"], arrival_ms, self._groups)
            if decoded.malformed:
                self._malformed += 1
            elif decoded.other_group:
                self._other_groups += 1
            for event in decoded.events:
                if seen.add(event.event_id):
                    new.append(event)
                else:
                    self._duplicates += 1
        return new

    # -- shards -----------------------------------------------------------------------------------

    def _readable(self) -> list[_Shard]:
        """The shards to read now and later: not finished, every parent finished (or gone)."""
        with self._lock:
            shards = dict(self._shards)
        ready = []
        for shard in shards.values():
            if shard.position.finished and shard.warm_until is None:
                continue
            parents = [shards.get(parent) for parent in shard.parents]
            if all(p is None or p.position.finished for p in parents):
                if shard.state == "waiting":
                    shard.state = "reading"
                ready.append(shard)
        return ready

    def _next_due(self) -> float:
        return min([self._list_due, *(shard.due for shard in self._readable())])

    def _list_shards(self) -> None:
        listed: list[dict[str, Any]] = []
        params: dict[str, Any] = dict(self._params)
        try:
            while True:
                page = self._call("list_shards", **params)
                listed.extend(page.get("Shards", ()))
                if not page.get("NextToken"):
                    break
                params = {"NextToken": page["NextToken"]}
            if not listed:  # a stream has at least one shard: an empty list is an answer gone wrong
                raise MalformedResponse("ListShards: no shards listed")
        except Exception as error:
            fault = classify(error, self._context)
            if fault is None:
                raise
            if fault.kind is FaultKind.THROTTLED:
                self._throttled += 1
            else:
                self._errors += 1
            self._last_error = fault.message
            self._renew = fault.kind is FaultKind.CREDENTIALS
            policy = _TRANSIENT_BACKOFF if fault.kind in (FaultKind.TRANSIENT, FaultKind.THROTTLED) else _SLOW_BACKOFF
            self._list_due = self._monotonic() + policy.delay(self._list_failures, self._rng)
            self._list_failures += 1
            return
        self._list_failures = 0
        self._listed = True
        self._clear_error()
        self._list_due = self._monotonic() + self._list_every_s
        with self._lock:
            known = self._shards
            self._shards = {}
            for entry in listed:
                shard_id = entry["ShardId"]
                parents = tuple(p for p in (entry.get("ParentShardId"), entry.get("AdjacentParentShardId")) if p)
                closed = "EndingSequenceNumber" in entry.get("SequenceNumberRange", {})
                shard = known.get(shard_id)
                if shard is None:
                    position = self._saved.get(shard_id, ShardPosition(None))
                    shard = _Shard(shard_id, parents, closed, position, warm_until=position.sequence)
                    if shard.warm_until is not None:
                        shard.state = "warming"
                    elif shard.position.finished:
                        shard.state = "closed"
                shard.closed = closed
                self._shards[shard_id] = shard
            # shards no longer listed have left the retention period: nothing more to read from them

    def _read(self, shard: _Shard, deliver: Deliver) -> None:
        try:
            if shard.iterator is None:
                shard.iterator = self._call("get_shard_iterator", **self._params, ShardId=shard.shard_id,
                                            **self._start(shard)).get("ShardIterator")
                if not shard.iterator:
                    raise MalformedResponse("GetShardIterator: no ShardIterator in the answer")
            shard.last_read = self._monotonic()
            response = self._call("get_records", ShardIterator=shard.iterator, Limit=self._max_records)
        except Exception as error:
            self._fail(shard, error)
            return
        self._last_read = self._clock()
        records = response.get("Records", [])
        shard.failures = 0
        behind = response.get("MillisBehindLatest")
        shard.millis_behind = behind
        if shard.warm_until is not None:
            self._warm_up(shard, int(shard.warm_until), records, response.get("NextShardIterator"), deliver)
        else:
            self._take(shard, records, response.get("NextShardIterator"), deliver)
        self._clear_error()
        size = sum(len(record["Data"]) for record in records)
        wait = 0.0 if records and behind else self._caught_up_wait_s
        self._schedule(shard, max(wait, size / PER_SHARD_BYTES_PER_S))

    def _warm_up(self, shard: _Shard, until: int, records: list[dict[str, Any]], iterator: str | None,
                 deliver: Deliver) -> None:
        """Hand over the records up to the checkpointed one as warm-up events; the position stays.
        Done at the checkpointed record, at a later one (the lookback began after the checkpoint, or
        it was trimmed: those are re-read after the checkpoint), or at the shard's end or tip."""
        before = [record for record in records if int(record["SequenceNumber"]) <= until]
        old = self.accept(before)
        if old:
            deliver(old, warmup=True)  # into the engine only: not records, not new, no checkpoint
            self._warmup += len(old)
        if before:
            shard.warm_after = before[-1]["SequenceNumber"]
        shard.iterator = iterator
        reached = len(before) < len(records) or (bool(before) and int(before[-1]["SequenceNumber"]) == until)
        if reached or iterator is None or (not records and not shard.millis_behind):
            shard.warm_until = shard.warm_after = shard.iterator = None  # next: after the checkpoint
            shard.state = "closed" if shard.position.finished else "reading"
        else:
            shard.state = "warming"

    def _take(self, shard: _Shard, records: list[dict[str, Any]], iterator: str | None, deliver: Deliver) -> None:
        """Deliver the new events, then move the shard's position and save the checkpoint."""
        now = self._monotonic()
        new = self.accept(records)
        if new:
            deliver(new)  # returns once the engine has them: only then may the checkpoint move
            self._events += len(new)
            self._recent.record(self._clock(), new)
        shard.records += len(new)
        shard.meter.count(now, len(new))
        shard.state = "reading"
        shard.iterator = iterator
        moved = bool(records)
        if records:
            shard.position = ShardPosition(records[-1]["SequenceNumber"])
        if shard.iterator is None or (shard.closed and not records and shard.millis_behind == 0):
            # read to its end (AWS: no next iterator; moto: a closed shard with nothing left)
            shard.position = ShardPosition(shard.position.sequence, finished=True)
            shard.state, moved = "closed", True
            self._list_due = now  # its children may be listed now
        if moved:
            self._save()

    def _schedule(self, shard: _Shard, delay_s: float) -> None:
        """Due after ``delay_s``, and never sooner than the per-shard call rate allows."""
        shard.due = max(self._monotonic() + delay_s, shard.last_read + 1 / PER_SHARD_CALLS_PER_S)

    def _start(self, shard: _Shard) -> dict[str, Any]:
        if shard.warm_until is not None:  # warming up: from the lookback, or after the last record re-read
            if shard.warm_after is not None:
                return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shard.warm_after}
            return {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": self._warm_from}
        if shard.position.sequence is not None:
            return {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shard.position.sequence}
        if self._start_at is not None:
            return {"ShardIteratorType": "AT_TIMESTAMP", "Timestamp": self._start_at}
        return {"ShardIteratorType": "TRIM_HORIZON"}

    def _save(self) -> None:
        with self._lock:
            positions = [(s.shard_id, s.position) for s in self._shards.values()]
        try:
            self.checkpoint.save(positions)
        except OSError as error:
            self._errors += 1
            self._checkpoint_error = (
                f"cannot write the checkpoint {self.checkpoint.path}: {error.strerror or error}: a restart "
                "would start from the lookback; make the directory writable (reading goes on)"
            )
        else:
            self._checkpoint_error = None

    # -- calls and failures -----------------------------------------------------------------------

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        if self._renew and self._renew_client is not None:
            self._client = self._renew_client()
            self._renew = False
        self._calls += 1
        self._calling_since = self._monotonic()
        try:
            response: dict[str, Any] = getattr(self._client, operation)(**params)
        finally:
            self._calling_since = None
        return response

    def _clear_error(self) -> None:
        """Forget the last error once no shard is failing any more."""
        with self._lock:
            failing = any(shard.state in ("error", "throttled") for shard in self._shards.values())
        if not failing:
            self._last_error = None

    def _fail(self, shard: _Shard, error: Exception) -> None:
        now = self._monotonic()
        response = getattr(error, "response", None)  # botocore ClientErrors have one; network errors may hold None
        code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
        if code == "ExpiredIteratorException":
            # Iterators live 5 minutes: renew it from the last processed record, at once.
            self._expired += 1
            shard.iterator = None
            self._schedule(shard, 0.0)
            return
        fault = classify(error, self._context)
        if fault is None:
            raise error
        if fault.kind is FaultKind.THROTTLED:
            self._throttled += 1
            shard.state, policy = "throttled", _THROTTLE_BACKOFF
        else:
            self._errors += 1
            shard.state = "error"
            policy = _TRANSIENT_BACKOFF if fault.kind is FaultKind.TRANSIENT else _SLOW_BACKOFF
            if fault.kind in (FaultKind.INVALID, FaultKind.NOT_FOUND):
                shard.iterator = None  # an iterator refused (or a shard gone): start again from the position
                self._list_due = now
        self._renew = fault.kind is FaultKind.CREDENTIALS
        self._last_error = fault.message
        self._schedule(shard, policy.delay(shard.failures, self._rng))
        shard.failures += 1
