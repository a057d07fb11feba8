"""How one raw record token becomes a typed value, per field kind.

This is the single definition of the conversion: ``FlowRecord`` applies it on access and
``FlowFormat.converter`` hands the same functions to the rule engine's code generator.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Mapping

ABSENT = "-"
"""AWS writes ``-`` for "not applicable or could not be computed": absent, never 0."""

MILLISECONDS_ABOVE = 10**11
"""Epoch values above this are milliseconds (10**11 s is the year 5138; 10**11 ms is 1973)."""

NUMERIC_KINDS = frozenset({"int", "epoch"})

Value = int | str | None
Converter = Callable[[str], Value]


NUMBER_DIGITS_LIMIT = 600
"""A numeric token has fewer digits than this (``int()`` refuses more than
``sys.get_int_max_str_digits()``, never below 640; a 64-bit count has 20)."""


def is_numeric_token(token: str) -> bool:
    """True when a numeric field may hold ``token``: ``-`` or ASCII digits (fewer than NUMBER_DIGITS_LIMIT).

    Stricter than ``int()``, which would also take ``+5``, ``1_000`` and non-ASCII digits.
    """
    return token == ABSENT or (token.isascii() and token.isdigit() and len(token) < NUMBER_DIGITS_LIMIT)


def to_int(token: str) -> int | None:
    """An ``int`` field: ``-`` is None, and so is a token that is no number (``abc``, ``+5``: it could
    not be read; the record's message keeps the text)."""
    return int(token) if token != ABSENT and is_numeric_token(token) else None


def epoch_seconds(value: int) -> int:
    """Unix seconds from a ``start``/``end`` value; millisecond values (seen in the wild) are scaled down."""
    return value // 1000 if value > MILLISECONDS_ABOVE else value


def to_epoch(token: str) -> int | None:
    """An ``epoch`` field: like ``int``, normalised to Unix seconds."""
    value = to_int(token)
    return None if value is None else epoch_seconds(value)


def to_text(token: str) -> str | None:
    """A ``str`` or ``ip`` field: the token itself, ``-`` as None."""
    return None if token == ABSENT else token


CONVERTERS: Mapping[str, Converter] = MappingProxyType(
    {"int": to_int, "epoch": to_epoch, "str": to_text, "ip": to_text}
)
