"""DuckDB for the local engine: imported lazily (an optional extra), configured with bounded memory."""

from __future__ import annotations

import os
from typing import Any

from tui.history.model import HistoryError

INSTALL_HINT = "the local history engine needs DuckDB: pip install 'flowtail[history]'"
MEMORY_LIMIT = "256MB"  # DuckDB spills to disk beyond this: a question on a bastion stays small
THREADS = max(1, min(os.cpu_count() or 1, 4))  # the cores, up to 4 (memory is shared by them)


def connect(temp_directory: str | None = None, threads: int = THREADS) -> Any:
    """An in-memory DuckDB connection; HistoryError naming the extra to install when DuckDB is missing.
    ``threads``: 1 for a connection of a pool running one statement per file (a gzip file is read on
    one thread: more threads per connection only contend with the pool's other connections)."""
    try:
        import duckdb
    except ImportError:
        raise HistoryError(INSTALL_HINT) from None
    config: dict[str, Any] = {"memory_limit": MEMORY_LIMIT, "threads": threads, "autoinstall_known_extensions": False}
    if temp_directory is not None:
        config["temp_directory"] = temp_directory
    return duckdb.connect(":memory:", config=config)
