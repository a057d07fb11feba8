"""Snapshot tests of the main screen (pytest-textual-snapshot), at 80x24 and 160x48.

The app runs without its refresh timer and with a frozen clock over the deterministic sample traffic
(attacks included), so the screen depends only on the code. `pytest --snapshot-update` rewrites the
SVGs in __snapshots__/ after an intended change; look at them before committing.
"""

from __future__ import annotations

import pytest

from tests.app.conftest import ALL_LINES, build_app


def fed_app():
    """The app over the sample traffic, ingested before it starts (the dashboard renders it when shown)."""
    app = build_app()
    app.session.ingest(list(ALL_LINES))
    return app


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_main_screen(snap_compare, size):
    assert snap_compare(fed_app(), terminal_size=size)


def test_main_screen_paused_and_filtered(snap_compare):
    async def filter_and_pause(pilot) -> None:
        await pilot.press("slash", *"REJECT", "enter")
        await pilot.app.workers.wait_for_complete()  # the held records are searched in a thread
        await pilot.press("space")
        await pilot.pause()

    assert snap_compare(fed_app(), terminal_size=(100, 30), run_before=filter_and_pause)
