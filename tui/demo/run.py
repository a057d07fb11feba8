"""`flowtail demo`: start the local AWS, write traffic into it, and follow it like `flowtail watch`."""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tui.demo.environment import LOG_GROUP, STREAM, DemoEnvironment
from tui.demo.traffic import HOSTS, TrafficGenerator
from tui.demo.writer import TrafficWriter

CONFIG = Path(__file__).with_name("config.yaml")


def demo_config(
    endpoint: str, topic_arn: str, source: str = "poll", rules_from: Any = None, history_files: tuple[str, ...] = ()
) -> Any:
    """The bundled configuration, pointed at the local endpoint and topic; with ``source="kinesis"``,
    following the demo's Kinesis stream instead of polling the log group. ``rules_from`` (a Config,
    ``demo -c``) brings its own rules, notifiers and display instead of the demo's; its SNS topic
    becomes the demo's local one, so nothing is published outside. ``history_files``: where the local
    History engine finds the demo's records."""
    from tui.config import KinesisSourceConfig, load_config
    from tui.config.schema import SnsConfig

    config = load_config(CONFIG)
    if rules_from is not None:
        config = dataclasses.replace(
            rules_from, aws=config.aws, format=config.format, sources=config.sources, follow=config.follow
        )
    notifiers = dict(config.notifiers)
    sns = notifiers.get("sns")
    if isinstance(sns, SnsConfig):
        notifiers["sns"] = dataclasses.replace(sns, topic_arn=topic_arn, region=config.aws.region)
    sources = config.sources
    if source == "kinesis":
        sources = (KinesisSourceConfig(STREAM, log_groups=(LOG_GROUP,)),)
    return dataclasses.replace(
        config,
        aws=dataclasses.replace(config.aws, endpoint_url=endpoint),
        sources=sources,
        notifiers=notifiers,
        history=dataclasses.replace(config.history, files=history_files),
    )


@dataclass
class DemoWorld:
    """The running demo: local AWS, the traffic being written into it, and the configuration that
    follows it. ``open()`` builds the watch session over it (alerts journaled, and a Kinesis
    checkpoint kept, in a temporary directory, so the demo leaves the user's state alone)."""

    environment: DemoEnvironment
    writer: TrafficWriter
    config: Any
    journal: Any
    state_dir: Path

    def open(self, on_events: Any = None) -> Any:
        from tui.run.live import open_live

        return open_live(self.config, mode="demo", on_events=on_events, journal=self.journal, state_dir=self.state_dir)


@contextmanager
def demo_world(source: str = "poll", rules_from: Any = None) -> Iterator[DemoWorld]:
    """Start the local AWS and the traffic writer; stop both on exit. ``source``: "poll" or "kinesis";
    ``rules_from``: the user's Config whose rules run instead of the demo's (see :func:`demo_config`).
    Everything the demo writes (alert journal, Kinesis checkpoint, the records' files and the History
    engine's Parquet cache) goes to a temporary directory, removed on exit."""
    from tui.sinks.journal import Journal

    environment = DemoEnvironment.start(HOSTS, kinesis=source == "kinesis")
    writer: TrafficWriter | None = None
    cache_home = os.environ.get("XDG_CACHE_HOME")
    try:
        with tempfile.TemporaryDirectory(prefix="flowtail-demo-") as state:
            archive = Path(state) / "flows"
            archive.mkdir()
            os.environ["XDG_CACHE_HOME"] = str(Path(state) / "cache")
            config = demo_config(
                environment.endpoint, environment.topic_arn, source, rules_from, history_files=(str(archive),)
            )
            writer = TrafficWriter(environment.endpoint, TrafficGenerator(enis=environment.enis), archive)
            journal = Journal(Path(state) / "alerts.jsonl")
            writer.start()
            try:
                yield DemoWorld(environment, writer, config, journal, Path(state))
            finally:
                journal.close()
                writer.stop()
    finally:
        if cache_home is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = cache_home
        environment.stop()
    if writer is not None and writer.error:
        sys.stderr.write(f"flowtail demo: {writer.error}\n")


def run_demo(
    *, headless: bool, duration_s: float | None, records: bool = False, source: str = "poll", rules_from: Any = None,
    status_every_s: float | None = None,
) -> int:
    from tui.run.live import Headless
    from tui.sinks.jsonl import JsonLines
    from tui.words import counted

    with demo_world(source, rules_from) as world:
        if not headless:
            from tui.app import run_app

            return run_app(world.open(), world.config, duration_s=duration_s)
        sys.stderr.write(f"flowtail demo: local AWS at {world.environment.endpoint}; follow it from another "
                         f"terminal with: {world.environment.watch_command()}\n")
        sys.stderr.flush()
        printer = Headless(JsonLines(sys.stdout), records=records, status_every_s=status_every_s)
        code = printer.run(world.open(printer.on_events), duration_s)
        alarms = {(a.rule, a.group_label) for a in printer.alerts if a.state == "ALARM"}
        sys.stderr.write(
            f"flowtail demo: {counted(world.writer.written, 'record')} written, "
            f"{counted(len(printer.alerts), 'alert transition')} "
            f"({counted(len(alarms), 'distinct alarm')}), {world.environment.published()} published to SNS\n"
        )
        return code
