"""Run a headless flowtail command until its JSON lines show what a test waits for, then stop it
with SIGINT as a user would: a test of a promise made "within N seconds" ends as soon as the
promise is kept instead of always waiting the N seconds."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
EXIT_WITHIN_S = 60  # after SIGINT; then the process is killed and the test fails on its exit code


@dataclass
class Finished:
    returncode: int
    lines: list[dict[str, Any]]  # stdout's JSON lines, in order
    stderr: str
    kept: bool  # ``enough`` held before the deadline


def run_headless_until(
    args: list[str], enough: Callable[[list[dict[str, Any]]], bool], within_s: float
) -> Finished:
    """``python -m tui.cli ARGS`` (headless) until ``enough(lines)`` holds or ``within_s`` passed
    (checked as each line arrives: headless status lines come every second); then SIGINT, and the
    exit code, every line and stderr once it has exited."""
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", *args], stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO
        )
        assert process.stdout is not None
        watchdog = threading.Timer(within_s + EXIT_WITHIN_S, process.kill)
        watchdog.start()
        lines: list[dict[str, Any]] = []
        kept = False
        try:
            deadline = time.monotonic() + within_s
            while time.monotonic() < deadline and (text := process.stdout.readline()):
                lines.append(json.loads(text))
                if enough(lines):
                    kept = True
                    break
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
            lines.extend(json.loads(text) for text in process.stdout.read().splitlines())
            process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        errors.seek(0)
        return Finished(process.returncode, lines, errors.read(), kept)
