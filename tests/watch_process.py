"""`flowtail watch --headless` in a subprocess, for the tests that kill and restart it: its stdout's
JSON lines are read by a thread of their own, and by nothing else (a second reader, such as
``communicate()``, takes lines the first never sees: a loaded machine once showed 22 of 525 events
"lost" that the killed run had printed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
WAIT_S = 60.0


class WatchProcess:
    """The process and every line it printed (``lines``), status lines once a second."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "watch", "-c", str(config), "--headless", "--status-every", "1s", *args],
            cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[dict[str, Any]] = []
        self._waited = 0  # lines before this one were looked at by an earlier wait_for
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if not line.endswith("\n"):
                break  # the last line, torn by a SIGKILL
            with self._changed:
                self.lines.append(json.loads(line))
                self._changed.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = WAIT_S) -> bool:
        """Whether ``predicate`` (of what was printed) held within ``timeout``."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def wait_for(self, condition: Callable[[dict[str, Any]], bool], timeout: float = WAIT_S) -> dict[str, Any]:
        """The first line after those an earlier call looked at that meets ``condition``."""

        def found() -> bool:
            while self._waited < len(self.lines):
                self._waited += 1
                if condition(self.lines[self._waited - 1]):
                    return True
            return False

        assert self.wait_until(found, timeout), f"no such line within {timeout:g} s"
        return self.lines[self._waited - 1]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self._changed:
            return [line for line in self.lines if line["type"] == kind]

    def alerts(self) -> list[dict[str, Any]]:
        return self.of_type("alert")

    def ids(self) -> list[str]:
        """The event ids of the record lines (``--records``), in the order printed."""
        return [line["eventId"] for line in self.of_type("record")]

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Send ``signum``; once the process has exited and every line it printed is read, its
        exit status and stderr."""
        self.process.send_signal(signum)
        self.process.wait(timeout=WAIT_S)
        self._reader.join(WAIT_S)
        assert self.process.stderr is not None  # a few lines at most: the pipe never filled
        return self.process.returncode, self.process.stderr.read()
