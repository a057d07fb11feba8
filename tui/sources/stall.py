"""When a source is blind: nothing heard from AWS for too long. One rule, one text, every source.

A source is *stalled* while its last sign of life (an answer, a stream frame, or the start of the
call or connection still waiting) lies more than its threshold in the past: polling, three poll
intervals and at least 45 s (``follower.py``); Kinesis, 45 s (``kinesis.py``); Live Tail, whose
stream sends an update every second, ``stall_s`` (``livetail.py``). Its status then reads
``stalled``, with :func:`stalled_reason` as ``last_error``. The text stays the same while the stall
lasts, so stderr says it once (and ``recovered`` when it ends: ``tui/run/live.py``); the status bar
and the headless status lines show it as they show an error.
"""

from __future__ import annotations

STALLED = "stalled"
CALL_WAITS = "the call waits for its deadline"  # why, while a request has not been answered (answers.py)


def stalled_reason(since: float | None, now: float, after_s: float, why: str = CALL_WAITS) -> str | None:
    """``stalled: no answer for over 45 s (the call waits for its deadline)`` when ``since`` (the last
    sign of life; None: not waiting for one, e.g. backing off) is more than ``after_s`` before
    ``now``; else None."""
    if since is None or now - since <= after_s:
        return None
    return f"{STALLED}: no answer for over {after_s:g} s ({why})"
