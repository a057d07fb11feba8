"""Number, size, duration, time and severity formatting for the views (plain strings, no widgets)."""

from __future__ import annotations

import time
from typing import Callable

Clock = Callable[[], float]

_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB")
_COUNT_UNITS = ("", "k", "M", "G", "T")

# severity -> (glyph, label, theme style). The glyph and the word carry the meaning; colour only helps.
SEVERITY_STYLE: dict[str, tuple[str, str, str]] = {
    "critical": ("‼", "CRITICAL", "bold $error"),
    "high": ("▲", "HIGH", "bold $error"),
    "medium": ("◆", "MEDIUM", "bold $warning"),
    "low": ("▼", "LOW", "$warning"),
    "info": ("ℹ", "INFO", "$primary"),
}
SEVERITY_RANK = {name: rank for rank, name in enumerate(("info", "low", "medium", "high", "critical"))}


def human_bytes(value: float | None) -> str:
    """``1.5 MB`` style (powers of 1000, as AWS bills); ``-`` for None."""
    return _scaled(value, _BYTE_UNITS, 1000.0, " ")


def human_count(value: float | None) -> str:
    """``12.3k`` style for counts; exact below 10,000."""
    if value is not None and abs(value) < 10_000:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return _scaled(value, _COUNT_UNITS, 1000.0, "")


def rounded_rate(value: float | None) -> str:
    """A rate to two significant digits (``46k``, ``1.2k``, ``85``): what it means, without a last
    digit that changes, and redraws a line, on every tick."""
    if value is None:
        return "-"
    if abs(value) < 10:
        return human_count(round(value, 1))
    magnitude = 10 ** max(0, len(str(int(abs(value)))) - 2)
    return human_count(round(value / magnitude) * magnitude)


def _scaled(value: float | None, units: tuple[str, ...], base: float, sep: str) -> str:
    if value is None:
        return "-"
    amount = float(value)
    for unit in units:
        if abs(amount) < base or unit == units[-1]:
            if unit == units[0]:
                return f"{amount:.0f}{sep}{unit}".rstrip()
            return f"{amount:.1f}{sep}{unit}"
        amount /= base
    raise AssertionError("unreachable")


def number(value: float) -> str:
    """A measure or threshold: integers without a fraction."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def duration(seconds: float | None) -> str:
    """``45s``, ``5m``, ``2m10s``, ``1h``, ``1h30m``; ``-`` for None."""
    if seconds is None:
        return "-"
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{secs}s" if secs else f"{minutes}m"
    return f"{secs}s"


def clock_time(epoch_s: float | None, utc: bool, with_date: bool = False) -> str:
    """``HH:MM:SS`` (optionally with the date) in UTC or local time; ``-`` for None."""
    if epoch_s is None:
        return "-"
    parts = time.gmtime(epoch_s) if utc else time.localtime(epoch_s)
    return time.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S", parts)


def zone_label(utc: bool) -> str:
    return "UTC" if utc else "local"


def severity(name: str) -> tuple[str, str, str]:
    """(glyph, LABEL, style) of a severity; unknown names are shown as they are, medium-styled."""
    return SEVERITY_STYLE.get(name, ("◆", name.upper(), "bold $warning"))
