"""Flow-log data for the engine tests: deterministic default-format lines with attacks mixed in."""

from __future__ import annotations

import random

import pytest

BASE = 1_700_000_000


def flow_lines(n: int, seed: int = 3, rate: int = 20, start: int = BASE) -> list[str]:
    """``n`` default-format records, ``rate`` per second of event time, a few NODATA/SKIPDATA."""
    rng = random.Random(seed)
    sources = [f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 30)}" for _ in range(20)] + ["10.0.0.155", "203.0.113.7"]
    targets = [f"10.0.{rng.randint(0, 3)}.{rng.randint(1, 30)}" for _ in range(10)] + ["10.0.14.100"]
    lines = []
    for i in range(n):
        t = start + i // rate
        roll = rng.random()
        if roll < 0.01:
            lines.append(f"2 123456789010 eni-0a1b2c3d - - - - - - - {t} {t + 60} - NODATA")
            continue
        if roll < 0.015:
            lines.append(f"2 123456789010 eni-0a1b2c3d - - - - - - - {t} {t + 60} - SKIPDATA")
            continue
        packets = rng.randint(1, 200)
        lines.append(
            f"2 123456789010 eni-{rng.randint(0, 5):08x} {rng.choice(sources)} {rng.choice(targets)} "
            f"{rng.randint(1024, 65535)} {rng.choice([80, 443, 22, 3306, 5432, 53, 3389, rng.randint(1, 65535)])} "
            f"{rng.choice([6, 6, 17, 1])} {packets} {packets * rng.randint(40, 1500)} {t} {t + 60} "
            f"{'REJECT' if rng.random() < 0.3 else 'ACCEPT'} OK"
        )
    return lines


@pytest.fixture
def lines() -> list[str]:
    return flow_lines(3000)
