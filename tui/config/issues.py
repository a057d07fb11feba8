"""How configuration problems are reported: every one of them, each as ``file:line: key.path: what``."""

from __future__ import annotations

import difflib
from typing import Any, Iterable

from tui.errors import FlowtailError


class ConfigError(FlowtailError):
    """A configuration that cannot be used. ``issues`` lists every problem found, one line each."""

    def __init__(self, issues: Iterable[str]) -> None:
        self.issues: list[str] = list(issues)
        super().__init__("\n".join(self.issues))


class Issues:
    """Collects problems while a whole file is checked, so the user can fix them all in one pass."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self._found: list[tuple[int, str]] = []

    def add(self, line: int, path: str, message: str) -> None:
        """Record ``message`` about the key at ``path`` (``rules[2].window``; empty for the top level)."""
        where = f"{path}: " if path else ""
        self._found.append((line, f"{self.filename}:{line}: {where}{message}"))

    def raise_if_any(self) -> None:
        """Raise ConfigError with every problem, in file order (sections are checked in another order)."""
        if self._found:
            raise ConfigError(text for _, text in sorted(self._found, key=lambda found: found[0]))


def closest(word: object, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word`` (ignoring case), or None when none is close."""
    if not isinstance(word, str):
        return None
    by_folded = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[close[0]] if close else None


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or ``""``."""
    match = closest(word, choices)
    return f" (did you mean {match!r}?)" if match else ""


def describe(value: Any) -> str:
    """What a YAML value is, in the words of a config author: ``a list``, ``text 'abc'``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} value"
