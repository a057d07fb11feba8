"""The episode memory: a re-discovered episode keeps its journaled id, a new one does not, and memory
stays bounded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.sinks.episodes import EpisodeMemory

from tests.sinks.conftest import T0_MS

WINDOW_MS = 60_000


def alarm(make_alert, start_ms: int, src: str = "203.0.113.7"):
    return make_alert(src=src, time_ms=start_ms, episode_start_ms=start_ms)


def ok(make_alert, start_ms: int, end_ms: int, src: str = "203.0.113.7"):
    return make_alert(src=src, state="OK", value=3, time_ms=end_ms, episode_start_ms=start_ms)


def test_the_same_episode_is_known_and_a_moved_start_is_renamed_to_the_journaled_one(make_alert):
    memory = EpisodeMemory(horizon_s=3600)
    journaled = alarm(make_alert, T0_MS)
    memory.remember(journaled, ["sns"])

    assert memory.unsent(memory.resolve(journaled), ["sns"]) == []
    moved = memory.resolve(alarm(make_alert, T0_MS - 20_000))  # a late record read only after the restart
    assert moved.id == journaled.id and memory.unsent(moved, ["sns"]) == []
    later = memory.resolve(alarm(make_alert, T0_MS + 90_000))  # still inside the open episode
    assert later.id == journaled.id
    closing = memory.resolve(ok(make_alert, T0_MS - 20_000, T0_MS + 120_000))  # its OK follows the ALARM
    assert closing.id == journaled.id.replace("-alarm", "-ok")
    assert memory.unsent(closing, ["sns"]) == ["sns"]


def test_a_new_episode_after_the_ok_or_a_late_burst_long_before_is_not_the_same(make_alert):
    memory = EpisodeMemory(horizon_s=3600)
    memory.remember(alarm(make_alert, T0_MS), ["sns"])
    memory.remember(ok(make_alert, T0_MS, T0_MS + 100_000), [])

    after = alarm(make_alert, T0_MS + 200_000)
    assert memory.resolve(after) == after
    burst = alarm(make_alert, T0_MS - 2 * WINDOW_MS)  # further back than one window: another episode
    assert memory.resolve(burst) == burst
    other = alarm(make_alert, T0_MS, src="198.51.100.1")
    assert memory.resolve(other) == other and memory.unsent(other, ["sns"]) == ["sns"]


def test_a_closure_from_the_journal_ends_an_open_episode(make_alert):
    memory = EpisodeMemory(horizon_s=3600)
    first = alarm(make_alert, T0_MS)
    memory.remember(first, ["sns"])
    memory.close(first.episode_id, T0_MS + 100_000)
    after = alarm(make_alert, T0_MS + 200_000)
    assert memory.resolve(after) == after


def test_memory_forgets_beyond_the_horizon_and_counts_what_the_cap_drops(make_alert):
    memory = EpisodeMemory(horizon_s=600)
    memory.remember(alarm(make_alert, T0_MS, src="10.0.0.1"), ["sns"])
    memory.remember(alarm(make_alert, T0_MS + 700_000, src="10.0.0.2"), ["sns"])
    assert len(memory) == 1 and memory.forgotten == 0  # aged out, not a loss

    capped = EpisodeMemory(horizon_s=3600, max_episodes=3)
    for i in range(5):
        capped.remember(alarm(make_alert, T0_MS + i, src=f"10.0.1.{i}"), ["sns"])
    assert len(capped) == 3 and capped.forgotten == 2


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # make_alert is stateless
@given(order=st.permutations(range(6)))
def test_the_answer_does_not_depend_on_the_order_episodes_were_journaled(make_alert, order):
    """Six episodes of one group, journaled in any order: each start re-found a little earlier
    resolves to its own episode."""
    starts = [T0_MS + k * 300_000 for k in range(6)]
    memory = EpisodeMemory(horizon_s=36_000)
    for k in order:
        memory.remember(alarm(make_alert, starts[k]), ["sns"])
        memory.remember(ok(make_alert, starts[k], starts[k] + 120_000), ["sns"])
    for start in starts:
        found = memory.resolve(alarm(make_alert, start - 10_000))
        assert found.episode_start_ms == start
