"""FlowtailApp: the session's snapshots on a timer, the alert book, the screens and the keys."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.app.alertbook import AlertBook, PairKey
from tui.app.errorlog import ErrorLog
from tui.app.format import Clock, duration
from tui.app.palette import PlainCommandPalette
from tui.app.safe import safe_text
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.errors import ErrorsScreen
from tui.app.screens.evidence import EvidenceRequest, EvidenceScreen, alert_evidence
from tui.app.screens.help import HelpScreen, binding_rows
from tui.app.screens.history import HistoryScreen
from tui.app.screens.investigate import InvestigateScreen
from tui.app.screens.mute import MuteScreen
from tui.app.screens.rule import RuleScreen
from tui.app.screens.too_small import TooSmallScreen, too_small
from tui.app.widgets.live_top import LiveTop
from tui.app.widgets.rules_panel import group_label

TOP_N = 10
SLOW_PANELS_S = 5.0  # the rules, top-N and traffic panels: their counters, not their meaning, change faster


def apply_color_setting(color: str) -> None:
    """``display.color``: ``never`` is NO_COLOR; ``always`` ignores an inherited NO_COLOR; ``auto``
    leaves the environment to decide."""
    if color == "never":
        os.environ["NO_COLOR"] = "1"
    elif color == "always":
        os.environ.pop("NO_COLOR", None)


class FlowtailApp(App[int]):
    """The terminal UI over one :class:`tui.run.session.Session`.

    The app never feeds the session: ``run_app`` starts and stops it. Every ``display.refresh``
    seconds :meth:`refresh_view` takes a snapshot (cheap, under the session's lock) and renders it
    inside ``batch_update``. Tests pass ``live=False`` and call :meth:`refresh_view` themselves, and
    inject ``clock`` to freeze the time shown.
    """

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "flowtail"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit flowtail"),
        Binding("question_mark", "help", "Keys", id="help", tooltip="Every key and what it does"),
        # SSH users expect ctrl+c to quit: the same clean exit as q (run_app stops the session), on
        # every screen and in the filter input (priority), instead of Textual's "press ctrl+q".
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self, session: Any, config: Any, *, clock: Clock = time.time, live: bool = True,
        duration_s: float | None = None, history: Any = None, delivery: Any = None,
    ) -> None:
        """``history``: the tui.run.history.HistoryAccess run/ hands over (None: no History here);
        ``delivery``: the alert delivery (:class:`tui.sinks.delivery.Delivery`) whose notifiers a
        mute silences too, and whose journal holds the mutes of earlier runs."""
        apply_color_setting(config.display.color)  # Textual reads NO_COLOR while it is made
        # NO_COLOR: ANSI mode, whose NO_COLOR filter draws every cell in the terminal's default
        # colours (bold and reverse kept), where the truecolor one draws the theme in greys, some of
        # them grey on grey (‼ CRITICAL); app.tcss marks cursors and banners with reverse instead.
        super().__init__(ansi_color="NO_COLOR" in os.environ)
        self.duration_s = duration_s
        self.session = session
        self.history = history
        self.config = config
        self.display_config = config.display
        self.now = clock
        self.live = live
        self.utc = config.display.clock == "utc"
        self.alerts = AlertBook(clock)
        self.delivery = delivery
        if delivery is not None:
            for pair, until in delivery.mutes().items():
                self.alerts.mute_until(pair, until)
        self.error_log = ErrorLog()
        if history is not None:  # History's notes (ENI context without its permission) are errors to list
            self.error_log.feeds.append(lambda snapshot: (("History", note) for note in history.notes))
        self.animation_level = "none"
        self.snapshot: Any = None
        self._rate_mark: tuple[float, int] | None = None  # (time, records) of the previous tick
        self._rate: float | None = None
        self._keys = dict(config.display.keys)
        # rules that notify the `bell` notifier ring for their new alarms; display.bell rings for all
        self._bell_rules = {rule.name for rule in config.rules if "bell" in rule.notify and "bell" in config.notifiers}
        # live: the slower panels every SLOW_PANELS_S (at least every tick); tests render every call
        slow_every = max(1, round(SLOW_PANELS_S / config.display.refresh_s)) if live else 1
        self.dashboard = DashboardScreen(config.display.flows_rows, slow_every)
        self.set_keymap(self._keys)

    def get_default_screen(self) -> Screen:
        return self.dashboard

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(self.display_config.refresh_s, self.refresh_view, name="refresh")
            self._exit_on_stop_signals()
        if self.duration_s is not None:
            self.set_timer(self.duration_s, self.exit, name="duration")
        self._fit_terminal(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._fit_terminal(event.size.width, event.size.height)

    def _fit_terminal(self, width: int, height: int) -> None:
        """Below 80×24 one screen says so, over whatever view was open; it goes when there is room."""
        screen = self.screen
        covering = isinstance(screen, TooSmallScreen)
        if too_small(width, height):
            if isinstance(screen, TooSmallScreen):
                screen.show_size(width, height)
            else:
                self.push_screen(TooSmallScreen())
        elif covering:
            self.pop_screen()

    def _exit_on_stop_signals(self) -> None:
        """SIGTERM (systemd, kill) and SIGHUP (the SSH session dropped) quit as ``q`` does: the
        terminal is restored, then ``run_app`` stops the followers and drains the delivery."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(signum, self.exit)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signal
                return

    # -- the refresh tick ------------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Take a snapshot, update the alert book (ringing for new alarms), render the dashboard.
        While a modal screen covers the dashboard only the alert book is updated."""
        snapshot = self.session.snapshot(minutes=self.display_config.sparkline_minutes, top_n=TOP_N)
        self.snapshot = snapshot
        self._measure_rate(snapshot.engine.records)
        fresh = self.alerts.update(snapshot.engine.alerts)
        self.error_log.update(snapshot, self.now())
        if any(self.display_config.bell or alert.rule in self._bell_rules for alert in fresh):
            self.bell()
        with self.batch_update():
            if self.screen is self.dashboard:
                self.dashboard.show(snapshot, self._rate)
            else:
                self.show_live_top()

    def show_live_top(self) -> None:
        """The status line and banners of the screen shown (every screen has them), from the last
        snapshot; a modal's are updated on every tick, as the dashboard's are."""
        if self.snapshot is None:
            return
        for top in self.screen.query(LiveTop):
            top.show(self.snapshot, self.now(), self.utc, self._rate, self.dashboard.flows.paused, self.errors_hint())
            keys = self.key_label("ack"), self.key_label("history")
            degraded = [rule for rule in self.snapshot.engine.rules if rule.degraded_since_ms is not None]
            top.show_alerts(self.alerts.shown, *keys, self.alerts.muted, self.utc, degraded)

    def refresh_status(self) -> None:
        """Re-render the status line from the last snapshot (after a view key, without a new tick)."""
        self.show_live_top()

    def errors_hint(self) -> str:
        """``2 errors: e`` while errors are active, for the status line; empty otherwise."""
        active = self.error_log.active
        if not active:
            return ""
        return f"{active} error{'s' if active != 1 else ''}: {self.key_label('errors')}"

    def _measure_rate(self, records: int) -> None:
        now = self.now()
        if self._rate_mark is not None and now > self._rate_mark[0]:
            self._rate = (records - self._rate_mark[1]) / (now - self._rate_mark[0])
        self._rate_mark = (now, records)

    # -- alerts ----------------------------------------------------------------------------------

    def acknowledge(self, alerts: Iterable[Any] | None = None) -> int:
        count = self.alerts.acknowledge(alerts)
        if count:
            self.notify(f"Acknowledged {count} alarm{'s' if count != 1 else ''}", markup=False)
        self.show_live_top()
        self.dashboard.refresh_bindings()
        return count

    def snooze(self, pair: PairKey, on_done: Callable[[], None] | None = None) -> None:
        """``s`` in the history: lift the pair's mute if it has one, else ask for how long to mute it
        (the screen and the notifiers); ``on_done`` runs once it is decided."""
        if self.alerts.is_muted(pair):
            self.mute(pair, None)
            if on_done is not None:
                on_done()
            return

        def chosen(seconds: float | None) -> None:
            if seconds is not None:
                self.mute(pair, seconds)
            if on_done is not None:
                on_done()

        self.push_screen(MuteScreen(*pair), chosen)

    def mute(self, pair: PairKey, seconds: float | None) -> None:
        """Mute ``pair`` for ``seconds`` on screen and in the delivery (journaled), or lift it (None)."""
        what = f"{safe_text(pair[0], 60)} {safe_text(pair[1], 80)}"
        if seconds is None:
            self.alerts.unmute(pair)
            until = 0.0
            self.notify(f"Unmuted {what}", markup=False)
        else:
            self.alerts.snooze(pair, seconds)
            until = self.now() + seconds
            sent = "screen and notifications" if self.delivery is not None else "screen"
            self.notify(f"Muted {what} for {duration(seconds)} ({sent})", markup=False)
        if self.delivery is not None:
            self.delivery.mute(pair[0], pair[1], until)
        self.show_live_top()

    # -- screens ---------------------------------------------------------------------------------

    def open_detail(self, line: str, fmt: Any = None) -> None:
        """One record in full, read in ``fmt`` (default: the session's current layout)."""
        engine = self.session.engine
        self.push_screen(DetailScreen(line, fmt or engine.fmt, engine.rule_defs, self.utc))

    def rule_index(self, name: str) -> int | None:
        return next((index for index, rule in enumerate(self.session.engine.rule_defs) if rule.name == name), None)

    def open_alert_evidence(self, alert: Any) -> None:
        """Every held record that made ``alert`` (its window, or its episode for an OK)."""
        index = self.rule_index(alert.rule)
        if index is not None:
            self.push_screen(EvidenceScreen(alert_evidence(index, alert), self.utc))

    def open_group_evidence(
        self, rule: str, label: str, group: Any, end_ms: int | None, value: float | None, alert: Any,
    ) -> None:
        """A rule group's records: while it is live, its window now, which ends at ``end_ms`` (its
        newest record; ``value``: the rule's value there); else its latest alert's."""
        index = self.rule_index(rule)
        if index is None:
            return
        if value is None or end_ms is None:
            if alert is not None:
                self.open_alert_evidence(alert)
            return
        spec = self.session.engine.rule_defs[index]
        since = end_ms - int(spec.window_s * 1000)
        request = EvidenceRequest(index, rule, group, label, since, end_ms, "window now", value, spec.measure)
        self.push_screen(EvidenceScreen(request, self.utc))

    def history_end(self) -> datetime:
        """Where History ranges end: now while following, the newest record seen in a replay."""
        watermark = self.snapshot.engine.watermark_ms if self.snapshot is not None else None
        if self.session.mode == "replay" and watermark is not None:
            return datetime.fromtimestamp(watermark / 1000 + 1, tz=timezone.utc)
        return datetime.fromtimestamp(self.now(), tz=timezone.utc)

    def open_investigation(self, subject: Any) -> None:
        """History of ``subject`` (a tui.history.model.Subject; None: the row names none)."""
        if subject is None:
            self.notify("No address, ENI or port here to look up", markup=False)
        elif self.history is None:
            self.notify("History is not available in this run", markup=False)
        else:
            self.push_screen(InvestigateScreen(self.history, subject, self.history_end(), self.utc))

    def open_history(self) -> None:
        alerts = self.snapshot.engine.alerts if self.snapshot is not None else ()
        self.push_screen(HistoryScreen(alerts, self.utc, self.session.engine.fmt))

    def open_rule(self, index: int, on_filter: Callable[[str | None], None]) -> None:
        """The rule's view; ``on_filter`` gets its pattern when the user filters the flows by it."""
        if self.snapshot is None:
            return
        rule = self.config.rules[index]
        status = self.snapshot.engine.rules[index]
        top = "-" if status.top_group is None else group_label(rule.group_by, status.top_group)
        busiest = self.session.busiest_groups(index)
        live = [(group_label(rule.group_by, key), value, alarming) for key, value, alarming in busiest]
        verdict = next((v for v in self.snapshot.engine.verdicts if v.rule == rule.name), None)
        screen = RuleScreen(
            rule, status, top, live, self.snapshot.engine.alerts, self.utc, verdict=verdict,
            fmt=self.session.engine.fmt,
        )
        ends = self.session.group_window_ends(index, [key for key, _, _ in busiest])
        screen.group_values = {
            group_label(rule.group_by, key): (self.session.engine.group_dict(index, key), ends[key])
            for key, _, _ in busiest
        }
        self.push_screen(screen, on_filter)

    def open_errors(self) -> None:
        self.push_screen(ErrorsScreen(self.error_log.entries, self.utc))

    def action_help(self) -> None:
        """Every key of the screen shown; ``?`` again closes the keys."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(binding_rows(self.screen)))

    def key_label(self, binding_id: str) -> str:
        """The key bound to the dashboard's ``binding_id`` (after the config's keymap), for hints;
        read from the bindings, not the active ones, which a focused input hides."""
        key = self._keys.get(binding_id) or next(
            (
                binding.key
                for binding in DashboardScreen.BINDINGS
                if isinstance(binding, Binding) and binding.id == binding_id
            ),
            "?",
        )
        return self.get_key_display(Binding(key.split(",")[0], ""))

    # -- command palette -------------------------------------------------------------------------

    def action_command_palette(self) -> None:
        """Textual's palette, with a plain-text prompt instead of its emoji (see palette.py)."""
        if self.use_command_palette and not isinstance(self.screen, PlainCommandPalette):
            self.push_screen(PlainCommandPalette(id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands plus one per key of the current screen, generated from the bindings."""
        # Textual's own "Keys" opens its side panel; flowtail's keys screen replaces it (one entry).
        yield from (command for command in super().get_system_commands(screen) if command.title != "Keys")
        seen = {"quit", "help"}
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.id and binding.id not in seen and active.enabled:
                seen.add(binding.id)
                yield SystemCommand(
                    f"{binding.description} ({self.get_key_display(binding)})",
                    binding.tooltip or binding.description,
                    partial(self.run_action, binding.action, active.node),
                )
        yield SystemCommand("Keys", "Every key of this screen and what it does", self.action_help)
