"""Counts in words: ``1 alarm``, ``2 alarms``, ``1 match``, ``3 matches``."""

from __future__ import annotations


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, the noun in the plural (``plural``, else noun + s) unless the number is 1."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {plural or noun + 's'}"
