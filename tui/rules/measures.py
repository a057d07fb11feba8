"""The three measures a rule can apply to the records in its window.

A window is built from *buckets*: the partial measure of the matching records that share one event
time (the engine aggregates a batch of records per (group, time) before the rules see it). Each measure
says how to merge two partials and how to keep a running total of the buckets inside a window.
"""

from __future__ import annotations

from typing import Any, Protocol

try:  # Counter's C helper: +1 for each element of an iterable, without a Python loop
    from collections import _count_elements  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Pythons
    def _count_elements(mapping: dict, iterable: Any) -> None:
        get = mapping.get
        for element in iterable:
            mapping[element] = get(element, 0) + 1


class Accumulator(Protocol):
    """A running value over a multiset of buckets; buckets are added and removed one at a time."""

    def add(self, partial: Any) -> None: ...

    def remove(self, partial: Any) -> None: ...

    @property
    def value(self) -> float: ...


class SumAccumulator:
    """count and sum:FIELD: partials are numbers and the window value is their sum."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: float = 0

    def add(self, partial: float) -> None:
        self.value += partial

    def remove(self, partial: float) -> None:
        self.value -= partial


class DistinctAccumulator:
    """distinct:FIELD: partials are sets of values; the window value is the size of their union."""

    __slots__ = ("_multiplicity",)

    def __init__(self) -> None:
        self._multiplicity: dict[Any, int] = {}  # value -> how many buckets of the window hold it

    def add(self, partial: set) -> None:
        _count_elements(self._multiplicity, partial)

    def remove(self, partial: set) -> None:
        multiplicity = self._multiplicity
        for item in partial:
            left = multiplicity[item] - 1
            if left:
                multiplicity[item] = left
            else:
                del multiplicity[item]

    @property
    def value(self) -> int:
        return len(self._multiplicity)


class Measure:
    """How one measure kind combines partials; ``name`` is what alerts print (count, sum:bytes)."""

    def __init__(self, kind: str, field: str | None = None) -> None:
        if kind not in ("count", "sum", "distinct"):
            raise ValueError(f"unknown measure {kind!r}")
        self.kind = kind
        self.field = field
        self.name = kind if field is None else f"{kind}:{field}"
        self.is_distinct = kind == "distinct"

    def new_accumulator(self) -> Accumulator:
        return DistinctAccumulator() if self.is_distinct else SumAccumulator()

    def merge(self, into: Any, partial: Any) -> Any:
        """Combine two partials of the same bucket; may mutate and return ``into``."""
        if self.is_distinct:
            into |= partial
            return into
        return into + partial

    def copy(self, partial: Any) -> Any:
        """A partial the window may keep and mutate without touching the caller's object."""
        return set(partial) if self.is_distinct else partial
