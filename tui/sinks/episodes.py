"""Which alert episodes the journal already holds, so that a restart pages nothing twice.

A restart re-reads its lookback window and the engine finds the same episodes again, under the same
ids (:attr:`Alert.id` comes from rule, group and episode start). A late record read this time but not
the last can move an episode's start a little, so an ALARM is also taken for a journaled episode of
the same (rule, group) when its start falls in that episode's span, widened by one window before its
start: ``[start - window, OK time]``, or ``[start - window, +inf)`` while no OK is journaled. Such an
alert is renamed to the journaled episode (its ``episode_start_ms`` replaced), and so is the OK that
follows it. Two bursts of one group further apart than that are two episodes, and both page.

Memory is bounded: episodes whose last event time is older than ``horizon_s`` before the newest
alert seen are forgotten (a restart does not re-read that far back), and at most ``max_episodes``
are kept, the oldest dropped first and counted in ``forgotten``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.rules.alerts import DEGRADED, Alert

MAX_EPISODES = 100_000

GroupKey = tuple[str, str]  # (rule, the group as canonical JSON)


@dataclass
class _Episode:
    key: GroupKey
    start_ms: int
    window_ms: int
    ok_ms: int | None = None
    latest_ms: int = 0  # the newest event time of its alerts, for forgetting
    sinks: dict[str, set[str]] = field(  # state -> sinks
        default_factory=lambda: {"ALARM": set(), "OK": set(), DEGRADED: set()})
    aliases: list[str] = field(default_factory=list)  # episode ids of this run's alerts renamed to it

    def covers(self, start_ms: int) -> bool:
        end = float("inf") if self.ok_ms is None else self.ok_ms
        return self.start_ms - self.window_ms <= start_ms <= end


class EpisodeMemory:
    """Journaled episodes per (rule, group) and the sinks each transition was journaled for."""

    def __init__(self, horizon_s: float, max_episodes: int = MAX_EPISODES) -> None:
        self.horizon_ms = int(horizon_s * 1000)
        self.max_episodes = max_episodes
        self.forgotten = 0  # episodes dropped because of max_episodes (not of age)
        self._episodes: OrderedDict[str, _Episode] = OrderedDict()  # episode id -> episode
        self._by_key: dict[GroupKey, list[str]] = {}
        self._aliases: dict[str, str] = {}  # this run's episode id -> the journaled one
        self._newest_ms = 0

    def __len__(self) -> int:
        return len(self._episodes)

    def resolve(self, alert: Alert) -> Alert:
        """``alert`` itself, or renamed to the journaled episode it is a re-discovery of."""
        episode_id = alert.episode_id
        if episode_id in self._episodes or alert.state == DEGRADED:  # a degradation: its exact id only
            return alert
        known = self._aliases.get(episode_id) or self._overlapping(alert)
        if known is None:
            return alert
        self._episodes[known].aliases.append(episode_id)
        self._aliases[episode_id] = known
        return dataclasses.replace(alert, episode_start_ms=self._episodes[known].start_ms)

    def unsent(self, alert: Alert, sinks: Iterable[str]) -> list[str]:
        """The ``sinks`` this transition was not journaled for yet."""
        episode = self._episodes.get(alert.episode_id)
        done = episode.sinks[alert.state] if episode is not None else set()
        return [sink for sink in sinks if sink not in done]

    def remember(self, alert: Alert, sinks: Iterable[str]) -> None:
        """``alert`` was journaled for ``sinks``."""
        episode_id = alert.episode_id
        episode = self._episodes.get(episode_id)
        if episode is None:
            key = _key(alert)
            start = alert.time_ms if alert.episode_start_ms is None else alert.episode_start_ms
            episode = _Episode(key, start, int(alert.window_s * 1000))
            self._episodes[episode_id] = episode
            self._by_key.setdefault(key, []).append(episode_id)
        episode.sinks[alert.state].update(sinks)
        if alert.state == "OK":
            episode.ok_ms = alert.time_ms
        episode.latest_ms = max(episode.latest_ms, alert.time_ms, alert.last_ms or 0)
        self._newest_ms = max(self._newest_ms, alert.time_ms)
        self._forget()

    def known(self, alert: Alert) -> bool:
        """Whether ``alert``'s episode is journaled."""
        return alert.episode_id in self._episodes

    def close(self, episode_id: str, ok_ms: int) -> None:
        """The journaled episode ``episode_id`` ended at ``ok_ms`` (its OK was not journaled)."""
        episode = self._episodes.get(episode_id)
        if episode is not None:
            episode.ok_ms = ok_ms
            episode.latest_ms = max(episode.latest_ms, ok_ms)

    def _overlapping(self, alert: Alert) -> str | None:
        start = alert.time_ms if alert.episode_start_ms is None else alert.episode_start_ms
        for episode_id in reversed(self._by_key.get(_key(alert), ())):
            if self._episodes[episode_id].covers(start):
                return episode_id
        return None

    def _forget(self) -> None:
        cutoff = self._newest_ms - self.horizon_ms
        while self._episodes:
            episode_id, oldest = next(iter(self._episodes.items()))
            over_cap = len(self._episodes) > self.max_episodes
            if not over_cap and oldest.latest_ms >= cutoff:
                return
            self.forgotten += over_cap
            self._drop(episode_id, oldest)

    def _drop(self, episode_id: str, episode: _Episode) -> None:
        del self._episodes[episode_id]
        siblings = self._by_key[episode.key]
        siblings.remove(episode_id)
        if not siblings:
            del self._by_key[episode.key]
        for alias in episode.aliases:
            self._aliases.pop(alias, None)


def _key(alert: Alert) -> GroupKey:
    """A DEGRADED episode is the rule's, apart from the episodes of its groups (of ``{}`` too)."""
    group = DEGRADED if alert.state == DEGRADED else json.dumps(alert.group, sort_keys=True, default=str)
    return alert.rule, group
