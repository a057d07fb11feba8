"""Pick how long to mute one (rule, group): the screen and the notifiers stay silent for it until then."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tui.app.format import duration
from tui.app.safe import safe_text
from tui.app.screens.live_modal import LiveModal

# key -> seconds
DURATIONS = {"1": 15 * 60, "2": 3600, "3": 4 * 3600, "4": 24 * 3600}


class MuteScreen(LiveModal[float | None]):
    """Dismissed with the chosen duration in seconds, or None (escape)."""

    BINDINGS = [
        Binding("escape,q", "dismiss(None)", "Cancel"),
        *(Binding(key, f"choose({seconds})", duration(seconds)) for key, seconds in DURATIONS.items()),
    ]

    def __init__(self, rule: str, group: str) -> None:
        super().__init__()
        self._rule, self._group = rule, group

    def compose_body(self) -> ComposeResult:
        with Vertical(id="mute-box", classes="modal-box"):
            yield Static(Content("Mute"), classes="modal-title", markup=False)
            choices = "\n".join(f"  {key}  {duration(seconds)}" for key, seconds in DURATIONS.items())
            yield Static(
                Content.assemble(
                    safe_text(self._rule, 80), "  ", safe_text(self._group, 120), "\n\n",
                    "Nothing is shown or sent for it (SNS and every notifier) until the time chosen;\n",
                    "the mute is journaled, so a restart keeps it, and s on it in the history lifts it.\n\n",
                    ("For how long?\n", "bold"), choices,
                ),
                markup=False,
            )

    def action_choose(self, seconds: float) -> None:
        self.dismiss(seconds)
