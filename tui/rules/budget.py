"""What a rule's groups cost in memory, and how many fit a budget (``limits.rule_memory``).

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
