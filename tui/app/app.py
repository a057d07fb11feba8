"""FlowtailApp: the session's snapshots on a timer, the alert book, the screens and the keys."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.app.alertbook import AlertBook, PairKey
from tui.app.errorlog import ErrorLog
from tui.app.format import Clock
from tui.app.safe import safe_text
from tui.app.screens.dashboard import DashboardScreen
from tui.app.screens.detail import DetailScreen
from tui.app.screens.errors import ErrorsScreen
from tui.app.screens.help import HelpScreen, binding_rows
from tui.app.screens.history import HistoryScreen
from tui.app.screens.rule import RuleScreen
from tui.app.widgets.live_top import LiveTop
from tui.app.widgets.rules_panel import group_label

SNOOZE_S = 15 * 60
TOP_N = 10


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
        self, session: Any, config: Any, *, clock: Clock = time.time, live: bool = True, duration_s: float | None = None
    ) -> None:
        apply_color_setting(config.display.color)  # Textual reads NO_COLOR while it is made
        super().__init__()
        self.duration_s = duration_s
        self.session = session
        self.config = config
        self.display_config = config.display
        self.now = clock
        self.live = live
        self.utc = config.display.clock == "utc"
        self.alerts = AlertBook(clock)
        self.error_log = ErrorLog()
        self.animation_level = "none"
        self.snapshot: Any = None
        self._rate_mark: tuple[float, int] | None = None  # (time, records) of the previous tick
        self._rate: float | None = None
        self._keys = dict(config.display.keys)
        # rules that notify the `bell` notifier ring for their new alarms; display.bell rings for all
        self._bell_rules = {rule.name for rule in config.rules if "bell" in rule.notify and "bell" in config.notifiers}
        self.dashboard = DashboardScreen(config.display.flows_rows)
        self.set_keymap(self._keys)

    def get_default_screen(self) -> Screen:
        return self.dashboard

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(self.display_config.refresh_s, self.refresh_view, name="refresh")
            self._exit_on_stop_signals()
        if self.duration_s is not None:
            self.set_timer(self.duration_s, self.exit, name="duration")

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
            degraded = [rule for rule in self.snapshot.engine.rules if rule.degraded_since_ms is not None]
            top.show_alerts(self.alerts.shown, self.key_label("ack"), self.key_label("history"), degraded)

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

    def snooze(self, pair: PairKey) -> None:
        self.alerts.snooze(pair, SNOOZE_S)
        self.notify(f"Snoozed {safe_text(pair[0], 60)} {safe_text(pair[1], 80)} for 15 minutes", markup=False)
        self.show_live_top()

    # -- screens ---------------------------------------------------------------------------------

    def open_detail(self, line: str) -> None:
        engine = self.session.engine
        self.push_screen(DetailScreen(line, engine.fmt, engine.rule_defs, self.utc))

    def open_history(self) -> None:
        alerts = self.snapshot.engine.alerts if self.snapshot is not None else ()
        self.push_screen(HistoryScreen(alerts, self.utc))

    def open_rule(self, index: int, on_filter: Callable[[str | None], None]) -> None:
        """The rule's view; ``on_filter`` gets its pattern when the user filters the flows by it."""
        if self.snapshot is None:
            return
        rule = self.config.rules[index]
        status = self.snapshot.engine.rules[index]
        top = "-" if status.top_group is None else group_label(rule.group_by, status.top_group)
        live = [
            (group_label(rule.group_by, key), value, alarming)
            for key, value, alarming in self.session.busiest_groups(index)
        ]
        self.push_screen(RuleScreen(rule, status, top, live, self.snapshot.engine.alerts, self.utc), on_filter)

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
