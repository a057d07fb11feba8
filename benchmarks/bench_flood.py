#!/usr/bin/env python3
"""A cardinality flood (issue 17): distinct spoofed sources REJECTed at a steady rate for 5 minutes of
event time, with one real attacker hidden in it: 3 REJECTs at +0, +25 and +50 s from 203.0.113.250,
starting 2 minutes in (when a fast flood has long filled the budget). The rule is the issue's:
``threshold: 3, window: 60s, group_by: [srcaddr]`` on ``[..., action=REJECT, status]``, with the
default limits (``limits.rule_memory``, max_delay 20 min) unless told otherwise.

The engine is fed directly (Engine.ingest, event times as CloudWatch gives them, pages of 10,000
events as a polling follower delivers them), not in real time. Each rate runs in its own process so
its peak RSS is its own. Reports: whether and when the attacker alarmed, the DEGRADED alert, the
groups held and evicted, peak RSS and the wall time.

usage: python benchmarks/bench_flood.py [--rates 1000,100000] [--minutes 5] [--rule-memory BYTES] [--attack-at S]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.engine.engine import Engine, RuleDef  # noqa: E402
from tui.flowlog import FlowFormat  # noqa: E402
from tui.patterns import compile_pattern  # noqa: E402
from tui.rules.budget import DEFAULT_RULE_MEMORY  # noqa: E402

BASE = 1_700_000_000
ATTACKER = "203.0.113.250"
ATTACK_AT = 120  # seconds into the flood (--attack-at)
PAGE = 10_000
PATTERN = (
    "[version, account, eni, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, end, "
    "action=REJECT, status]"
)


def address(index: int) -> str:
    """The ``index``-th spoofed source: 10.0.0.0 onwards, never the attacker."""
    value = 0x0A000000 + index
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def run_one(rate: int, minutes: float, rule_memory: int, attack_at: int = ATTACK_AT) -> dict:
    engine = Engine(
        FlowFormat.parse("default"), [RuleDef("reject-by-src", compile_pattern(PATTERN), 3, 60, ("srcaddr",))],
        event_times=True, rule_memory=rule_memory, recent_rows=300,
    )
    attack = {attack_at, attack_at + 25, attack_at + 50}
    alerts = []
    began = time.perf_counter()
    index = 0
    lines: list[str] = []
    times: list[int] = []
    for second in range(int(minutes * 60)):
        t = BASE + second
        tail = f" 10.0.14.100 40000 22 6 3 180 {t} {t + 60} REJECT OK"
        stamp = t * 1000
        sources = [address(index + i) for i in range(rate)]
        index += rate
        if second in attack:
            sources.insert(len(sources) // 2, ATTACKER)
        for source in sources:
            lines.append("2 123456789010 eni-0a1b2c3d " + source + tail)
            times.append(stamp)
            if len(lines) == PAGE:
                alerts += engine.ingest(lines, times)
                lines, times = [], []
    if lines:
        alerts += engine.ingest(lines, times)
    seconds = time.perf_counter() - began
    status = engine.snapshot(minutes=1, top_n=1).rules[0]
    alarms = [a for a in alerts if a.state == "ALARM" and a.group == {"srcaddr": ATTACKER}]
    degraded = [a for a in alerts if a.state == "DEGRADED"]
    return {
        "rate": rate,
        "records": engine.records,
        "attacker_alarm_s": None if not alarms else alarms[0].time_ms // 1000 - BASE,
        "other_alarms": sum(1 for a in alerts if a.state == "ALARM") - len(alarms),
        "degraded": [a.to_json()["message"] for a in degraded],
        "groups_held": status.groups,
        "evicted": status.evicted_groups,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "wall_s": round(seconds, 1),
        "records_per_s": round(engine.records / seconds),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,100000", help="distinct sources per second, comma-separated")
    parser.add_argument("--minutes", type=float, default=5.0, help="minutes of event time (default 5)")
    parser.add_argument("--rule-memory", type=int, default=DEFAULT_RULE_MEMORY, help="limits.rule_memory in bytes")
    parser.add_argument("--attack-at", type=int, default=ATTACK_AT, help="the attacker's first second (default 120)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one rate, JSON out
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.minutes, args.rule_memory, args.attack_at)))
        return 0
    failed = False
    for rate in (int(text) for text in args.rates.split(",")):
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(rate), "--minutes", str(args.minutes),
             "--rule-memory", str(args.rule_memory), "--attack-at", str(args.attack_at)],
            capture_output=True, text=True, check=True,
        )
        result = json.loads(child.stdout)
        failed |= result["attacker_alarm_s"] is None
        print(
            f"{rate:>7,}/s: {result['records']:,} records in {result['wall_s']} s ({result['records_per_s']:,}/s); "
            f"attacker ALARM at +{result['attacker_alarm_s']} s; other alarms {result['other_alarms']}; "
            f"groups held {result['groups_held']:,}, evicted {result['evicted']:,}; "
            f"peak RSS {result['peak_rss_mib']} MiB"
        )
        for message in result["degraded"]:
            print(f"          DEGRADED: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
