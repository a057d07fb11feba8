"""Deterministic sample traffic with attacks, and rules that catch them: for the screenshots script,
the TUI benchmark and the UI tests (no randomness from the clock, no I/O)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from tui.config import Config, RuleConfig, default_config
from tui.patterns import compile_pattern

T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC
BASTION, WEB = "10.0.0.155", "10.0.14.100"
BRUTE, SCANNER, SCANNED = "203.0.113.7", "198.51.100.23", "10.0.3.10"
DEFAULT_FIELDS = (
    "version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, action, status"
)

# name, pattern, threshold, window (s), group_by, measure, measure field, severity
SAMPLE_RULES: tuple[tuple[str, str, float, float, tuple[str, ...], str, str | None, str], ...] = (
    ("bastion-http-reject",
     '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", '
     'packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
     3, 300, ("srcaddr",), "count", None, "high"),
    ("ssh-brute-force", f"[{DEFAULT_FIELDS.replace('dstport', 'dstport=22').replace('action', 'action=REJECT')}]",
     20, 60, ("srcaddr",), "count", None, "critical"),
    ("port-scan", f"[{DEFAULT_FIELDS.replace('action', 'action=REJECT')}]",
     15, 60, ("srcaddr",), "distinct", "dstport", "medium"),
    ("reject-storm", "REJECT", 5000, 300, (), "count", None, "info"),
)


def sample_config(**display: Any) -> Config:
    """The default configuration with :data:`SAMPLE_RULES` and ``display`` overrides."""
    base = default_config()
    rules = tuple(
        RuleConfig(name=name, pattern_text=text, pattern=compile_pattern(text), threshold=threshold,
                   window_s=window, group_by=group_by, measure=measure, measure_field=field, severity=severity)
        for name, text, threshold, window, group_by, measure, field, severity in SAMPLE_RULES
    )
    return dataclasses.replace(base, rules=rules, display=dataclasses.replace(base.display, **display))


def record(t: int, src: str, dst: str, sport: int, dport: int, proto: int, packets: int, size: int,
           action: str, eni: str = "eni-0a1b2c3d4e5f60718") -> str:
    """One default-format (v2) line."""
    return f"2 123456789010 {eni} {src} {dst} {sport} {dport} {proto} {packets} {size} {t} {t + 60} {action} OK"


def sample_lines(minutes: int = 30, per_second: int = 2, seed: int = 5, attacks: bool = True) -> list[str]:
    """``minutes`` of ordinary traffic ending with the attacks (bastion HTTP rejects, an SSH brute
    force, a port scan) in the last minutes; sorted by event time."""
    rng = random.Random(seed)
    hosts = [f"10.0.{rng.randint(0, 20)}.{rng.randint(1, 254)}" for _ in range(40)]
    enis = [f"eni-{rng.getrandbits(68):017x}" for _ in range(6)]
    events: list[tuple[int, str]] = []
    for second in range(minutes * 60):
        t = T0 + second
        for _ in range(per_second):
            packets = rng.randint(1, 120)
            events.append((t, record(
                t, rng.choice(hosts), rng.choice(hosts), rng.randint(1024, 65535),
                rng.choice((443, 443, 80, 22, 3306, 5432, 53, 123, rng.randint(1, 65535))),
                rng.choice((6, 6, 6, 17, 1)), packets, packets * rng.randint(60, 1400),
                "REJECT" if rng.random() < 0.15 else "ACCEPT", rng.choice(enis),
            )))
    if attacks:
        end = T0 + minutes * 60
        events += [
            (end - 200 + 20 * i, record(end - 200 + 20 * i, BASTION, WEB, 40000 + i, 80, 6, 3, 180, "REJECT", enis[0]))
            for i in range(4)
        ]
        events += [
            (end - 45 + i, record(end - 45 + i, BRUTE, rng.choice(hosts), 50000 + i, 22, 6, 2, 120, "REJECT", enis[1]))
            for i in range(30)
        ]
        events += [(end - 60 + i, record(end - 60 + i, SCANNER, SCANNED, 61000, 1 + i, 6, 1, 44, "REJECT", enis[2]))
                   for i in range(40)]
    events.sort(key=lambda event: event[0])
    return [line for _, line in events]


class FrozenClock:
    """A settable clock for ``FlowtailApp(clock=...)``."""

    def __init__(self, now: float = T0 + 1800.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
