"""What counts as a number in a field, a JSON document or a pattern, and its exact value."""

from __future__ import annotations

import re
from decimal import Decimal

# ASCII digits only: `int()` and `float()` would also accept '٢', '1_000', 'inf' and surrounding spaces.
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def to_decimal(text: str) -> Decimal:
    """The exact value of a numeric literal (one NUMBER matches, or JSON accepts).

    Decimal keeps 64-bit ids and `1 = 1.0 = 1e0` exact; an exponent beyond Decimal's range
    becomes an infinity, as a float would.
    """
    try:
        return Decimal(text)
    except ArithmeticError:
        return Decimal(float(text))


def parse_number(text: str) -> Decimal | None:
    """The value of `text` if the whole of it is a number, else None."""
    return to_decimal(text) if NUMBER.fullmatch(text) else None
