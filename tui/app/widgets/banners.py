"""The alert banner (active, unacknowledged alarms) and the error banner (the feeder failed)."""

from __future__ import annotations

from typing import Any, Sequence

from textual.content import Content
from textual.widgets import Static

from tui.app.format import clock_time, duration, number, severity, zone_label
from tui.app.safe import safe_text
from tui.rules.alerts import Alert


class AlertBanner(Static):
    """Names the most severe shown alarm; counts the others. Hidden when nothing is shown."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.display = False
        self._shown: tuple[str, tuple[object, ...]] = ("", ())

    def show(
        self, shown: Sequence[Alert], ack_key: str, history_key: str,
        muted: Sequence[tuple[tuple[str, str], float]] = (), utc: bool = True, degraded: Sequence[Any] = (),
    ) -> None:
        """``muted``: ((rule, group), end) of the mutes running, named on a line of their own;
        ``degraded``: the RuleStatus of each rule whose detection is degraded (it evicted groups),
        named on a line of its own above the alarms."""
        self.display = bool(shown) or bool(muted) or bool(degraded)
        lines = [degraded_line(degraded)] if degraded else []
        if shown:
            lines.append(alert_line(shown[0], len(shown) - 1, ack_key, history_key))
        if muted:
            lines.append(muted_line(muted, history_key, utc))
        content = Content("\n").join(lines)
        if lines and (content.plain, tuple(content.spans)) != self._shown:  # a repaint goes down the link
            self._shown = (content.plain, tuple(content.spans))
            self.update(content)


def degraded_line(degraded: Sequence[Any]) -> Content:
    """`` ⚠ DEGRADED   rule reject-by-src: detection degraded, 12,345 groups evicted
    (limits.rule_memory)  +1 more``: the budget (or a cloudwatch rule's series cap, which the
    parentheses name then) was full, so an alarm may have been missed."""
    first = degraded[0]
    return Content.assemble(
        (" ⚠ DEGRADED ", "reverse bold $warning"),
        "  rule ",
        (safe_text(first.name, 60), "bold"),
        f": detection degraded, {first.degraded_evicted:,} groups evicted ({first.evicted_by})",
        (f"  +{len(degraded) - 1} more", "bold") if len(degraded) > 1 else "",
    )


def muted_line(muted: Sequence[tuple[tuple[str, str], float]], history_key: str, utc: bool) -> Content:
    """``🔇 MUTED ssh-brute-force srcaddr=203.0.113.7 until 12:15 · +1 more · h: history, s unmutes``."""
    (rule, group), until = muted[0]
    more = f" · +{len(muted) - 1} more" if len(muted) > 1 else ""
    return Content.assemble(
        (" MUTED ", "bold reverse"),
        " ",
        (safe_text(rule, 60), "bold"),
        "  ",
        safe_text(group, 80),
        f"  until {clock_time(until, utc)[:5]} {zone_label(utc)}{more}",
        Content.styled(f"  {history_key}: history, s there unmutes", "$text-muted"),
    )


def alert_line(alert: Alert, others: int, ack_key: str, history_key: str) -> Content:
    """The most severe alarm on the first line; when there are more, their count and names on a
    second. Each line is cut with an ellipsis rather than wrapped (app.tcss)."""
    glyph, label, style = severity(alert.severity)
    first = Content.assemble(
        (f" {glyph} {label} ", f"reverse {style}"),
        (f" ALARM {safe_text(alert.rule, 60)}", "bold"),  # one span: "ALARM" never runs into the name
        "  ",
        safe_text(alert.group_label, 80),
        f"  {alert.measure} {number(alert.value)} ≥ {number(alert.threshold)} in {duration(alert.window_s)}",
    )
    hint = Content.styled(f"{ack_key}: acknowledge", "$text-muted")
    if not others:
        return Content.assemble(first, "  ", hint)
    return Content.assemble(
        first,
        "\n",
        (f" +{others} more active ", "bold reverse"),
        "  ",
        hint,
        Content.styled(f" · {history_key}: history", "$text-muted"),
    )


class ErrorBanner(Static):
    """The feeder's one-line error; the dashboard keeps showing what was read before it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.display = False
        self._shown: str | None = None

    def show(self, error: str | None) -> None:
        self.display = error is not None
        if error is not None and error != self._shown:
            self._shown = error
            self.update(Content.assemble((" ✖ ERROR ", "reverse bold $error"), "  ", safe_text(error, 300)))
