"""The headless status line of a Live Tail source: the follower's keys plus sampled, gaps and the rest."""

from __future__ import annotations

import dataclasses

from tui.app.widgets.status_bar import source_status
from tui.run.live import status_line
from tui.sources.follower import FollowerStatus
from tui.sources.livetail import LiveTailStatus, is_loopback


def sampled_status() -> LiveTailStatus:
    return LiveTailStatus(
        "/vpc/flow-logs",
        "sampled",
        1_700_000_000.0,
        480.0,
        2_000,
        9_000,
        0,
        1,
        1.02,
        None,
        10,
        7,
        900,
        gaps=3,
        sampled=2,
        reconnects=1,
        renewals=4,
        backfills=3,
        backfilled=41,
    )


def test_status_line_shows_what_live_tail_adds() -> None:
    line = status_line(sampled_status())
    assert line["state"] == "sampled" and line["events"] == 900 and line["rereadRatio"] == 1.02
    assert {k: line[k] for k in ("via", "sampled", "gaps", "reconnects", "renewals", "backfilled")} == {
        "via": "live-tail",
        "sampled": 2,
        "gaps": 3,
        "reconnects": 1,
        "renewals": 4,
        "backfilled": 41,
    }


def test_status_line_of_a_polling_follower_is_unchanged() -> None:
    line = status_line(FollowerStatus("/g", "ok", None, 0.0, None, None, 0, 0, 1.0, None, 0, 0))
    assert "sampled" not in line and "via" not in line


def test_host_prefix_is_dropped_only_for_loopback_endpoints() -> None:
    assert (
        is_loopback("http://127.0.0.1:5000") and is_loopback("http://localhost:4566") and is_loopback("http://[::1]:80")
    )
    assert not is_loopback("https://logs.us-east-1.amazonaws.com") and not is_loopback(None)
    assert not is_loopback("http://10.0.0.5:4566")


def test_the_status_bar_names_the_live_tail_source_its_sampling_and_gaps() -> None:
    text = source_status(sampled_status(), now=1_700_000_002.0).plain
    assert text == "⚠ tail:/vpc/flow-logs sampled 480 ev/s lag 2s/9s update 2s ago sampled×2 gaps 3 (41 backfilled)"
    live = source_status(dataclasses.replace(sampled_status(), state="live", sampled=0, gaps=0, throttled=0), now=1_700_000_002.0)
    assert live.plain == "● tail:/vpc/flow-logs live 480 ev/s lag 2s/9s update 2s ago"
