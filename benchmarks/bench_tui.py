#!/usr/bin/env python3
"""TUI benchmark: `flowtail replay` of generated records at a fixed ingest rate, in a real
pseudo-terminal, measuring what a user at the keyboard and the link to the terminal see.

* key latency: the time from writing a key (``n``, next top-N table) to the terminal receiving the
  redrawn panel title that key produces; target under 100 ms while ingesting 50,000 records/s;
* bytes written to the terminal per second at steady state (what an SSH link has to carry).

usage: python benchmarks/bench_tui.py [--rate 50000] [--seconds 20] [--presses 15] [--size 120x36]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The titles `n` cycles through (tui/app/widgets/top_panel.py), after the first one.
TITLES = [
    b"Top destination addresses",
    b"Top destination ports",
    b"Top protocols",
    b"Top interfaces",
    b"Top source addresses",
]
STEADY_AFTER_S = 4.0


class Terminal:
    """A child process on a pseudo-terminal of a given size; reads everything it writes."""

    def __init__(self, argv: list[str], columns: int, rows: int) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.received = 0

    def read_until(self, deadline: float, needle: bytes | None = None) -> bytes:
        """Read until ``deadline`` or until ``needle`` appears in what was read; returns it."""
        data = bytearray()
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or (needle is not None and needle in data):
                return bytes(data)
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 1 << 16)
                except OSError:
                    return bytes(data)
                self.received += len(chunk)
                data += chunk

    def press(self, key: bytes) -> None:
        os.write(self.master, key)

    def close(self) -> None:
        self.press(b"q")
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=50_000, help="records per second fed to the engine")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the replay at that rate")
    parser.add_argument("--presses", type=int, default=15)
    parser.add_argument("--size", default="120x36")
    args = parser.parse_args()
    columns, rows = (int(part) for part in args.size.split("x"))
    records = int(args.rate * (args.seconds + STEADY_AFTER_S + 10))

    with tempfile.TemporaryDirectory(prefix="flowtail-bench-tui-") as tmp:
        flows = Path(tmp) / "flows.log"
        subprocess.run([sys.executable, str(HERE / "replay" / "gen_flows.py"), str(records), str(flows)], check=True)
        argv = [sys.executable, "-m", "tui.cli", "replay", "-c", str(HERE / "replay" / "rules-10.yaml"),
                str(flows), "--speed", str(args.rate)]
        terminal = Terminal(argv, columns, rows)
        try:
            terminal.read_until(time.perf_counter() + STEADY_AFTER_S)
            start_bytes, start = terminal.received, time.perf_counter()
            steady = terminal.read_until(start + 5.0)
            bytes_per_s = (terminal.received - start_bytes) / (time.perf_counter() - start)
            latencies = []
            for press in range(args.presses):
                title = TITLES[press % len(TITLES)]
                sent = time.perf_counter()
                terminal.press(b"n")
                seen = terminal.read_until(sent + 2.0, title)
                if title in seen:
                    latencies.append((time.perf_counter() - sent) * 1000)
                terminal.read_until(time.perf_counter() + 0.3)
            tail = terminal.read_until(time.perf_counter() + 1.2)
        finally:
            terminal.close()
    rates = [
        float(number.replace(b",", b"")) * (1000 if unit == b"k" else 1)
        for number, unit in re.findall(rb"records \(([\d,.]+)(k?)/s\)", steady + tail)
    ]
    print(f"terminal {columns}x{rows}, replay fed at {args.rate:,} records/s")
    if latencies:
        print(f"key -> screen: median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms "
              f"over {len(latencies)}/{args.presses} presses (target < 100 ms)")
    else:
        print("key -> screen: no redraw seen within 2 s")
    print(f"terminal output at steady state: {bytes_per_s / 1024:.1f} KiB/s")
    if rates:
        print(f"ingest rate shown in the status bar: median {statistics.median(rates):,.0f} records/s")
    return 0 if latencies and statistics.median(latencies) < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
