"""JSON lines on a stream, one object per line, flushed per line (for pipes and `tail -f`)."""

from __future__ import annotations

import json
from typing import Any, TextIO


class JsonLines:
    """Writes one compact JSON object per line. Non-ASCII and control characters are escaped, so
    attacker-controlled log text cannot reach a terminal as raw escape sequences."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, obj: dict[str, Any]) -> None:
        self.stream.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.stream.flush()
