"""What a rule's groups cost in memory, how many fit a budget (``limits.rule_memory``), and what a
rule says when it has to evict some (:class:`Evictions`).

Group keys are attacker-controlled (a spoofed or distributed scan brings a new source address with
every record), so the groups a rule tracks are bounded by a memory budget, not by a guess at a count.
The figures below were measured with tracemalloc on CPython 3.12 (``benchmarks/bench_flood.py``
prints them again): a group that has seen one record is kept as a bare entry (its key, its time and,
unless it is 1, its partial), about a tenth of a group with a window of buckets. A flood of distinct
sources is almost entirely such single-record groups.
"""

from __future__ import annotations

# One single-record group: dict entry, key text (an IPv4 address), FIFO slot. tracemalloc counts ~90
# bytes a group; a process holding 4.2 million of them under a flood's churn (evicted keys freed, new
# ones made, dict tables doubling) grew ~186 bytes of RSS a group (benchmarks/bench_flood.py), so
# the budget counts 180: limits.rule_memory bounds the process's memory, not only Python's objects.
SINGLE_BYTES = 180
WINDOW_BYTES = 730  # a group with a window of two buckets: GroupWindow, lists, dict, key
BUCKET_BYTES = 76  # each further bucket in a group's window (its time, its partial, list and dict slots)

# Bytes for the groups of all rules together: ~3 million single-record groups, enough for a flood of
# 1,000 distinct sources a second over 21 minutes (a 60 s window and the default 20 minute max_delay)
# in each of two rules, or of 100,000 a second over 30 s in one.
DEFAULT_RULE_MEMORY = 512 * 1024 * 1024


class MemoryPool:
    """The budget the rules' groups share: a rule hit by a flood may use what the others leave,
    and when the pool is full the rule holding the most gives way (tui.rules.ruleset)."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self.members: list = []  # RuleState objects

    def used(self) -> int:
        return sum(member.memory_used() for member in self.members)

    def largest(self) -> object:
        """The member holding the most memory."""
        return max(self.members, key=lambda member: member.memory_used())


def window_bytes(buckets: int) -> int:
    """The estimated cost of one group whose window holds ``buckets`` buckets."""
    return WINDOW_BYTES + BUCKET_BYTES * max(0, buckets - 2)


def singles_held(memory_bytes: int) -> int:
    """How many single-record groups fit ``memory_bytes``."""
    return memory_bytes // SINGLE_BYTES


class Evictions:
    """The groups a rule evicted to stay within its limits, and its *degradation episodes*: no
    eviction is silent. The first eviction of an episode is reported once, after its batch, as a
    ``DEGRADED`` transition (tui.rules.alerts); the episode ends once nothing evicted could still
    count. Shared by the sliding rules (tui.rules.ruleset, evicting for ``limits.rule_memory``) and
    the rules evaluated as CloudWatch does (tui.rules.cloudwatch_alarm, evicting series over their
    cap), so that both say it the same way, through the same outputs."""

    evicted_by = "limits.rule_memory"  # the limit that evicts, as the dashboard names it

    def __init__(self) -> None:
        self.evicted_groups = 0
        self.now = 0  # the newest event time, this batch's included (set before each batch)
        self.degraded_since: int | None = None  # event time of the first eviction of the current episode
        self.degraded_evicted = 0  # groups evicted since then
        self._last_eviction = 0  # ``now`` at the latest eviction
        self._announce = False  # a degradation episode began in this batch: report it at its end

    def _evicted(self) -> None:
        """Count an eviction; the first one of a degradation episode is reported at the batch's end."""
        self.evicted_groups += 1
        self.degraded_evicted += 1
        self._last_eviction = self.now
        if self.degraded_since is None:
            self.degraded_since = self.now
            self._announce = True

    def _degradation(self, watermark: int | None, reach_ms: int) -> tuple[int, int] | None:
        """After a batch: ``(since, evicted)`` when a degradation episode began in it (to report as
        DEGRADED); else None, and the episode ends once the watermark is ``reach_ms`` past the latest
        eviction (how far an evicted record could still combine with one accepted now)."""
        if self._announce:
            self._announce = False
            return self.degraded_since or 0, self.degraded_evicted
        if self.degraded_since is not None and watermark is not None and watermark >= self._last_eviction + reach_ms:
            self.degraded_since = None
            self.degraded_evicted = 0
        return None
