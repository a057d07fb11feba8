"""The command palette's prompt is plain text: no emoji, whose width varies with the terminal."""

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
