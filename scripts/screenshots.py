"""Regenerate screenshots/*.svg from the running demo.

Drives the real app, headless, over `flowtail demo`'s local CloudWatch and traffic: waits until at
least three alarms are up, then captures the dashboard, the alert history, the filter, the detail
view, a rule's groups, the evidence of its busiest group and that group's History (at 120x40), the
dashboard and the alert history at 80x24, and the dashboard and the History screen at 80x24 with
NO_COLOR.
Run from the repository root: `.venv/bin/python scripts/screenshots.py`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.app import FlowtailApp  # noqa: E402
from tui.demo.run import demo_world  # noqa: E402
from tui.demo.traffic import SSH_ATTACKER  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (120, 36)
ALARMS_WANTED = 3
WAIT_S = 120.0
TYPO = "[version, account, eni, source, destination, srcport, destport=22 action=REJECT]"  # a comma missing
FILTER = (
    "[version, account, eni, source, destination, srcport, destport=22, protocol, packets, bytes, start, end,"
    " action=REJECT, status]"
)


async def until(condition, pilot, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: the demo did not reach the expected state in time")
        await pilot.pause(0.5)


async def type_text(pilot, text: str) -> None:
    await pilot.press(*(char if char != " " else "space" for char in text))


async def capture(app: FlowtailApp) -> list[Path]:
    shots: list[Path] = []

    def save(name: str) -> None:
        shots.append(Path(app.save_screenshot(f"{name}.svg", str(OUT))))

    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: len(app.alerts.shown) >= ALARMS_WANTED and app.snapshot.engine.records > 300
                    and any(alert.rule == "ssh-brute-force" for alert in app.snapshot.engine.alerts), pilot)
        await pilot.pause(2.0)
        save("dashboard")
        await pilot.press("h")
        await pilot.pause(0.5)
        save("alerts")
        await pilot.press("escape", "slash")
        await type_text(pilot, TYPO)
        await pilot.pause(0.3)
        save("filter-error")
        app.dashboard.query_one("#filter-input").value = ""
        await type_text(pilot, FILTER)
        await pilot.press("enter")
        await until(lambda: app.dashboard.flows.row_count > 0, pilot)
        save("filter")
        await pilot.press("enter")
        await pilot.pause(0.5)
        save("detail")
        await pilot.press("escape", "escape")
        await open_attacker_rule(app, pilot)
        save("rule")
        await pilot.press("enter")  # the attacker's records: the evidence
        await until(lambda: getattr(app.screen, "found", None) is not None, pilot)
        save("evidence")
        await pilot.resize_terminal(120, 40)
        await pilot.press("i")  # its History
        await until(lambda: history_done(app), pilot)
        await pilot.pause(0.5)
        save("history")
        await pilot.press("escape", "escape", "escape")
        await pilot.resize_terminal(*SIZE)
        app.dashboard.flows.focus()
        await pilot.resize_terminal(80, 24)
        await pilot.pause(1.5)
        save("dashboard-80x24")
        await pilot.press("h")
        await pilot.pause(0.5)
        save("alerts-80x24")
        await pilot.press("escape", "q")
    return shots



async def open_attacker_rule(app: FlowtailApp, pilot) -> None:
    """The SSH brute-force rule's view, its cursor on the attacker's group."""
    rules = app.dashboard.query_one("#rules")
    rules.focus()
    index = next(i for i, rule in enumerate(app.config.rules) if rule.name == "ssh-brute-force")
    rules.move_cursor(row=rules.order.index(index))
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause(0.5)
    groups = app.screen.query_one("#rule-groups")
    row = next(i for i in range(groups.row_count) if SSH_ATTACKER in str(groups.get_row_at(i)[0]))
    groups.move_cursor(row=row)
    await pilot.pause(0.3)


def history_done(app: FlowtailApp) -> bool:
    """The History screen shows a complete answer (or an error, which the screenshot then shows)."""
    answer = getattr(app.screen, "answer", None)
    return getattr(app.screen, "error", None) is not None or (answer is not None and answer.complete)


async def capture_no_color(app: FlowtailApp) -> list[Path]:
    """The dashboard, then the History of the busiest alarming rule's busiest group, as a 16-colour
    terminal with NO_COLOR shows them (the app reads NO_COLOR when made)."""
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: bool(app.alerts.shown)
                    and any(alert.rule == "ssh-brute-force" for alert in app.snapshot.engine.alerts), pilot)
        await pilot.pause(1.5)
        shots = [Path(app.save_screenshot("dashboard-nocolor.svg", str(OUT)))]
        await open_attacker_rule(app, pilot)
        await pilot.press("i")
        await until(lambda: history_done(app), pilot)
        await pilot.pause(0.5)
        shots.append(Path(app.save_screenshot("history-80x24-nocolor.svg", str(OUT))))
        await pilot.press("escape", "escape", "q")
    return shots


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with demo_world() as world:
        live = world.open()
        app = FlowtailApp(live.session, world.config, history=live.history)
        live.start()
        try:
            shots = asyncio.run(capture(app))
            os.environ["NO_COLOR"] = "1"
            shots += asyncio.run(capture_no_color(FlowtailApp(live.session, world.config, history=live.history)))
        finally:
            live.stop()
    for svg in shots:
        print(svg.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
