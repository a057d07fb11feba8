"""Dedup of Live Tail against backfills: distinct events delivered exactly once, whatever the order in
which the stream and the backfills see them, and bounded memory."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.sources.tail_keys import DeliveredKeys, content_key

MINUTE = 60_000


def key(i: int) -> bytes:
    return content_key("eni-1", 1_700_000_000_000 + i, f"flow #{i}")


@settings(max_examples=300)
@given(n=st.integers(1, 40), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_each_event_is_delivered_once_whatever_the_stream_and_backfills_saw(
    n: int, data: st.DataObject, seed: int
) -> None:
    """Event ``i`` is stored at step ``i``; the stream sends it some steps later or never (a gap);
    backfills run at random steps (and once at the end) and return every event stored so far, shuffled.
    So the stream may deliver an event before or after a backfill returned it."""
    rng = random.Random(seed)
    delays = data.draw(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=n, max_size=n))
    backfill_at = data.draw(st.sets(st.integers(0, n + 5)))
    keys = DeliveredKeys()
    delivered: list[int] = []
    for step in range(n + 6):
        for i in range(min(step + 1, n)):  # the stream's sends due now, in ingestion order
            if delays[i] is not None and i + delays[i] == step and keys.from_tail(key(i), i):
                delivered.append(i)
        if step in backfill_at or step == n + 5:
            stored = list(range(min(step + 1, n)))
            rng.shuffle(stored)
            delivered += [j for j in stored if keys.from_backfill(key(j), j, 1)]
    assert sorted(delivered) == list(range(n))


def test_identical_copies_count_per_source() -> None:
    keys = DeliveredKeys()
    same = key(1)
    assert keys.from_tail(same, 1) == 1
    assert keys.from_backfill(same, 1, 1) is False  # the copy the stream sent
    assert keys.from_backfill(same, 1, 2) is True  # a second stored copy the stream missed
    assert keys.from_backfill(same, 1, 2) is False  # ... not twice (a later, overlapping backfill)
    assert keys.from_tail(same, 1) == 0  # the stream's second copy: the one the backfill delivered


def test_keys_expire_by_minute_of_timestamp() -> None:
    keys = DeliveredKeys()
    keys.from_tail(b"old", 0)
    keys.from_tail(b"new", 2 * MINUTE)
    keys.expire(MINUTE)  # the whole first minute lies before the horizon
    assert len(keys) == 1
    assert keys.from_backfill(b"new", 2 * MINUTE, 1) is False
    assert keys.from_backfill(b"old", 0, 1) is True  # forgotten: a backfill cannot reach it any more


def test_cap_evicts_oldest_and_counts() -> None:
    keys = DeliveredKeys(cap=3)
    for i in range(5):
        keys.from_tail(key(i), i * MINUTE)
    assert len(keys) == 3 and keys.evicted == 2
    assert keys.from_backfill(key(4), 4 * MINUTE, 1) is False


def test_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        DeliveredKeys(cap=0)


def test_content_key_tells_stream_timestamp_and_message_apart() -> None:
    base = content_key("eni-1", 5, "m")
    assert base == content_key("eni-1", 5, "m")
    assert len({base, content_key("eni-2", 5, "m"), content_key("eni-1", 6, "m"), content_key("eni-1", 5, "n")}) == 4
