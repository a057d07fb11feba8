"""Alert transitions, as the rules emit them and as sinks print them (DESIGN.md section 2)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Not a group's state: the rule evicted groups to stay within limits.rule_memory (a rule evaluated as
# CloudWatch does: series over its cap), so an alarm may have been missed. One per degradation
# episode: ``group`` is {}, ``value`` the groups evicted when it was found, ``time`` (and
# ``episodeStart``) the event time of the first eviction.
DEGRADED = "DEGRADED"


def iso_utc(millis: int | None) -> str | None:
    """ISO-8601 UTC with a Z, second precision unless the time has milliseconds."""
    if millis is None:
        return None
    stamp = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    if millis % 1000:
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Alert:
    """One OK -> ALARM or ALARM -> OK transition of one (rule, group)."""

    rule: str
    state: str  # "ALARM" | "OK"
    group: dict[str, Any]
    value: float
    threshold: float
    window_s: float
    measure: str
    time_ms: int  # event time of the transition
    first_ms: int | None
    last_ms: int | None
    severity: str = "medium"
    samples: tuple[str, ...] = field(default=())
    # The event time at which the episode this transition belongs to started, as first detected:
    # with (rule, group) it names the episode, so a re-evaluation after a restart finds the same id.
    episode_start_ms: int | None = None
    late: bool = False  # found after the watermark had already passed it (a late burst or straggler)
    peak: float | None = None  # the highest value of the episode so far
    # "cloudwatch" for a rule evaluated as CloudWatch evaluates its alarm (tui.rules.cloudwatch_alarm);
    # its ``alarm_state`` is what CloudWatch says (ALARM, OK, INSUFFICIENT_DATA) while ``state`` is the
    # episode's ALARM or end (OK) for the sinks.
    evaluation: str | None = None
    alarm_state: str | None = None
    description: str = ""  # the rule's description (runbook text), for the people paged

    @property
    def episode_id(self) -> str:
        """A stable name for the episode: (rule, group, episode start), hashed."""
        start = self.time_ms if self.episode_start_ms is None else self.episode_start_ms
        key = json.dumps([self.rule, sorted(self.group.items()), start], default=str, separators=(",", ":"))
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    @property
    def id(self) -> str:
        """The transition's id: the episode's id and the state (each episode has one ALARM, one OK)."""
        return f"{self.episode_id}-{self.state.lower()}"

    @property
    def group_label(self) -> str:
        """``srcaddr=10.0.0.155`` style, or ``*`` for a rule without group_by."""
        return " ".join(f"{name}={value}" for name, value in self.group.items()) or "*"

    @property
    def degraded_text(self) -> str:
        """``rule reject-by-src: detection degraded, 12,345 groups evicted since 14:05:09 UTC``."""
        since = datetime.fromtimestamp(self.time_ms / 1000, tz=timezone.utc).strftime("%H:%M:%S UTC")
        return f"rule {self.rule}: detection degraded, {int(self.value):,} groups evicted since {since}"

    def to_json(self) -> dict[str, Any]:
        line = self._json()
        if self.state == DEGRADED:
            line.update(evicted=int(self.value), since=line["time"], message=self.degraded_text)
        return line

    def _json(self) -> dict[str, Any]:
        obj = {
            "type": "alert",
            "id": self.id,
            "episode": self.episode_id,
            "rule": self.rule,
            "state": self.alarm_state or self.state,
            "group": self.group,
            "value": _number(self.value),
            "threshold": _number(self.threshold),
            "window": _number(self.window_s),
            "measure": self.measure,
            "time": iso_utc(self.time_ms),
            "first": iso_utc(self.first_ms),
            "last": iso_utc(self.last_ms),
            "severity": self.severity,
            "samples": list(self.samples),
            "episodeStart": iso_utc(self.episode_start_ms),
            "late": self.late,
            "peak": None if self.peak is None else _number(self.peak),
            "description": self.description,
        }
        if self.evaluation is not None:
            obj["evaluation"] = self.evaluation
        return obj


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
