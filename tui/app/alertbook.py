"""Which alarms are active, acknowledged or snoozed: derived from the engine's alert history.

The engine reports transitions: one ALARM and, once its episode ends, one OK per episode id. An
episode is active from its ALARM until its OK; the latest transition of a (rule, group) does not tell,
since a late burst of an old episode alarms and clears after the current episode's ALARM.
Acknowledging holds for one episode: if the pair clears and alarms again, it is shown again. Muting
hides a pair, whatever its episodes, until a wall-clock time (the app mutes its notifiers too).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from tui.app.format import SEVERITY_RANK, Clock
from tui.rules.alerts import Alert

PairKey = tuple[str, str]  # (rule, group label)
Episode = str  # Alert.episode_id


def pair_key(alert: Alert) -> PairKey:
    return alert.rule, alert.group_label


def episode(alert: Alert) -> Episode:
    return alert.episode_id


class AlertBook:
    """UI-side alert state: active alarms from the history, plus the user's acks and snoozes."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.active: list[Alert] = []  # latest ALARM of each alarming pair, most severe first
        self._acked: set[Episode] = set()
        self._snoozed: dict[PairKey, float] = {}  # pair -> wall-clock end of the snooze

    def update(self, history: Sequence[Alert]) -> list[Alert]:
        """Take a new alert history (oldest first); return the alarms that were not active before
        and are not snoozed (what should ring the bell)."""
        open_alarms: dict[Episode, Alert] = {}
        for alert in history:
            if alert.state == "ALARM":
                open_alarms[episode(alert)] = alert
            else:
                open_alarms.pop(episode(alert), None)
        latest: dict[PairKey, Alert] = {}  # one banner a pair: its newest open episode
        for alert in open_alarms.values():
            latest[pair_key(alert)] = alert
        before = {episode(alert) for alert in self.active}
        self.active = sorted(
            latest.values(),
            key=lambda a: (SEVERITY_RANK.get(a.severity, 2), a.time_ms),
            reverse=True,
        )
        now_active = {episode(alert) for alert in self.active}
        self._acked &= now_active
        now = self._clock()
        self._snoozed = {pair: until for pair, until in self._snoozed.items() if until > now}
        return [a for a in self.active if episode(a) not in before and pair_key(a) not in self._snoozed]

    @property
    def shown(self) -> list[Alert]:
        """Active alarms neither acknowledged nor snoozed, most severe first."""
        now = self._clock()
        return [
            alert for alert in self.active
            if episode(alert) not in self._acked and self._snoozed.get(pair_key(alert), 0.0) <= now
        ]

    def acknowledge(self, alerts: Iterable[Alert] | None = None) -> int:
        """Acknowledge ``alerts`` (default: every shown alarm); returns how many were newly acked."""
        chosen = [episode(a) for a in (self.shown if alerts is None else alerts) if a.state == "ALARM"]
        fresh = [e for e in chosen if e not in self._acked]
        self._acked.update(fresh)
        return len(fresh)

    def snooze(self, pair: PairKey, seconds: float) -> None:
        self._snoozed[pair] = self._clock() + seconds

    def mute_until(self, pair: PairKey, until: float) -> None:
        """Hide ``pair`` until the wall-clock time ``until`` (a mute read back from the journal)."""
        self._snoozed[pair] = until

    def unmute(self, pair: PairKey) -> None:
        self._snoozed.pop(pair, None)

    @property
    def muted(self) -> list[tuple[PairKey, float]]:
        """The mutes still running, (pair, end), the soonest to end first."""
        now = self._clock()
        return sorted(((pair, until) for pair, until in self._snoozed.items() if until > now), key=lambda m: m[1])

    def is_muted(self, pair: PairKey) -> bool:
        return self._snoozed.get(pair, 0.0) > self._clock()

    def status(self, alert: Alert) -> str:
        """``muted``, ``acked`` or an empty string, for the history screen."""
        if self._snoozed.get(pair_key(alert), 0.0) > self._clock():
            return "muted"
        if episode(alert) in self._acked:
            return "acked"
        return ""
