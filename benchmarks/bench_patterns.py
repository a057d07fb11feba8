#!/usr/bin/env python3
"""Throughput of bracket-pattern matching on default-format VPC flow-log lines.

Generates N lines in memory (the shape of benchmarks/replay/gen_flows.py, fixed seed), then times, for
each pattern: p.matches(line); p.matches_fields(line.split(), line) (the rule engine's path); and a
naive hand-written `f = line.split(); f[3] == ... and ...` loop doing the same checks. Match counts
must agree. Absolute figures vary between machines; the ratios are what to compare.

usage: python benchmarks/bench_patterns.py [--n 200000] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Callable

from tui.patterns import compile_pattern

PATTERNS: list[tuple[str, str, Callable[[list[str]], bool]]] = [
    (
        "runbook",
        '[version, account, eni, source="10.0.0.155", destination, srcport, destport="80", protocol="6", '
        'packets, bytes, windowstart, windowend, action="REJECT", flowlogstatus]',
        lambda f: len(f) >= 14 and f[3] == "10.0.0.155" and f[6] == "80" and f[7] == "6" and f[12] == "REJECT",
    ),
    (
        "loose",
        "[..., dstport=22, protocol, packets, bytes>1000, start, end, action=REJECT, status]",
        lambda f: len(f) >= 8 and f[-8] == "22" and f[-5].isdigit() and int(f[-5]) > 1000 and f[-2] == "REJECT",
    ),
]


def flow_lines(n: int, seed: int) -> list[str]:
    """N default-format (v2) records: about 1% NODATA, 20% of the rest REJECT."""
    rnd = random.Random(seed)
    srcs = [f"10.0.{rnd.randint(0, 20)}.{rnd.randint(1, 254)}" for _ in range(500)] + ["10.0.0.155", "203.0.113.7"]
    dsts = [f"10.0.{rnd.randint(0, 20)}.{rnd.randint(1, 254)}" for _ in range(200)] + ["10.0.14.100"]
    lines = []
    for i in range(n):
        t = 1700000000 + i // 200
        if rnd.random() < 0.01:
            lines.append(f"2 123456789010 eni-0a1b2c3d - - - - - - - {t} {t + 60} - NODATA")
            continue
        src, dst = rnd.choice(srcs), rnd.choice(dsts)
        dport = rnd.choice([80, 443, 22, 3306, 5432, 53, 8080, rnd.randint(1, 65535)])
        proto = rnd.choice([6, 6, 6, 17, 1])
        packets = rnd.randint(1, 200)
        action = "REJECT" if rnd.random() < 0.2 else "ACCEPT"
        lines.append(
            f"2 123456789010 eni-{rnd.randint(0, 50):08x} {src} {dst} {rnd.randint(1024, 65535)} {dport} {proto} "
            f"{packets} {packets * rnd.randint(40, 1500)} {t} {t + 60} {action} OK"
        )
    return lines


def timed(count_matches: Callable[[], int], repeat: int) -> tuple[int, float]:
    """The match count and the best of `repeat` wall times (the machine may be busy with other work)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        matched = count_matches()
        best = min(best, time.perf_counter() - start)
    return matched, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="number of flow-log lines (default 200000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of this many runs (default 3)")
    args = parser.parse_args()
    lines = flow_lines(args.n, args.seed)
    print(f"{len(lines):,} default-format flow-log lines\n")
    print(f"{'pattern':<8} {'method':<36} {'matches':>8} {'msg/s':>12} {'vs naive':>9}")
    for label, text, naive in PATTERNS:
        pattern = compile_pattern(text)
        # Each lambda binds this iteration's pattern (they run within it, but say so).
        methods = [
            ("naive split + index checks", lambda naive=naive: sum(1 for line in lines if naive(line.split()))),
            ("p.matches(line)", lambda p=pattern: sum(map(p.matches, lines))),
            (
                "p.matches_fields(line.split(), line)",
                lambda p=pattern: sum(p.matches_fields(line.split(), line) for line in lines),
            ),
        ]
        results = [(name, *timed(run, args.repeat)) for name, run in methods]
        baseline = results[0][2]
        counts = {matched for _, matched, _ in results}
        assert len(counts) == 1, f"{label}: methods disagree on the match count: {results}"
        for name, matched, seconds in results:
            print(f"{label:<8} {name:<36} {matched:>8,} {len(lines) / seconds:>12,.0f} {baseline / seconds:>8.2f}x")
    print("\n'vs naive' = naive time / method time (1.00x = as fast as the hand-written loop).")


if __name__ == "__main__":
    main()
