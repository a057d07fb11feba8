"""`flowtail demo`: start the local AWS, write traffic into it, and follow it like `flowtail watch`."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import Any

from tui.demo.environment import DemoEnvironment
from tui.demo.traffic import ENIS, TrafficGenerator
from tui.demo.writer import TrafficWriter

CONFIG = Path(__file__).with_name("config.yaml")


def demo_config(endpoint: str, topic_arn: str) -> Any:
    """The bundled configuration, pointed at the local endpoint and topic."""
    from tui.config import load_config

    config = load_config(CONFIG)
    sns = dataclasses.replace(config.notifiers["sns"], topic_arn=topic_arn)
    return dataclasses.replace(
        config,
        aws=dataclasses.replace(config.aws, endpoint_url=endpoint),
        notifiers={**config.notifiers, "sns": sns},
    )


def run_demo(*, headless: bool, duration_s: float | None, records: bool = False) -> int:
    from tui.live import Headless, open_live
    from tui.sinks.journal import Journal
    from tui.sinks.jsonl import JsonLines

    environment = DemoEnvironment.start(list(ENIS))
    writer = TrafficWriter(environment.endpoint, TrafficGenerator())
    try:
        config = demo_config(environment.endpoint, environment.topic_arn)
        with tempfile.TemporaryDirectory(prefix="flowtail-demo-") as state:
            journal = Journal(Path(state) / "alerts.jsonl")  # the demo leaves the user's journal alone
            writer.start()
            if headless:
                printer = Headless(JsonLines(sys.stdout), records=records)
                live = open_live(config, mode="demo", on_events=printer.on_events, journal=journal)
                code = printer.run(live, duration_s)
                alarms = {(a.rule, a.group_label) for a in printer.alerts if a.state == "ALARM"}
                sys.stderr.write(
                    f"flowtail demo: {writer.written:,} records written, {len(printer.alerts)} alert transitions "
                    f"({len(alarms)} distinct alarms), {environment.published()} published to SNS\n"
                )
            else:
                from tui.app import run_app

                live = open_live(config, mode="demo", journal=journal)
                code = run_app(live, config, duration_s=duration_s)
            journal.close()
            if writer.error:
                sys.stderr.write(f"flowtail demo: {writer.error}\n")
            return code
    finally:
        writer.stop()
        environment.stop()
