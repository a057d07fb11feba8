"""The history engine a configuration asks for: ``history.engine``, or ``--via``."""

from __future__ import annotations

import importlib
from typing import Any, Sequence

from tui.config.schema import Config, SourceConfig
from tui.history.model import HistoryEngine, HistoryError
from tui.paths import cache_dir


def history_cache_dir() -> Any:
    """Where the local engine keeps its Parquet: ``$XDG_CACHE_HOME/flowtail/history``."""
    return cache_dir() / "history"


def build_engine(config: Config, via: str | None = None, files: Sequence[str] = ()) -> HistoryEngine:
    """The engine ``via`` names (default: the configuration's); ``files`` add to ``history.files``."""
    from tui.history.aws import client_factory

    name = via or config.history.engine
    history = config.history
    if name == "local":
        from tui.history.cache import ParquetCache
        from tui.history.local import LocalEngine

        cache = ParquetCache(history_cache_dir(), history.cache_bytes)
        return LocalEngine((*history.files, *files), config.format, cache, client_factory(config, "s3"))
    if files:
        raise HistoryError(f"FILES are read by the local engine only, not by --via {name}")
    if name == "athena":
        from tui.history.athena import AthenaEngine

        return AthenaEngine(history.athena, config.format, client_factory(config, "athena"), history.athena_usd_per_tb)
    if name == "insights":
        # tui.history.insights is its own module (built beside this one); reached by name.
        insights = importlib.import_module("tui.history.insights")
        groups = [source.log_group for source in config.sources if isinstance(source, SourceConfig)]
        if not groups:
            raise HistoryError("--via insights asks the configured log groups: the configuration has no sources")
        engine: HistoryEngine = insights.InsightsEngine.from_settings(
            groups, config.format, region=config.aws.region, profile=config.aws.profile,
            endpoint_url=config.aws.endpoint_url, usd_per_gb=history.insights_usd_per_gb,
            max_scan_bytes=history.max_scan_bytes,
        )
        return engine
    raise HistoryError(f"unknown history engine {name!r}: local, insights or athena")
