"""Late flow-log events, written into moto over fake time, are each delivered exactly once."""

from __future__ import annotations

import random

from tests.cloudwatch.cw_sim import FakeClock, Planned, Writer, key_of, run_follower

STREAMS = ["eni-0a1b2c3d", "eni-1f2e3d4c", "eni-2b3c4d5e", "eni-3c4d5e6f"]
# Ages at arrival around every tier boundary of the default tiers (2 min, 6 min) and max_delay (20 min).
BOUNDARY_AGES_S = [0, 119, 120, 121, 359, 360, 361, 1199, 1200]
# Arrival offsets around a 5 s round, a 30 s round (tier 1) and a 90 s round (tier 2).
BOUNDARY_ARRIVALS_S = [1300, 1301, 1302, 1303, 1304, 1320, 1321, 1350, 1351]


def late_scenario(start: float, seed: int = 11) -> list[Planned]:
    """Interleaved streams; two thirds on time (0-60 s), one third 5-15 min late; plus boundary cases."""
    rng = random.Random(seed)
    planned: list[Planned] = []
    for n in range(150):
        stamp = start + rng.uniform(-300, 480)
        late = n % 3 == 0
        lag = rng.uniform(300, 900) if late else rng.uniform(0, 60)
        planned.append(Planned(rng.choice(STREAMS), int(stamp * 1000), float(int(stamp + lag)), f"flow {n} late={late}"))
    for age in BOUNDARY_AGES_S:
        for offset in BOUNDARY_ARRIVALS_S:
            arrives = start + offset
            stream = STREAMS[(age + offset) % len(STREAMS)]
            planned.append(Planned(stream, int((arrives - age) * 1000), arrives, f"boundary age={age} at +{offset}"))
    # Arrives exactly when a round starts, stamped exactly "now": the end of the range is inclusive.
    planned.append(Planned(STREAMS[0], int((start + 100) * 1000), start + 100, "stamped at round start"))
    # Stamped exactly at the start of following (lookback 15 min before the first round), 16 min late.
    planned.append(Planned(STREAMS[1], int((start - 900) * 1000), start + 60, "at the lookback floor"))
    return planned


def test_every_late_event_is_delivered_exactly_once(logs, group, aws_endpoint, clock: FakeClock, follower_for):
    start = clock.now
    planned = late_scenario(start)
    before_floor = Planned(STREAMS[2], int((start - 900) * 1000) - 1, start + 10, "one ms before the floor")
    follower = follower_for(aws_endpoint, lookback_s=900, max_delay_s=1200, poll_interval_s=5)
    writer = Writer(logs, group, [*planned, before_floor])

    delivered = run_follower(follower, writer, clock, until=start + 1500)

    assert sorted(map(key_of, delivered)) == sorted(p.key for p in planned)
    assert len({event.event_id for event in delivered}) == len(delivered)
    status = follower.status()
    assert status.state == "ok" and status.errors == 0 and status.throttled == 0
    assert status.events == len(planned)
    # One merged query per round: 1501 s of 5 s rounds is 301 rounds, each one page.
    assert status.calls == 301
    # Re-reading is bounded by the tiers (about 44 reads per on-time event), far below the 241 of
    # re-reading the whole 20 min window every 5 s.
    assert 1 < status.reread_ratio < 45


def test_naive_tier_without_late_coverage_would_lose_events(logs, group, aws_endpoint, clock: FakeClock, follower_for):
    """The same scenario with one 2-minute tier (a follower that only looks back 2 min) loses the late
    events: the test scenario really exercises lateness."""
    from tui.sources.rescan import Tier

    start = clock.now
    planned = late_scenario(start)
    follower = follower_for(aws_endpoint, lookback_s=900, tiers=(Tier(0, 120, 5),))
    delivered = run_follower(follower, Writer(logs, group, planned), clock, until=start + 1500)
    lost = {p.key for p in planned} - set(map(key_of, delivered))
    assert len(lost) > 50
    assert all("late=False" not in key[2] for key in lost)
