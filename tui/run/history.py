"""What the app asks History questions through: DESIGN says the app reaches AWS-backed services
(history, ENI context) through interfaces that run/ hands it. :class:`HistoryAccess` names the
engines the configuration makes available (the configured one first), builds each on first use, in
the caller's thread (a worker: the engines' modules import boto3 or duckdb, and connect), and says
who an ENI or address is when ENI context is available.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, Sequence

from tui.history.model import Answer, HistoryCancelled, HistoryEngine, HistoryError, Progress, Question, Subject

EngineFactory = Callable[[], HistoryEngine]
About = Callable[[Subject], "str | None"]
NOTES_KEPT = 20


class HistoryAccess:
    """The History engines by name, built lazily and kept; every failure is a one-line HistoryError."""

    def __init__(self, factories: Mapping[str, EngineFactory], default: str | None = None,
                 about: About | None = None) -> None:
        if not factories:
            raise ValueError("no History engine")
        first = default if default is not None and default in factories else next(iter(factories))
        self.names: tuple[str, ...] = (first, *(name for name in factories if name != first))
        self._factories = dict(factories)
        self._engines: dict[str, HistoryEngine] = {}
        self._lock = threading.Lock()
        self.about_source = about  # who a subject is (ENI context); None: not available
        self._notes: dict[str, None] = {}  # one-line notes (a permission missing), oldest first

    def note(self, text: str) -> None:
        """Keep a one-line note for the errors list (the newest :data:`NOTES_KEPT`, each once)."""
        with self._lock:
            self._notes.pop(text, None)
            self._notes[text] = None
            while len(self._notes) > NOTES_KEPT:
                del self._notes[next(iter(self._notes))]

    @property
    def notes(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._notes)

    def engine(self, name: str) -> HistoryEngine:
        with self._lock:
            engine = self._engines.get(name)
            if engine is None:
                factory = self._factories.get(name)
                if factory is None:
                    raise HistoryError(f"no History engine {name!r}: configured are {', '.join(self.names)}")
                try:
                    engine = self._engines[name] = factory()
                except HistoryError:
                    raise
                except ImportError as error:
                    raise HistoryError(
                        f"the {name} History engine needs an optional package ({error.name or error}): "
                        "pip install 'flowtail[history]'"
                    ) from None
                except Exception as error:  # noqa: BLE001 - one line on the screen, never a crash
                    raise HistoryError(f"the {name} History engine: {type(error).__name__}: {error}") from None
            return engine

    def run(self, name: str, question: Question, progress: Progress | None = None,
            cancel: threading.Event | None = None) -> Answer:
        """Answer ``question`` with engine ``name`` (blocks: call it from a worker thread)."""
        return self.engine(name).run(question, progress, cancel)

    def fill_cache(self, name: str, cancel: threading.Event | None = None) -> None:
        """After an answer: let engine ``name`` cache what it read the slow way (the local engine
        converts the files its first answer scanned); blocks, stops when ``cancel`` is set. A
        failure is kept as a note (the answer stands)."""
        fill = getattr(self.engine(name), "fill_cache", None)
        if fill is None:
            return
        try:
            fill(cancel)
        except HistoryCancelled:
            return
        except HistoryError as error:
            self.note(f"History cache: {error}")

    def approve(self, name: str, question: Question) -> None:
        """The user agreed to a scan above ``history.max_scan`` (engines that ask have ``approve``)."""
        approve = getattr(self.engine(name), "approve", None)
        if approve is not None:
            approve(question)

    def about(self, subject: Subject) -> str | None:
        """Who the subject is (instance, name, interface type...), one line; None when unknown or
        when ENI context is not available. Blocks on AWS: call it from a worker thread."""
        if self.about_source is None:
            return None
        try:
            return self.about_source(subject)
        except Exception:  # noqa: BLE001 - the context is optional: without it History still answers
            return None


def history_access(config: Any, *, files: Sequence[str] = ()) -> HistoryAccess:
    """The engines ``config`` makes available (tui.history.engines builds them): local (over
    ``history.files`` and ``files``) always, Logs Insights when log groups are followed, Athena when
    its results location is configured or it is the configured engine. ENI context comes from
    ``ec2:DescribeNetworkInterfaces`` (tui.history.eni); its one-line notes (a permission missing)
    are kept in :attr:`HistoryAccess.notes` for the errors list."""
    from tui.history.engines import build_engine

    history = config.history
    factories: dict[str, EngineFactory] = {"local": lambda: build_engine(config, "local", files)}
    if any(getattr(source, "via", None) for source in config.sources):  # log groups (not a Kinesis stream)
        factories["insights"] = lambda: build_engine(config, "insights")
    if history.athena.output_location is not None or history.engine == "athena":
        factories["athena"] = lambda: build_engine(config, "athena")
    access = HistoryAccess(factories, history.engine)
    access.about_source = eni_context(config, access.note)
    return access


def eni_context(config: Any, on_note: Callable[[str], None] | None = None) -> About:
    """Who an ENI or an address is (tui.history.eni, made on first use), one line; ports have none."""
    directory: list[Any] = []  # made once: the EniDirectory, or None when no EC2 client can be made
    lock = threading.Lock()

    def about(subject: Subject) -> str | None:
        if subject.kind not in ("eni", "address"):
            return None
        with lock:
            if not directory:
                from tui.history.eni import EniDirectory

                directory.append(EniDirectory.from_config(config, on_note=on_note))
        info = None if directory[0] is None else directory[0].lookup(subject.value)
        return None if info is None else str(info.summary)

    return about
