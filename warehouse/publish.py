"""Publishing: what the writer does after a successful run so readers see it.

Readers (analysts, the dashboard, the digest) never open the file the flows
write. Publishing refreshes the search index inside the writer's file, then
swaps in a consistent read-only copy and exports Parquet for other engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.search import build_search_index
from warehouse.snapshot import export_parquet, publish_snapshot


@dataclass(frozen=True)
class Published:
    snapshot: Path
    parquet_dir: Path
    documents_indexed: int


def publish(con: duckdb.DuckDBPyConnection, home: Path, run_id: str | None = None) -> Published:
    """Search index, snapshot (showing `run_id`, the publishing run, completed), then one Parquet export."""
    indexed = build_search_index(con)
    snapshot = publish_snapshot(con, home, run_id, parquet=False)
    return Published(snapshot=snapshot, parquet_dir=export_parquet(snapshot, home), documents_indexed=indexed)
