"""The mute picker's explanation reads as one paragraph at 80 columns: a hard line break after
"chosen;" left that word alone on a line once the sentence wrapped."""

from __future__ import annotations

from tui.app.screens.mute import MuteScreen

from tests.app.conftest import ATTACK_LINES, NORMAL_LINES, build_app, feed, screen_lines


async def test_mute_explanation_wraps_as_one_paragraph_at_80x24():
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        await pilot.press("h")
        await pilot.press("s")
        assert isinstance(app.screen, MuteScreen)
        lines = [line.strip(" █▀▄│") for line in screen_lines(app)]
        text = " ".join(line for line in lines if line)
        assert "until the time chosen; the mute is journaled" in text, lines
        assert "chosen;" not in lines, lines  # never a line of its own
