"""The command palette's prompt is plain text (no emoji, whose width varies with the terminal); a
replay without rules says so on screen."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.app.conftest import build_app, screen_text


async def test_the_palette_prompt_is_plain_text():
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        text = screen_text(app)
        assert "🔎" not in text and all(ord(char) < 0x1F000 for char in text)
        assert ">" in text


async def test_without_rules_the_rules_panel_says_none_are_loaded():
    """`flowtail replay FILE` without -c: the screen says why no alarm can come."""
    from tui.app.sample import sample_config
    from tui.app.widgets.rules_panel import RulesPanel

    from tests.app.conftest import feed, title_text, with_rules

    app = build_app(with_rules(sample_config()))
    async with app.run_test(size=(80, 24)) as pilot:
        await feed(pilot)
        assert "none loaded (no -c CONFIG)" in title_text(app.screen.query_one(RulesPanel))
        assert "none loaded" in screen_text(app)
