"""The job a kill trial interrupts: poll the replica into a warehouse, then reconcile it.

Run as a script by tests/faults/test_kill_during_ingest_and_reconcile.py:

    python ingest_child.py HOME SITE_URL AS_OF [KILL_AT_STATEMENT]

With KILL_AT_STATEMENT = N the process sends itself SIGKILL just before its N-th SQL
statement, so a trial can stop at an exact, reproducible point of ingest or reconcile
(a kill from outside, at a random moment, is the other kind of trial). It prints the
phase it enters and, when it finishes, how many statements it ran.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from extractors.fetch import new_session  # noqa: E402
from extractors.listing import load_source  # noqa: E402
from pipeline.run import poll_source  # noqa: E402
from reconcile.pipeline import reconcile  # noqa: E402
from warehouse.connect import open_warehouse  # noqa: E402


class KillingConnection:
    """A DuckDB connection that counts statements and dies (SIGKILL) before the chosen one."""

    def __init__(self, con: Any, kill_at: int | None) -> None:
        self._con = con
        self._kill_at = kill_at
        self.statements = 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._count()
        return self._con.execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self._count()
        return self._con.executemany(*args, **kwargs)

    def _count(self) -> None:
        self.statements += 1
        if self._kill_at is not None and self.statements >= self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main(argv: list[str]) -> int:
    home, site_url, as_of = Path(argv[1]), argv[2], date.fromisoformat(argv[3])
    kill_at = int(argv[4]) if len(argv) > 4 else None
    source = load_source(REPO / "core" / "sources" / "replica.yaml").bind({"REPLICA_URL": site_url})
    raw = open_warehouse(home / "warehouse.duckdb")
    con = KillingConnection(raw, kill_at)
    print("phase ingest", flush=True)
    with new_session() as session:
        report = poll_source(con, source, session, home / "raw")  # type: ignore[arg-type]
    print(f"phase reconcile after={con.statements}", flush=True)
    result = reconcile(con, as_of=as_of)  # type: ignore[arg-type]
    raw.close()
    failed = [o.error for o in report.outcomes if o.status == "failed"]
    print(f"done statements={con.statements} errors={report.errors + failed + result.errors}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
