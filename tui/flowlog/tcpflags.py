"""The ``tcp-flags`` bitmask: names and the label the UI shows.

Flow logs OR the flags over the aggregation interval and only log FIN, SYN, RST and SYN-ACK (ACK
or PSH alone read 0), so 3 is SYN+FIN and 19 is SYN-ACK+FIN on a short connection. A record with
SYN and no ACK (2 or 3) comes from the side that opened the connection.
"""

from __future__ import annotations

FLAG_BITS: tuple[tuple[str, int], ...] = (
    ("SYN", 2), ("ACK", 16), ("FIN", 1), ("RST", 4), ("PSH", 8), ("URG", 32), ("ECE", 64), ("CWR", 128),
)
"""Flag names with their bits, in display order (the opening handshake first)."""


def tcp_flags_names(bits: int | None) -> tuple[str, ...]:
    """``18`` -> ``("SYN", "ACK")``; 0 or None (``-``) -> ``()``."""
    if not bits:
        return ()
    return tuple(name for name, bit in FLAG_BITS if bits & bit)


def tcp_flags_label(bits: int | None) -> str:
    """``2`` -> ``SYN``, ``18`` -> ``SYN-ACK``, ``3`` -> ``SYN+FIN``, ``19`` -> ``SYN-ACK+FIN``; ``""`` for 0/None."""
    names = list(tcp_flags_names(bits))
    if "SYN" in names and "ACK" in names:
        names[:2] = ["SYN-ACK"]  # SYN and ACK are always first, by FLAG_BITS order
    return "+".join(names)
