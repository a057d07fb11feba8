"""The keys screen as a user reads it: the screen's own keys on top (not a table's thirteen cursor
keys), and every place named in words, never by a Python class name."""

from __future__ import annotations

import re

import pytest

from tui.app.screens.help import HelpScreen
from tui.app.widgets.rules_panel import RulesPanel

from tests.app.conftest import ALL_LINES, build_app, feed, rows, screen_lines

CLASS_NAME = re.compile(r"\b[A-Z][a-z]+[A-Z]\w*")  # RulesPanel, InvestigateS…


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_keys_screen_puts_the_screens_own_keys_first_and_names_places_in_words(size):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        app.screen.query_one(RulesPanel).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = rows(app.screen.query_one("#help-table"))
        places = {row["where"] for row in listed}
        assert not [place for place in places if CLASS_NAME.search(place)], places
        first = [row["what it does"] for row in listed[:3]]
        assert not [what for what in first if what.startswith("Cursor")], first
        shown = "\n".join(screen_lines(app))
        assert "Pause" in shown and "RulesPanel" not in shown
