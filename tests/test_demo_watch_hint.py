"""`flowtail demo --headless` says on stderr how to follow its log group from another terminal, and
the command it prints works as printed: `watch` with no config file reaches the demo's local AWS
(issue 19: "watch /flowtail/demo/vpc-flow-logs against the demo's endpoint works with no file")."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _first_stderr_line_with(process: subprocess.Popen[str], text: str, deadline: float) -> str:
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if text in line:
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no stderr line with {text!r} before the deadline")


def test_the_printed_watch_command_follows_the_demo(tmp_path):
    demo = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "demo", "--headless", "--duration", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )
    watch = None
    try:
        line = _first_stderr_line_with(demo, "follow it from another terminal with: ", time.monotonic() + 60)
        words = shlex.split(line.split("follow it from another terminal with: ", 1)[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        while "=" in words[0]:
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        assert words[:2] == ["flowtail", "watch"], words
        watch = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", *words[1:], "--headless", "--records"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=env,
        )
        assert watch.stdout is not None
        deadline = time.monotonic() + 45
        kinds: set[str] = set()
        while time.monotonic() < deadline and "record" not in kinds:
            out = watch.stdout.readline()
            if not out:
                break
            kinds.add(json.loads(out)["type"])
        assert "record" in kinds, kinds
    finally:
        for process in (watch, demo):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
