"""JSON lines on a stream, one object per line, flushed per line (for pipes and `tail -f`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TextIO

from tui.rules.alerts import Alert


class JsonLines:
    """Writes one compact JSON object per line. Non-ASCII and control characters are escaped, so
    attacker-controlled log text cannot reach a terminal as raw escape sequences."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, obj: dict[str, Any]) -> None:
        self.stream.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.stream.flush()


class AlertLines:
    """Alert lines on a stream as a notifier of the delivery worker, for a headless live run with a
    journal: the lines then go through the same once-per-transition bookkeeping as SNS, so
    ``flowtail watch --headless | pager`` pages once, across restarts too. Takes every state."""

    states = ("ALARM", "OK")
    cooldown_s = 0.0

    def __init__(self, write: Callable[[Alert], None]) -> None:
        self._write = write

    def publish(self, alert: Alert) -> str:
        self._write(alert)
        return "stdout"

    def describe_error(self, exc: BaseException) -> str:
        return f"cannot write alert lines to stdout: {exc}"

    def is_permanent(self, exc: BaseException) -> bool:
        return True  # a closed or broken stdout does not come back
