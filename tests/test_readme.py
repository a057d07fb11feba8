"""Every README command that uses the shipped examples runs as written (in a copy of them), with the
output the README shows where it shows one; the dashboard replay runs in a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BIN = Path(sys.executable).parent  # the environment's `flowtail` script sits next to its python


class Command(NamedTuple):
    line: str
    output: str | None  # what a console block shows after it (None: nothing to compare)


def readme_commands() -> list[Command]:
    """Commands of ```sh and ```console blocks that use examples/ or config.example.yaml."""
    commands: list[Command] = []
    for kind, body in re.findall(r"```(sh|console)\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        if kind == "sh":
            commands += [Command(line, None) for line in body.splitlines() if line.startswith(("flowtail ", "cat "))]
            continue
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            line, _, output = chunk.partition("\n")
            shown = output.strip("\n")
            commands.append(Command(line, None if "..." in shown or "…" in shown else shown))
    return [c for c in commands if "examples/" in c.line or "config.example.yaml" in c.line]


COMMANDS = readme_commands()


def is_dashboard(line: str) -> bool:
    return line.startswith("flowtail replay") and "--headless" not in line


@pytest.fixture
def workdir(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    shutil.copy(REPO / "config.example.yaml", tmp_path)
    return tmp_path


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}


def test_the_readme_has_the_commands_the_issue_asks_for():
    lines = [command.line for command in COMMANDS]
    assert any(is_dashboard(line) for line in lines)  # replay into the dashboard
    assert any("--headless" in line and ".gz" in line for line in lines)
    assert any("s3-flows.log" in line for line in lines)
    assert any(line.startswith("flowtail test-pattern") for line in lines)


@pytest.mark.parametrize("command", [c for c in COMMANDS if not is_dashboard(c.line)], ids=lambda c: c.line[:60])
def test_a_readme_command_runs_as_written(command, workdir):
    result = subprocess.run(["bash", "-c", command.line], cwd=workdir, env=environment(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, (command.line, result.stderr)
    assert "Traceback" not in result.stderr
    if command.output is not None:
        assert result.stdout.strip("\n") == command.output


@pytest.mark.parametrize("command", [c for c in COMMANDS if is_dashboard(c.line)], ids=lambda c: c.line[:60])
def test_the_readme_dashboard_replay_shows_the_alarms_and_quits(command, workdir):
    master, slave = pty.openpty()
    ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(["bash", "-c", command.line], cwd=workdir, env={**environment(), "TERM": "xterm"},
                               stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"ALARM" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                seen += os.read(master, 65536)
        assert b"ALARM" in seen, seen[-2000:]
        os.write(master, b"q")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
