"""Writes the simulated traffic into the demo's CloudWatch Logs with put_log_events, once a second,
each ENI's records to its own stream, in the order they "arrive" (late and out of order); and, for
the History engine, appends the same records to plain files (one per five minutes of arrival), as a
flow log delivered to files would hold them."""

from __future__ import annotations

import heapq
import threading
import time
from collections import defaultdict
from pathlib import Path

from tui.demo.environment import LOG_GROUP, REGION
from tui.demo.traffic import Delivery, TrafficGenerator

ARCHIVE_PERIOD_S = 300


class TrafficWriter:
    """A background thread feeding the local CloudWatch Logs from a TrafficGenerator."""

    def __init__(self, endpoint: str, generator: TrafficGenerator, archive: Path | None = None) -> None:
        """``archive``: a directory the records are also appended to (None: CloudWatch only)."""
        self.endpoint = endpoint
        self.generator = generator
        self.archive = archive
        self.written = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flowtail-demo-traffic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import boto3

        logs = boto3.client("logs", endpoint_url=self.endpoint, region_name=REGION)
        pending: list[Delivery] = []
        began = time.time()
        tick = began
        try:
            while not self._stop.is_set():
                now = time.time()
                for delivery in self.generator.second(now, now - began):
                    heapq.heappush(pending, delivery)
                due: dict[str, list[Delivery]] = defaultdict(list)
                while pending and pending[0].arrival <= now:
                    delivery = heapq.heappop(pending)
                    due[delivery.eni].append(delivery)
                for eni, deliveries in due.items():
                    deliveries.sort(key=lambda d: d.start)  # one call's events must be in time order
                    logs.put_log_events(
                        logGroupName=LOG_GROUP,
                        logStreamName=f"{eni}-all",
                        logEvents=[{"timestamp": d.start * 1000, "message": d.message} for d in deliveries],
                    )
                    self.written += len(deliveries)
                if due and self.archive is not None:
                    self._append(self.archive, now, [d.message for deliveries in due.values() for d in deliveries])
                tick += 1.0
                self._stop.wait(max(0.0, tick - time.time()))
        except Exception as error:  # noqa: BLE001 - shown by the demo, which keeps following
            self.error = f"traffic generator stopped: {type(error).__name__}: {error}"

    @staticmethod
    def _append(archive: Path, now: float, messages: list[str]) -> None:
        """One write of whole lines to the file of this five-minute period."""
        period = int(now) - int(now) % ARCHIVE_PERIOD_S
        path = archive / f"flows-{time.strftime('%Y%m%dT%H%M%S', time.gmtime(period))}.log"
        with open(path, "a", encoding="utf-8") as out:
            out.write("".join(message + "\n" for message in messages))
