"""`flowtail demo`: start the local AWS, write traffic into it, and follow it like `flowtail watch`."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tui.demo.environment import DemoEnvironment
from tui.demo.traffic import ENIS, TrafficGenerator
from tui.demo.writer import TrafficWriter

CONFIG = Path(__file__).with_name("config.yaml")


def demo_config(endpoint: str, topic_arn: str) -> Any:
    """The bundled configuration, pointed at the local endpoint and topic."""
    from tui.config import load_config
    from tui.config.schema import SnsConfig

    config = load_config(CONFIG)
    bundled_sns = config.notifiers["sns"]
    assert isinstance(bundled_sns, SnsConfig)  # the bundled config.yaml has an sns notifier
    sns = dataclasses.replace(bundled_sns, topic_arn=topic_arn)
    return dataclasses.replace(
        config,
        aws=dataclasses.replace(config.aws, endpoint_url=endpoint),
        notifiers={**config.notifiers, "sns": sns},
    )


@dataclass
class DemoWorld:
    """The running demo: local AWS, the traffic being written into it, and the configuration that
    follows it. ``open()`` builds the watch session over it (alerts journaled in a temporary
    directory, so the demo leaves the user's journal alone)."""

    environment: DemoEnvironment
    writer: TrafficWriter
    config: Any
    journal: Any

    def open(self, on_events: Any = None) -> Any:
        from tui.run.live import open_live

        return open_live(self.config, mode="demo", on_events=on_events, journal=self.journal)


@contextmanager
def demo_world() -> Iterator[DemoWorld]:
    """Start the local AWS and the traffic writer; stop both on exit."""
    from tui.sinks.journal import Journal

    environment = DemoEnvironment.start(list(ENIS))
    writer = TrafficWriter(environment.endpoint, TrafficGenerator())
    try:
        config = demo_config(environment.endpoint, environment.topic_arn)
        with tempfile.TemporaryDirectory(prefix="flowtail-demo-") as state:
            journal = Journal(Path(state) / "alerts.jsonl")
            writer.start()
            try:
                yield DemoWorld(environment, writer, config, journal)
            finally:
                journal.close()
    finally:
        writer.stop()
        environment.stop()
    if writer.error:
        sys.stderr.write(f"flowtail demo: {writer.error}\n")


def run_demo(*, headless: bool, duration_s: float | None, records: bool = False) -> int:
    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines

    with demo_world() as world:
        if not headless:
            from tui.app import run_app

            return run_app(world.open(), world.config, duration_s=duration_s)
        printer = Headless(JsonLines(sys.stdout), records=records)
        code = printer.run(world.open(printer.on_events), duration_s)
        alarms = {(a.rule, a.group_label) for a in printer.alerts if a.state == "ALARM"}
        sys.stderr.write(
            f"flowtail demo: {world.writer.written:,} records written, {len(printer.alerts)} alert transitions "
            f"({len(alarms)} distinct alarms), {world.environment.published()} published to SNS\n"
        )
        return code
