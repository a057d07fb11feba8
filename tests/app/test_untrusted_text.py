"""Untrusted text: markup and escape sequences in log lines are shown literally, control characters
replaced, in the flows table, the detail view, the banner, the history, the top-N and notifications.

Everything is checked on what the compositor would write to the terminal (the segments of the
rendered screen) and on the SVG export, not only on widget state.
"""

from __future__ import annotations

import html

from tui.app.safe import REPLACEMENT, safe_text
from tui.app.sample import T0, FrozenClock, sample_config
from tui.app.screens.detail import DetailScreen
from tui.app.screens.history import HistoryScreen

from tests.app.conftest import (
    WIDE,
    build_app,
    feed,
    paste,
    rendered,
    row_dict,
    rows,
    rule,
    screen_lines,
    title_text,
    with_rules,
)

SRC = "[red]\x1b[31mevil"  # markup + CSI
DST = "[/]"  # a closing tag with nothing open
ACCOUNT = "[bold]x"
ENI = "[$accent]\x1b]0;title\x07"  # a theme variable + OSC "set window title" ended by BEL
MALFORMED = "garbage [red]x\x1b[2J [/] [$accent] \x9b31m"  # clear screen, and C1 CSI

MARKUP = ("[red]", "[/]", "[$accent]", "[bold]x")


def evil(i: int) -> str:
    t = T0 + i
    return f"2 {ACCOUNT} {ENI} {SRC} {DST} {40000 + i} 22 6 2 120 {t} {t + 60} REJECT OK"


def config():
    return with_rules(sample_config(), rule("reject-by-source", "REJECT", 3, group_by=("srcaddr",)))


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def no_control(text: str) -> None:
    bad = [hex(ord(c)) for c in text if ord(c) < 0x20 and c != "\n" or 0x7F <= ord(c) < 0xA0 or c in BIDI]
    assert not bad, bad


def check_screen(app, *expected: str) -> str:
    """The screen's text: every ``expected`` string present literally, no control character in
    any segment; the SVG export agrees."""
    lines = screen_lines(app)
    for line in lines:
        no_control(line)
    text = "\n".join(lines)
    for item in expected:
        assert item in text, (item, text)
    svg = app.export_screenshot()
    assert "\x1b" not in svg and "\x9b" not in svg and "\x07" not in svg
    for item in expected:
        assert html.escape(item) in svg.replace("&#160;", " "), item
    return text


async def test_markup_and_escapes_in_records_are_shown_literally_everywhere():
    app = build_app(config(), clock=FrozenClock(T0 + 10))
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await feed(pilot, [evil(i) for i in range(5)] + [MALFORMED])
        assert app.snapshot.engine.malformed == 1

        # the flows table: cells are the sanitised text, literally
        table = app.screen.query_one("#flows")
        assert table.row_count == 6
        bad = row_dict(table, 0)
        assert "? " in bad["action"] or "BAD" in bad["action"]
        assert any("garbage [red]x" in value for value in bad.values())
        good = row_dict(table, 1)
        assert good["source"] == safe_text(SRC)
        assert good["destination"] == "[/]"
        for row in rows(table):
            for value in row.values():
                no_control(value)
        # the banner: the group is the attacker's text
        banner = app.screen.query_one("#alert-banner")
        assert banner.display
        assert f"srcaddr={safe_text(SRC)}" in rendered(banner)
        no_control(rendered(banner))
        # the whole dashboard as drawn (flows, banner, rules' top group, top-N sources)
        text = check_screen(app, "[red]", "[/]", "[$accent]", f"{safe_text(SRC)}", "garbage [red]x")
        assert REPLACEMENT in text
        assert "evil" in text

        # the detail view of a record
        await pilot.press("down", "enter")
        assert isinstance(app.screen, DetailScreen)
        fields = {row["field"]: row["value"] for row in rows(app.screen.query_one("#detail-fields"))}
        assert fields["srcaddr"] == safe_text(SRC)
        assert fields["account-id"] == ACCOUNT
        assert fields["interface-id"] == safe_text(ENI)
        check_screen(app, *MARKUP, safe_text(SRC), safe_text(ENI))
        await pilot.press("escape")

        # the detail view of the malformed line
        await pilot.press("up", "enter")
        assert isinstance(app.screen, DetailScreen)
        check_screen(app, "malformed", safe_text(MALFORMED))
        await pilot.press("escape")

        # the history: group and samples
        await pilot.press("h")
        assert isinstance(app.screen, HistoryScreen)
        check_screen(app, f"srcaddr={safe_text(SRC)}", f"REJECT {safe_text(SRC)}:40000 → ")  # samples decoded

        # a notification carrying the group (acknowledging from the history names no group, so ack
        # from the dashboard and check the toast)
        await pilot.press("escape", "a")
        check_screen(app, "Acknowledged 1")


async def test_top_n_panel_shows_attacker_addresses_literally():
    app = build_app(config())
    async with app.run_test(size=WIDE) as pilot:
        await feed(pilot, [evil(i) for i in range(5)])
        top = app.screen.query_one("#top")
        assert row_dict(top, 0)["key"] == safe_text(SRC)
        await pilot.press("n")
        assert row_dict(top, 0)["key"] == "[/]"
        for _ in range(3):
            await pilot.press("n")
        assert row_dict(top, 0)["key"] == safe_text(ENI)
        check_screen(app, "[$accent]")


async def test_filter_pattern_with_markup_is_shown_literally():
    app = build_app(config())
    async with app.run_test(size=WIDE) as pilot:
        await feed(pilot, [evil(i) for i in range(5)] + ["2 1 e 1.2.3.4 5.6.7.8 1 2 6 1 1 1 1 ACCEPT OK"])
        await pilot.press("slash")
        await paste(pilot, '"[/]"')
        await pilot.press("enter")
        table = app.screen.query_one("#flows")
        assert table.pattern_text == '"[/]"'
        assert table.row_count == 5
        assert '"[/]"' in title_text(table)
        check_screen(app, '"[/]"')


async def test_mute_notification_has_no_control_characters():
    app = build_app(config(), clock=FrozenClock(T0 + 10))
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await feed(pilot, [evil(i) for i in range(5)])
        await pilot.press("h", "s")
        check_screen(app, "[red]")  # the mute picker names the group
        await pilot.press("1")
        messages = [str(n.message) for n in app._notifications]
        assert any("Muted" in m and "[red]" in m for m in messages), messages
        for message in messages:
            no_control(message)
        check_screen(app, "Muted", "[red]")


def bidi(i: int) -> str:
    """A record whose source address reads backwards on a terminal that does bidi (U+202E), with
    every other bidirectional control in the account and the interface."""
    t = T0 + i
    return f"2 1234\u2066{BIDI}56 eni-1\u202d2 10.0.0.1\u202e1.1.01 10.0.14.100 {40000 + i} 22 6 2 120 {t} {t + 60} REJECT OK"


async def test_bidirectional_controls_reach_no_view():
    """Overrides, embeddings, isolates and marks are replaced like control characters in the flows
    table, the detail view and the history (the one sanitiser of tui.text)."""
    app = build_app(config(), clock=FrozenClock(T0 + 10))
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await feed(pilot, [bidi(i) for i in range(5)])
        table = app.screen.query_one("#flows")
        assert table.row_count == 5
        assert row_dict(table, 0)["source"] == f"10.0.0.1{REPLACEMENT}1.1.01"
        for row in rows(table):
            for value in row.values():
                no_control(value)
        check_screen(app, f"10.0.0.1{REPLACEMENT}1.1.01")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailScreen)
        check_screen(app, f"eni-1{REPLACEMENT}2")
        await pilot.press("escape", "h")
        assert isinstance(app.screen, HistoryScreen)
        check_screen(app, f"srcaddr=10.0.0.1{REPLACEMENT}1.1.01")
