"""Rich styles resolved from the current Textual theme, for DataTable cells (which are Rich
renderables and cannot refer to ``$error`` and friends themselves)."""

from __future__ import annotations

from rich.style import Style
from textual.color import Color
from textual.dom import DOMNode


def theme_style(node: DOMNode, variable: str, bold: bool = False) -> Style:
    """``$variable`` of the app's theme as a Rich style; bold only when it is missing."""
    value = node.app.theme_variables.get(variable)
    if value is None:
        return Style(bold=True)
    return Style(color=Color.parse(value).rich_color, bold=bold)
