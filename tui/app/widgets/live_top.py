"""The status line and the error and alert banners: on top of every screen, updated on every tick,
so a modal view (history, detail, keys, errors) never hides a new alarm or freezes the clock."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical

from tui.app.widgets.banners import AlertBanner, ErrorBanner
from tui.app.widgets.status_bar import StatusBar


class LiveTop(Vertical):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield ErrorBanner(id="error-banner")
        yield AlertBanner(id="alert-banner")

    def show(self, snapshot: Any, now: float, utc: bool, rate: float | None, paused: bool, errors_hint: str) -> None:
        """Nothing while its children are still being mounted: a tick, or the dashboard's resume,
        can come between a modal screen's push and its compose; the modal shows its top itself once
        it is mounted (``LiveModal.on_screen_resume``)."""
        if not self.is_mounted:
            return
        self.query_one(StatusBar).show(snapshot, now, utc, rate, paused, errors_hint)
        self.query_one(ErrorBanner).show(snapshot.error)

    def show_alerts(
        self, shown: Sequence[Any], ack_key: str, history_key: str, muted: Sequence[Any] = (), utc: bool = True,
        degraded: Sequence[Any] = (),
    ) -> None:
        if not self.is_mounted:
            return
        self.query_one(AlertBanner).show(shown, ack_key, history_key, muted, utc, degraded)
