"""Each key of the dashboard: pause/resume, the filter (valid and invalid patterns), top-N cycling,
records/bytes, UTC/local, quit, the command palette, and keys remapped in the config."""

from __future__ import annotations

import inspect
import os
import time

import pytest
from textual.command import CommandPalette

from tui.app.sample import sample_config
from tui.patterns import compile_pattern

from tests.app.conftest import (
    ALL_LINES,
    ATTACK_LINES,
    NORMAL_LINES,
    SIZE,
    SRCADDR,
    SRCPORT,
    build_app,
    fed_dashboard,
    feed,
    paste,
    rendered,
    row_dict,
    rows,
    screen_lines,
    title_text,
)

SSH_REJECTS = "[..., dstport=22, protocol, packets, bytes, start, end, action=REJECT, status]"


def flows(app):
    return app.screen.query_one("#flows")


def title(widget) -> str:
    return title_text(widget)


def shown_pairs(table) -> list[tuple[str, str]]:
    """(source, src port) of every row, top to bottom."""
    return [(row["source"], row["sport"]) for row in rows(table)]


def drawn_rows(app) -> list[str]:
    """The flows table's rows as drawn on the screen (below its top border)."""
    region = flows(app).region
    return screen_lines(app)[region.y + 1:region.bottom]


def expected_pairs(lines) -> list[tuple[str, str]]:
    """(source, src port) of ``lines``, newest first: what the flows table should show."""
    return [(line.split()[SRCADDR], line.split()[SRCPORT]) for line in reversed(lines)]


# -- space: pause and resume -----------------------------------------------------------------------


async def test_space_pauses_counts_new_lines_and_resumes_without_losing_the_window():
    app = build_app(sample_config(flows_rows=50))
    async with app.run_test(size=SIZE) as pilot:
        table = flows(app)
        await feed(pilot, NORMAL_LINES[:1000])
        assert shown_pairs(table) == expected_pairs(NORMAL_LINES[950:1000])
        assert "PAUSED" not in title(table)

        await pilot.press("space")
        assert table.paused
        assert "PAUSED" in title(table)
        assert "PAUSED" in rendered(app.screen.query_one("#status-clock"))
        frozen, frozen_screen = shown_pairs(table), drawn_rows(app)

        await feed(pilot, NORMAL_LINES[1000:1020])
        assert shown_pairs(table) == frozen  # the table does not move while paused
        assert drawn_rows(app) == frozen_screen
        assert "20 new" in title(table)
        await feed(pilot, NORMAL_LINES[1020:1030])
        assert shown_pairs(table) == frozen
        assert drawn_rows(app) == frozen_screen
        assert "30 new" in title(table)

        await pilot.press("space")
        assert not table.paused
        assert "PAUSED" not in title(table)
        assert "PAUSED" not in rendered(app.screen.query_one("#status-clock"))
        # caught up: exactly the engine's kept window, newest first, nothing skipped
        assert shown_pairs(table) == expected_pairs(NORMAL_LINES[980:1030])
        assert drawn_rows(app) != frozen_screen
        newest = NORMAL_LINES[1029].split()
        assert newest[SRCADDR] in drawn_rows(app)[1] and newest[SRCADDR + 1] in drawn_rows(app)[1]  # src, dst


async def test_resume_after_more_lines_than_the_window_shows_the_newest_window():
    app = build_app(sample_config(flows_rows=50))
    async with app.run_test(size=SIZE) as pilot:
        table = flows(app)
        await feed(pilot, NORMAL_LINES[:100])
        await pilot.press("space")
        for start in range(100, 400, 60):  # several ticks while paused
            await feed(pilot, NORMAL_LINES[start:start + 60])
        assert "300 new" in title(table)
        assert shown_pairs(table) == expected_pairs(NORMAL_LINES[50:100])
        await pilot.press("space")
        assert shown_pairs(table) == expected_pairs(NORMAL_LINES[350:400])
        await feed(pilot, NORMAL_LINES[400:405])  # and it follows again
        assert shown_pairs(table) == expected_pairs(NORMAL_LINES[355:405])


# -- /: the filter ---------------------------------------------------------------------------------


async def test_slash_opens_the_filter_bar_and_focuses_its_input():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        bar = app.screen.query_one("#filter-bar")
        assert bar.display is False
        await pilot.press("slash")
        assert bar.display is True
        assert bar.region.height >= 1
        assert app.focused is app.screen.query_one("#filter-input")


@pytest.mark.parametrize("text", ["REJECT", SSH_REJECTS])
async def test_a_valid_pattern_shows_the_hint_and_enter_narrows_the_table(text):
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, ALL_LINES)
        table = flows(app)
        before = table.row_count
        pattern = compile_pattern(text)
        # every record the session holds is searched, not only the table's rows: the newest matches
        held = [line for line in ALL_LINES if pattern.matches(line)]
        expected = held[-before:]
        assert 0 < len([line for line in ALL_LINES[-before:] if pattern.matches(line)]) < before

        await pilot.press("slash")
        filter_input = app.screen.query_one("#filter-input")
        if len(text) < 10:
            await pilot.press(*text)
        else:  # a long pattern is pasted after its first keys
            await pilot.press(*text[:3])
            await paste(pilot, text[3:])
        assert filter_input.value == text
        hint = rendered(app.screen.query_one("#filter-error"))
        assert "valid" in hint and "column" not in hint
        assert table.row_count == before  # not applied before enter

        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == len(expected)
        assert shown_pairs(table) == expected_pairs(expected)
        assert f"{len(held):,} matched since start" in title(table)
        for row in rows(table):
            assert "REJECT" in row["action"]
            if text == SSH_REJECTS:
                assert row["dport"].split()[0] == "22"
        assert "filter" in title(table) and text[:20] in title(table)
        assert app.focused is table

        # lines arriving later are filtered too: the newest match is on top
        later = NORMAL_LINES[:100]
        await feed(pilot, later)
        newest = [line for line in later if pattern.matches(line)][-1]
        assert shown_pairs(table)[0] == expected_pairs([newest])[0]
        assert all("REJECT" in row["action"] for row in rows(table))


async def test_an_invalid_pattern_shows_its_column_and_is_not_applied():
    async with fed_dashboard() as (app, pilot):
        table = flows(app)
        before = table.row_count
        filter_input = app.screen.query_one("#filter-input")
        await pilot.press("slash")
        for text, column, typed in [("[a, b=", 7, True), ("{ $.x = ", 9, False)]:
            filter_input.value = ""
            await pilot.pause()
            if typed:
                await pilot.press(*text)
            else:
                await paste(pilot, text)
            assert filter_input.value == text
            error = rendered(app.screen.query_one("#filter-error"))
            assert f"column {column}" in error
            assert "^" in error
            assert "valid pattern" not in error
            await pilot.press("enter")
            assert table.row_count == before
            assert table.pattern_text == ""
            assert "filter" not in title(table)
            assert app.screen.query_one("#filter-bar").display is True  # left open to fix it
            assert app.focused is filter_input
            assert f"column {column}" in rendered(app.screen.query_one("#filter-error"))


async def test_escape_closes_the_bar_unapplied_then_clears_an_applied_filter():
    async with fed_dashboard() as (app, pilot):
        table = flows(app)
        before = table.row_count
        bar = app.screen.query_one("#filter-bar")
        # escape while typing: the bar closes, nothing is applied
        await pilot.press("slash")
        await paste(pilot, "REJECT")
        await pilot.press("escape")
        assert bar.display is False
        assert table.row_count == before
        assert app.focused is table
        # applied, then escape: the filter is removed and every row comes back
        await pilot.press("slash")
        assert app.screen.query_one("#filter-input").value == ""
        await paste(pilot, "REJECT")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.pattern_text == "REJECT"
        assert all("REJECT" in row["action"] for row in rows(table))
        await pilot.press("escape")
        assert table.row_count == before
        assert table.pattern_text == ""
        assert "filter" not in title(table)
        assert bar.display is False
        assert shown_pairs(table) == expected_pairs(ALL_LINES[-before:])


async def test_filter_bar_placeholder_examples_are_valid_patterns():
    """The examples the filter input shows must be patterns the filter accepts."""
    app = build_app()
    async with app.run_test(size=SIZE):
        placeholder = app.screen.query_one("#filter-input").placeholder
        examples = [part.strip() for part in placeholder.split(":", 1)[1].split(", ", 2)]
        assert examples, placeholder
        for example in examples:
            compile_pattern(example)


# -- n, b: top-N -----------------------------------------------------------------------------------

DIMENSIONS = [("source", "srcaddr"), ("destination", "dstaddr"), ("port", "dstport"), ("protocol", "protocol"),
              ("ENI", "interface-id")]


async def test_n_cycles_the_top_n_dimension():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        top = app.screen.query_one("#top")
        tops = app.snapshot.engine.stats.top_records
        for index, (word, dimension) in enumerate([*DIMENSIONS, DIMENSIONS[0]]):
            if index:
                await pilot.press("n")
            assert word in title(top), (word, title(top))
            assert "records" in title(top)
            best = tops[dimension][0][0]
            first = row_dict(top, 0)["key"]
            assert first.split()[0] == best, (dimension, first, best)
            if dimension == "protocol":
                assert first == "6 TCP"
            if dimension == "dstport":
                assert first == "443 https"
        assert top.row_count == 10


async def test_b_toggles_records_and_bytes():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        top = app.screen.query_one("#top")
        by_records = row_dict(top, 0)
        assert "records" in title(top)
        await pilot.press("b")
        assert "bytes" in title(top) and "records" not in title(top)
        by_bytes = row_dict(top, 0)
        assert by_bytes["key"] == app.snapshot.engine.stats.top_bytes["srcaddr"][0][0]
        assert by_bytes["weight"].endswith("B")  # a size, not a count
        assert not by_records["weight"].endswith("B")
        await pilot.press("b")
        assert "records" in title(top)
        assert row_dict(top, 0) == by_records


# -- t: UTC / local --------------------------------------------------------------------------------


@pytest.fixture
def local_zone():
    """A local zone 5h30 east of UTC (POSIX rule, no tzdata needed)."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "XST-5:30"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


async def test_t_switches_the_clock_between_utc_and_local(local_zone):
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        clock = app.screen.query_one("#status-clock")
        now = app.now()
        utc_time = time.strftime("%H:%M:%S", time.gmtime(now))
        local_time = time.strftime("%H:%M:%S", time.localtime(now))
        assert utc_time != local_time
        assert f"{utc_time} UTC" in rendered(clock)
        newest = NORMAL_LINES[-1].split()[10]
        assert row_dict(flows(app), 0)["time"] == time.strftime("%H:%M:%S", time.gmtime(int(newest)))

        await pilot.press("t")
        assert f"{local_time} local" in rendered(clock)
        assert "UTC" not in rendered(clock)
        assert row_dict(flows(app), 0)["time"] == time.strftime("%H:%M:%S", time.localtime(int(newest)))

        await pilot.press("t")
        assert f"{utc_time} UTC" in rendered(clock)


# -- q: quit ---------------------------------------------------------------------------------------


async def test_q_exits_the_app():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:10])
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


# -- ctrl+p: the command palette -------------------------------------------------------------------


async def test_palette_lists_a_command_for_every_dashboard_key():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])  # alarms, so "ack" is enabled
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        for description, key in [("Pause", "space"), ("Filter", "/"), ("Ack", "a"), ("History", "h"),
                                 ("Top-N", "n"), ("Bytes", "b"), ("UTC/local", "t")]:
            matching = [t for t in titles if t.startswith(description)]
            assert matching, (description, titles)
            assert key in matching[0].lower() or key in matching[0], matching
        assert any("Keys" in t or "help" in t.lower() for t in titles)
        assert len(titles) == len(set(titles))  # no duplicates

        # a generated command runs its action
        top_next = next(c for c in commands if c.title.startswith("Top-N"))
        result = top_next.callback()
        if inspect.isawaitable(result):
            await result
        await pilot.pause()
        assert "destination" in title(app.screen.query_one("#top"))


async def test_ctrl_p_opens_the_palette_and_escape_closes_it():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:10])
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        assert app.screen is app.dashboard


# -- keymap from the config ------------------------------------------------------------------------


async def test_keymap_remaps_pause_to_p():
    config = sample_config(keys={"pause": "p"})
    assert dict(config.display.keys) == {"pause": "p"}
    app = build_app(config)
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:100])
        table = flows(app)
        await pilot.press("space")
        assert not table.paused
        assert "PAUSED" not in title(table)
        await pilot.press("p")
        assert table.paused
        assert "PAUSED" in title(table)
        await pilot.press("space")
        assert table.paused
        await pilot.press("p")
        assert not table.paused
        # the help screen and the palette name the new key
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Pause (p)" in commands, commands
        await pilot.press("question_mark")
        help_rows = rows(app.screen.query_one("#help-table"))
        keys = {row["what it does"].split(":")[0]: row["key"] for row in help_rows}
        assert keys["Pause"] == "p"
        assert keys["Filter"] == "/"


async def test_keymap_remaps_ack_and_the_banner_names_the_new_key():
    app = build_app(sample_config(keys={"ack": "x"}))
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        banner = app.screen.query_one("#alert-banner")
        assert banner.display
        assert "x: acknowledge" in rendered(banner) or "[x] acknowledge" in rendered(banner)
        await pilot.press("a")
        assert banner.display
        await pilot.press("x")
        assert not banner.display


async def test_a_key_remapped_in_the_config_is_not_shadowed_by_the_flows_table():
    app = build_app(sample_config(keys={"ack": "k"}))
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        banner = app.screen.query_one("#alert-banner")
        assert "k: acknowledge" in rendered(banner) or "[k] acknowledge" in rendered(banner)
        await pilot.press("k")
        assert not banner.display
