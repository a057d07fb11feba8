"""The footer never draws a key cut: at 80 columns the dashboard's keys overflowed and `? Keys`,
pinned right, was drawn over `o Order` ("e Errors o Orde? Keys", and with a filter set
"e Err? KeysO"). A key that does not fit whole is hidden instead, with every key after it."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tui.app.widgets.footer import KeysFooter

from tests.app.conftest import ALL_LINES, build_app, feed, footer_line, paste


def footer_labels(app) -> list[tuple[str, bool]]:
    footer = app.screen.query_one(KeysFooter)
    return [(key.render().plain.strip(), key.display) for key in footer.query(FooterKey)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("with_filter", [False, True])
async def test_every_footer_key_is_whole_or_hidden(size, with_filter):
    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        if with_filter:
            await pilot.press("slash")
            await paste(pilot, "REJECT")
            await pilot.press("enter")
        await pilot.pause()
        line = await footer_line(pilot, "? Keys")
        labels = footer_labels(app)
        assert line.startswith("q Quit") and line.rstrip().endswith("? Keys"), line
        for label, shown in labels:
            assert (f"{label} " in line + " ") == shown, (label, shown, line)
        hidden = [label for label, shown in labels if not shown]
        # With a filter set (its Clear key too), 80 columns cannot hold them all: the case is met.
        assert size[0] > 80 or not with_filter or hidden, labels


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_footer_names_what_enter_opens(size):
    """`enter` on a rule's group or an alert lists its evidence, on a record shows it in full: the
    footers said neither, so the screens' main action was found only by trying."""
    from tui.app.widgets.rules_panel import RulesPanel

    app = build_app()
    async with app.run_test(size=size) as pilot:
        await feed(pilot, ALL_LINES)
        app.screen.query_one(RulesPanel).focus()
        await pilot.press("enter")
        assert "⏎ Evidence" in await footer_line(pilot, "⏎ Evidence")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "⏎ Record" in await footer_line(pilot, "⏎ Record")
        await pilot.press("escape", "escape", "h")
        await pilot.pause()
        assert "⏎ Evidence" in await footer_line(pilot, "⏎ Evidence")
