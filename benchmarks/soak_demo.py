"""Soak test: `flowtail demo --headless` for a long while (10 minutes by default), its memory sampled.

    python benchmarks/soak_demo.py                 # 600 s, RSS every 30 s
    python benchmarks/soak_demo.py --duration 60 --every 10

Prints one line per RSS sample, then a summary: the exit code, the alert transitions seen on stdout
(and how many distinct ALARMs), the follower errors in status lines, RSS min/max, and anything the
demo wrote to stderr. Exits 0 when the demo exited 0 without a traceback, 1 otherwise. Not a unit
test: it takes as long as the duration, on purpose. Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` in KiB, or None once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds the demo runs (default 600)")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between RSS samples (default 30)")
    args = parser.parse_args(argv)

    command = [sys.executable, "-m", "tui", "demo", "--headless", "--duration", str(args.duration)]
    began = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kinds: Counter[str] = Counter()
    alarms: set[tuple[str, str]] = set()
    status_errors: Counter[str] = Counter()
    stderr: list[str] = []

    def read_stdout() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            obj = json.loads(line)
            kinds[obj["type"]] += 1
            if obj["type"] == "alert" and obj["state"] == "ALARM":
                alarms.add((obj["rule"], json.dumps(obj["group"], sort_keys=True)))
            if obj["type"] == "status" and obj.get("lastError"):
                status_errors[obj["lastError"]] += 1

    def read_stderr() -> None:
        assert process.stderr is not None
        stderr.extend(process.stderr)

    readers = [threading.Thread(target=read_stdout), threading.Thread(target=read_stderr)]
    for reader in readers:
        reader.start()
    samples: list[int] = []
    ended = threading.Event()
    threading.Thread(target=lambda: (process.wait(), ended.set()), daemon=True).start()
    while not ended.wait(args.every):  # the first sample after one interval: start-up is not the soak
        rss = rss_kib(process.pid)
        if rss is not None:
            samples.append(rss)
            print(f"{time.monotonic() - began:7.0f} s  RSS {rss / 1024:7.1f} MiB  alerts {kinds['alert']}", flush=True)
    for reader in readers:
        reader.join()
    code = process.returncode
    traceback = any("Traceback" in line for line in stderr)
    print(f"exit code: {code} after {time.monotonic() - began:.0f} s (asked for {args.duration:.0f} s)")
    print(f"alert transitions: {kinds['alert']} ({len(alarms)} distinct alarms); status lines: {kinds['status']}")
    if samples:
        print(f"RSS: min {min(samples) / 1024:.1f} MiB, max {max(samples) / 1024:.1f} MiB, "
              f"last {samples[-1] / 1024:.1f} MiB over {len(samples)} samples")
    for error, count in status_errors.most_common(5):
        print(f"status error x{count}: {error}")
    for line in stderr[-10:]:
        print(f"stderr: {line.rstrip()}")
    return 0 if code == 0 and not traceback else 1


if __name__ == "__main__":
    sys.exit(main())
