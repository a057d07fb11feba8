"""The alert banner (appears when the engine raises an alert, acknowledge, new episodes, the bell),
the alert book behind it, and the error banner."""

from __future__ import annotations

import dataclasses
import re

from tui.app.alertbook import AlertBook
from tui.app.sample import BASTION, BRUTE, WEB, FrozenClock, record, sample_config
from tui.config.schema import BellConfig
from tui.rules.alerts import Alert

from tests.app.conftest import (
    ATTACK_LINES,
    END,
    NORMAL_LINES,
    SIZE,
    build_app,
    feed,
    rendered,
    screen_lines,
    title_text,
)


def banner(app):
    return app.screen.query_one("#alert-banner")


def brute_burst(start: int, count: int = 25) -> list[str]:
    """An SSH brute force from BRUTE: ``count`` rejected connections to port 22, one a second."""
    return [record(start + i, BRUTE, WEB, 50000 + i, 22, 6, 2, 120, "REJECT") for i in range(count)]


def quiet_line(t: int) -> str:
    """One accepted flow at ``t``: moves the engine's watermark (and so clears old alarms)."""
    return record(t, "10.0.1.1", "10.0.1.2", 40000, 443, 6, 10, 1000, "ACCEPT")


# -- the banner in the app -------------------------------------------------------------------------


async def test_banner_hidden_without_alarms_then_appears_when_the_engine_raises_one():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        assert app.snapshot.engine.alerts == ()
        assert banner(app).display is False
        assert banner(app).region.area == 0

        await feed(pilot, ATTACK_LINES)  # the engine raises three alarms
        assert {alert.rule for alert in app.snapshot.engine.alerts} == {"bastion-http-reject", "ssh-brute-force", "port-scan"}
        shown = banner(app)
        assert shown.display is True
        assert shown.region.height >= 1
        text = rendered(shown)
        # the most severe alarm: rule, group, value against threshold, severity as a word
        assert "ssh-brute-force" in text
        assert BRUTE in text
        assert re.search(r"\b20\b\D{1,6}\b20\b", text), text  # value 20 against threshold 20
        assert "CRITICAL" in text
        # ... and how many others are active
        assert re.search(r"\+2\b", text), text
        # and it is drawn on the screen, under the status line
        drawn = "".join(screen_lines(app)[shown.region.y:shown.region.bottom])
        assert "ssh-brute-force" in drawn and "CRITICAL" in drawn and BRUTE in drawn


async def test_banner_names_the_group_of_a_single_alarm_without_a_count():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        bastion = [line for line in ATTACK_LINES if f" {BASTION} " in line]
        assert len(bastion) == 4
        await feed(pilot, bastion)
        text = rendered(banner(app))
        assert banner(app).display
        assert "bastion-http-reject" in text and BASTION in text and "HIGH" in text
        assert re.search(r"\b3\b\D{1,6}\b3\b", text), text
        assert "more" not in text and "+" not in text


async def test_a_acknowledges_and_hides_the_banner():
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        assert banner(app).display
        await pilot.press("a")
        assert banner(app).display is False
        assert app.alerts.shown == []
        assert len(app.alerts.active) == 3  # acknowledged, still alarming
        assert any("Acknowledged 3" in str(n.message) for n in app._notifications)
        await feed(pilot)  # the next tick does not bring it back
        assert banner(app).display is False


async def test_a_new_alarm_episode_after_the_pair_clears_shows_again():
    app = build_app(clock=FrozenClock(END + 600))
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        await pilot.press("a")
        assert banner(app).display is False

        await feed(pilot, [quiet_line(END + 600)])  # every window has moved past the attacks
        assert app.alerts.active == []
        assert [a.state for a in app.snapshot.engine.alerts[-3:]] == ["OK", "OK", "OK"]
        assert banner(app).display is False

        await feed(pilot, brute_burst(END + 700))  # the same (rule, group) alarms again
        assert banner(app).display is True
        text = rendered(banner(app))
        assert "ssh-brute-force" in text and BRUTE in text
        assert "more" not in text


async def test_ack_key_is_disabled_without_alarms_and_does_nothing():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        assert app.screen.check_action("ack", ()) is not True
        await pilot.press("a")
        assert banner(app).display is False
        assert app.is_running


async def test_bell_rings_for_new_alarms_only_when_enabled(monkeypatch):
    app = build_app(sample_config(bell=True), clock=FrozenClock(END + 600))
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES)
        assert rings == []
        await feed(pilot, ATTACK_LINES)
        assert len(rings) == 1  # one ring for the tick that raised them
        await feed(pilot)
        await feed(pilot, [line for line in NORMAL_LINES[-5:]])
        assert len(rings) == 1  # the same alarms do not ring again
        await pilot.press("a")
        await feed(pilot, [quiet_line(END + 600)])  # clears
        assert len(rings) == 1
        await feed(pilot, brute_burst(END + 700))  # a new episode rings
        assert len(rings) == 2


async def rings_for_the_attack(config, monkeypatch) -> int:
    """How many times the terminal bell rings while the dashboard takes the sample attack."""
    app = build_app(config)
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, [*NORMAL_LINES, *ATTACK_LINES])
        assert banner(app).display
        return len(rings)


async def test_bell_silent_when_disabled(monkeypatch):
    config = sample_config(bell=False)
    assert config.display.bell is False
    assert await rings_for_the_attack(config, monkeypatch) == 0


async def test_bell_rings_for_the_rules_that_notify_the_bell_notifier(monkeypatch):
    base = sample_config(bell=False)
    ssh_rings = tuple(dataclasses.replace(r, notify=("bell",)) if r.name == "ssh-brute-force" else r for r in base.rules)
    for rules, expected in ((ssh_rings, 1), (base.rules, 0)):
        config = dataclasses.replace(base, rules=rules, notifiers={"bell": BellConfig()})
        assert await rings_for_the_attack(config, monkeypatch) == expected


# -- the error banner ------------------------------------------------------------------------------


async def test_error_banner_shows_the_feeders_error_and_the_app_keeps_running():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await feed(pilot, NORMAL_LINES[:100])
        error_banner = app.screen.query_one("#error-banner")
        assert error_banner.display is False
        app.session.error = "boom"
        app.session.finished = True
        await feed(pilot)
        assert error_banner.display is True
        assert error_banner.region.height >= 1
        assert "boom" in rendered(error_banner)
        assert "ERROR" in rendered(error_banner)
        assert app.is_running
        assert app.screen.query_one("#flows").row_count == 100  # what was read before is kept
        await pilot.press("n")  # still responsive
        assert "destination" in title_text(app.screen.query_one("#top"))


async def test_error_banner_text_is_not_markup():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        app.session.error = "OSError: [red]denied[/] \x1b[2J [$accent]"
        await feed(pilot)
        text = rendered(app.screen.query_one("#error-banner"))
        assert "[red]denied[/]" in text and "[$accent]" in text
        assert "\x1b" not in text


# -- the alert book --------------------------------------------------------------------------------


def alarm(rule: str, group: str, t_ms: int, severity: str = "medium", state: str = "ALARM",
          episode_start: int | None = None) -> Alert:
    """An ALARM starts its episode at ``t_ms``; an OK names the episode it ends (``episode_start``)."""
    return Alert(rule=rule, state=state, group={"srcaddr": group}, value=5, threshold=5, window_s=60,
                 measure="count", time_ms=t_ms, first_ms=t_ms, last_ms=t_ms, severity=severity,
                 episode_start_ms=t_ms if episode_start is None else episode_start)


def test_alertbook_new_alarms_are_returned_once_most_severe_first():
    book = AlertBook(FrozenClock(100.0))
    first = alarm("scan", "a", 1000, "medium")
    second = alarm("brute", "b", 2000, "critical")
    assert book.update([first]) == [first]
    assert book.update([first]) == []
    assert book.update([first, second]) == [second]
    assert book.shown == [second, first]
    assert book.active == [second, first]


def test_alertbook_acknowledge_hides_until_a_new_episode():
    book = AlertBook(FrozenClock(100.0))
    first = alarm("scan", "a", 1000)
    book.update([first])
    assert book.acknowledge() == 1
    assert book.shown == []
    assert book.status(first) == "acked"
    assert book.acknowledge() == 0
    cleared = alarm("scan", "a", 5000, state="OK", episode_start=1000)
    assert book.update([first, cleared]) == []
    assert book.active == []
    again = alarm("scan", "a", 9000)
    assert book.update([first, cleared, again]) == [again]
    assert book.shown == [again]
    assert book.status(again) == ""


def test_alertbook_late_burst_of_an_old_episode_leaves_the_current_one_active():
    """A late burst alarms and clears at once after the current episode's ALARM: the pair's latest
    transition is an OK, but the current episode is still open."""
    book = AlertBook(FrozenClock(100.0))
    current = alarm("scan", "a", 9000)
    late_alarm = alarm("scan", "a", 1000)
    late_ok = alarm("scan", "a", 1500, state="OK", episode_start=1000)
    book.update([current, late_alarm, late_ok])
    assert book.active == [current]


def test_alertbook_acknowledge_selected_only():
    book = AlertBook(FrozenClock(100.0))
    a, b = alarm("scan", "a", 1000), alarm("scan", "b", 1000)
    book.update([a, b])
    assert book.acknowledge([a]) == 1
    assert book.shown == [b]


def test_alertbook_snooze_hides_a_pair_until_the_clock_passes():
    clock = FrozenClock(100.0)
    book = AlertBook(clock)
    first = alarm("scan", "a", 1000)
    book.update([first])
    book.snooze(("scan", "srcaddr=a"), 60)
    assert book.shown == []
    assert book.status(first) == "muted"
    assert book.muted == [(("scan", "srcaddr=a"), 160.0)]
    cleared, again = alarm("scan", "a", 2000, state="OK", episode_start=1000), alarm("scan", "a", 3000)
    assert book.update([first, cleared, again]) == []  # a new episode while snoozed does not ring
    assert book.shown == []
    clock.now = 161.0
    assert book.shown == [again] and book.muted == []
    assert book.status(again) == ""
