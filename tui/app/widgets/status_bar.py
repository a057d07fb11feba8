"""The top line: what is being followed (per log group, or the replay's progress) and the clock."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from tui.app.format import clock_time, duration, human_count, rounded_rate, zone_label
from tui.app.safe import safe_text

# follower state -> (glyph, style); the state's name is always printed next to the glyph
_STATES = {
    "polling": ("●", "$success"),
    "ok": ("●", "$success"),
    "starting": ("○", "$text-muted"),
    "throttled": ("⚠", "bold $warning"),
    "error": ("✖", "bold $error"),
    "stalled": ("✖", "bold $error"),  # no answer for several intervals: the source is blind
    "reading": ("●", "$success"),
    "live": ("●", "$success"),  # a Live Tail session streaming
    "backfilling": ("◐", "$success"),  # a Live Tail source reading a gap back with FilterLogEvents
    "sampled": ("⚠", "bold $warning"),  # Live Tail sends samples only: more than 500 events a second
}


class StatusBar(Horizontal):
    """Sources on the left, then alert delivery trouble (only while there is some), pause marker and
    clock on the right."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, tuple[str, tuple[Any, ...]]] = {}  # selector -> what it shows

    def compose(self) -> ComposeResult:
        yield Static(id="status-sources", markup=False)
        yield Static(id="status-delivery", markup=False)
        yield Static(id="status-clock", markup=False)

    def show(
        self, snapshot: Any, now: float, utc: bool, rate: float | None, paused: bool, errors_hint: str = ""
    ) -> None:
        """``errors_hint`` (e.g. ``2 errors: e``) stays on the right, never cut: a long error on the
        left may be cut, and the hint says where to read it in full."""
        if snapshot.sources:
            left = Content(" │ ").join(source_status(s, now) for s in snapshot.sources)
        else:
            left = replay_status(snapshot, rate)
        self._update("#status-sources", left)
        trouble = delivery_status(snapshot.delivery)
        delivery = self.query_one("#status-delivery", Static)
        delivery.display = bool(trouble)
        self._update("#status-delivery", trouble)
        degraded = sum(1 for rule in snapshot.engine.rules if rule.degraded_since_ms is not None)
        right = Content.assemble(
            (f"⚠ {degraded} degraded  ", "bold $warning") if degraded else "",
            (f"✖ {errors_hint}  ", "bold $error") if errors_hint else "",
            ("⏸ PAUSED  ", "bold $warning") if paused else "",
            (f"{clock_time(now, utc)} {zone_label(utc)}", "bold"),
        )
        self._update("#status-clock", right)

    def _update(self, selector: str, content: Content) -> None:
        """Update a part only when what it shows changed: an update repaints it, and every repaint
        goes down the link to the terminal."""
        shown = (content.plain, tuple(content.spans))
        before = self._shown.get(selector)
        if before != shown:
            self._shown[selector] = shown
            # a new layout (which repaints more than the line) only when the part's width changes
            resized = before is None or content.cell_length != Content(before[0]).cell_length
            self.query_one(selector, Static).update(content, layout=resized)


def delivery_status(status: Any) -> Content:
    """``SNS: 2 pending, 1 failing, 1 dead, 3 lost, last error: …`` with only the parts that are not
    zero; empty when alerts are all delivered and nothing is wrong. Counts are never cut; the error
    is cut with an ellipsis."""
    if status is None:
        return Content("")
    counts = [(status.pending, "pending", "$warning"), (status.failed, "failing", "bold $error"),
              (status.dead_lettered, "dead", "bold $error"), (status.lost, "lost", "bold $error"),
              (status.forgotten, "forgotten", "$warning")]
    parts: list[Any] = [(f"{count:,} {label}", style) for count, label, style in counts if count]
    if status.last_error:
        parts.append((f"last error: {safe_text(status.last_error, 70)}", "$error"))
    if not parts:
        return Content("")
    return Content.assemble(("SNS: ", "bold"), *_joined(parts, ", "))


def _joined(parts: list[Any], separator: str) -> list[Any]:
    joined: list[Any] = []
    for index, part in enumerate(parts):
        joined.extend([separator, part] if index else [part])
    return joined


def replay_status(snapshot: Any, rate: float | None) -> Content:
    engine = snapshot.engine
    state = ("■ finished", "bold") if snapshot.finished else ("▶ running", "bold $success")
    return Content.assemble(
        (snapshot.mode, "bold"),
        " ",
        state,
        f"  {human_count(engine.records)} records",  # exact below 10,000, then 12.3k: a digit a tick is noise
        f" ({rounded_rate(rate)}/s)" if rate else "",
        (f"  {engine.malformed:,} malformed", "$warning") if engine.malformed else "",
    )


def source_status(status: Any, now: float) -> Content:
    """One log group: ``● /vpc/flows polling 1.2k ev/s lag 2m/9m poll 3s ago``; read with Live Tail,
    ``● tail:/vpc/flows live 40 ev/s lag 2m/9m update 1s ago`` and its sampled updates and gaps."""
    if getattr(status, "kind", "poll") == "kinesis":
        return kinesis_status(status)
    glyph, style = _STATES.get(status.state, ("?", ""))
    lag = f"lag {duration(_seconds(status.lag_p50_ms))}/{duration(_seconds(status.lag_p95_ms))}"
    tail = getattr(status, "via", None) == "live-tail"
    heard, never = ("update", "no update yet") if tail else ("poll", "never polled")
    polled = never if status.last_poll is None else f"{heard} {duration(max(0.0, now - status.last_poll))} ago"
    parts: list[Any] = [
        (f"{glyph} ", style),
        *((("tail:", "$text-muted"),) if tail else ()),
        (safe_text(status.log_group, 60), "bold"),
        " ",
        (status.state, style),
        f" {human_count(status.events_per_s)} ev/s {lag} {polled}",
    ]
    if tail and status.sampled:
        parts.append((f" sampled×{status.sampled}", "$warning"))
    if tail and status.gaps:
        parts.append(f" gaps {status.gaps} ({status.backfilled} backfilled)")
    if status.throttled:
        parts.append((f" throttled×{status.throttled}", "$warning"))
    if status.state in ("error", "stalled") and status.last_error:
        parts.append((f" {safe_text(status.last_error, 80)}", "$error"))
    return Content.assemble(*parts)


def _seconds(millis: int | None) -> float | None:
    return None if millis is None else millis / 1000



def kinesis_status(status: Any) -> Content:
    """One Kinesis stream: ``● kinesis:flowlogs reading behind 2s 4/5 shards 12k ev/s`` (the lag first,
    so a narrow terminal keeps it), the warm-up events re-read so far while a restart's warm-up runs,
    then what needs attention: throttled and failing shards, the error."""
    glyph, style = _STATES.get(status.state, ("?", ""))
    reading = sum(1 for shard in status.shards if shard.state not in ("closed", "waiting"))
    behind = f"behind {duration(None if status.millis_behind is None else status.millis_behind / 1000)}"
    parts: list[Any] = [
        (f"{glyph} ", style),
        ("kinesis:", "$text-muted"),
        (safe_text(status.stream, 50), "bold"),
        " ",
        (status.state, style),
        f" {behind} {reading}/{len(status.shards)} shards {human_count(status.events_per_s)} ev/s",
    ]
    if any(shard.state == "warming" for shard in status.shards):  # re-reading the lookback after a restart
        parts.append(f" warming up {human_count(status.warmup)}")
    throttled = sum(1 for shard in status.shards if shard.state == "throttled")
    if throttled:
        parts.append((f" {throttled} throttled", "$warning"))
    failing = sum(1 for shard in status.shards if shard.state == "error")
    if failing:
        parts.append((f" {failing} error", "$error"))
    if status.state in ("error", "stalled") and status.last_error:
        parts.append((f" {safe_text(status.last_error, 80)}", "$error"))
    return Content.assemble(*parts)
