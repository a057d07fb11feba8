"""Where attacker-controlled text is made safe to display in the UI.

Flow-log messages, field values, group labels and alert samples come from the network. Before any of
it reaches a widget it goes through :func:`safe_text` (control characters out by the one sanitiser,
:func:`tui.text.strip_controls`; length capped) and is wrapped in a ``Text``/``Content`` object, never
parsed as markup. Textual strips only BEL, BS, VT, FF and CR itself; ESC, the rest of C0, DEL, C1
and the bidirectional controls would reach the terminal verbatim.
"""

from __future__ import annotations

from rich.text import Text

from tui.text import strip_controls

DEFAULT_LIMIT = 1000
REPLACEMENT = "\ufffd"



def safe_text(value: object, limit: int = DEFAULT_LIMIT) -> str:
    """``value`` as a printable one-line string of at most ``limit`` characters (``…`` marks a cut)."""
    text = "-" if value is None else str(value)
    if len(text) > limit:
        text = text[: max(0, limit - 1)] + "…"
    # Controls (tab included: it would misalign table cells) become U+FFFD, so that a stripped escape
    # sequence or bidi override stays visible as tampering rather than silently vanishing.
    return strip_controls(text, REPLACEMENT)


def plain_text(value: object, style: str = "", limit: int = DEFAULT_LIMIT) -> Text:
    """A Rich ``Text`` for DataTable cells: the sanitised value, never read as markup."""
    return Text(safe_text(value, limit), style=style, no_wrap=True, overflow="ellipsis")
