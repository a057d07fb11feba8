"""flowtail's terminal UI (the only package that imports Textual).

``run_app(live, config)`` starts the session and its alert delivery, runs :class:`FlowtailApp` full
screen with the mouse off, and stops both when the user quits (or after ``duration_s``).
"""

from __future__ import annotations

from typing import Any

from tui.app.app import FlowtailApp


def run_app(live: Any, config: Any, *, duration_s: float | None = None) -> int:
    """Run the dashboard over ``live`` (a :class:`tui.run.live.Live`) until the user quits; returns the exit status."""
    from tui import interrupts

    if interrupts.requested():  # a Ctrl-C during the start-up whose KeyboardInterrupt was lost
        return 130
    app = FlowtailApp(
        live.session, config, duration_s=duration_s,
        history=getattr(live, "history", None), delivery=getattr(live, "delivery", None),
    )
    live.start()
    try:
        app.run(mouse=False)
    finally:
        live.stop()
    return app.return_code or 0


__all__ = ["FlowtailApp", "run_app"]
