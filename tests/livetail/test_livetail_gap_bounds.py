"""Where gaps start, and that the dedup keeps every key a backfill of them can return (fake clock,
the reader's handlers fed parsed updates directly: no stream needed for these bounds)."""

from __future__ import annotations

from tui.sources.budget import RequestBudget
from tui.sources.livetail import MARGIN_MS, LiveTailSource

from tests.cloudwatch.cw_sim import FakeClock

T0 = 1_800_000_000.0
MAX_DELAY_MS = 1_200_000


def update(*ingested_ms: int, sampled: bool = False) -> dict:
    results = [{"logStreamName": "eni-1", "timestamp": t - 1, "ingestionTime": t, "message": "m"} for t in ingested_ms]
    return {"sessionMetadata": {"sampled": sampled}, "sessionResults": results}


def source_at(clock: FakeClock) -> LiveTailSource:
    options = {"budget": RequestBudget(5), "clock": clock, "lookback_s": 0, "stall_s": 8}
    source = LiveTailSource(lambda: None, "/vpc/flow-logs", lambda batch: None, **options)
    source._on_session_start(1)
    return source


def test_a_silence_noticed_late_starts_at_the_last_update_and_its_keys_are_kept() -> None:
    clock = FakeClock(T0)
    source = source_at(clock)
    source._on_update(update())
    clock.advance(300)  # five minutes without an update, not noticed until the next one
    horizon = source._horizon_ms()
    source._on_update(update())
    assert source.status().gaps == 1
    start = source._gap.from_ms
    assert start == int(T0 * 1000) - MAX_DELAY_MS - MARGIN_MS
    assert horizon <= start  # no key the backfill can return was forgotten meanwhile


def test_a_reader_falling_behind_owes_the_range_after_the_last_streamed_event() -> None:
    clock = FakeClock(T0)
    source = source_at(clock)
    now_ms = int(T0 * 1000)
    source._on_update(update(now_ms - 500))  # the usual delay: 0.5 s
    # Updates keep coming every 4 s (no silence) but each brings one second more: 3 s more behind.
    for step in (1, 2):
        clock.advance(4)
        source._on_update(update(now_ms - 500 + 1000 * step))
    assert source.status().gaps == 0  # 6 s behind the usual: within stall_s
    clock.advance(4)
    source._on_update(update(now_ms - 500 + 3000))  # 9 s: it waited in the server's buffer
    assert source.status().gaps == 1
    assert source._gap.from_ms == now_ms - 500 + 2000 - MAX_DELAY_MS - MARGIN_MS


def test_a_sampled_update_owes_its_second_and_keeps_the_source_out_of_live() -> None:
    clock = FakeClock(T0)
    source = source_at(clock)
    now_ms = int(T0 * 1000)
    source._on_update(update(now_ms - 900, now_ms - 100, sampled=True))
    status = source.status()
    assert (status.state, status.sampled, status.gaps) == ("sampled", 1, 1)
    assert source._gap.from_ms == now_ms - 900 - MAX_DELAY_MS - MARGIN_MS
    assert source._take_gap() is None  # not while sampled (and not yet overdue)
    source._on_update(update())
    assert source._take_gap() is not None and source.status().state == "backfilling"
