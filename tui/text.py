"""The one sanitiser for attacker-controlled text on its way to a reader: a terminal, a table cell,
an SNS message.

Flow-log fields, messages, group values and alert samples come from the network. Control characters
(C0 with tab and line breaks, DEL, C1: an ESC can drive the terminal) and the Unicode bidirectional
controls (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069, the marks U+200E, U+200F and
U+061C: they make a terminal that does bidi show text in another order than it is stored in, so an
address can be made to read backwards), and the line and paragraph separators U+2028/U+2029, never
reach a reader as they are: every view replaces or removes them through :func:`strip_controls`.
"""

from __future__ import annotations

import re

CONTROLS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
"""The characters no view shows as they are, as a regular-expression character range."""

_CONTROL = re.compile(f"[{CONTROLS}]")
_SPACING = str.maketrans("\t\n\v\f\r", "     ")


def strip_controls(text: str, replacement: str = "") -> str:
    """``text`` with every character of :data:`CONTROLS` replaced by ``replacement`` (removed by
    default; the UI puts U+FFFD, so that tampering stays visible)."""
    if text.isprintable():  # none of them is printable: the common case costs one scan
        return text
    return _CONTROL.sub(replacement, text)


def one_line(text: str) -> str:
    """``text`` as one line for a plain-text channel: tabs and line breaks become spaces, the other
    controls go."""
    return strip_controls(text.translate(_SPACING))
