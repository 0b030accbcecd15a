"""One writer at a time: a lock file in $GAZETTE_HOME held for the whole run.

DuckDB itself refuses a second writing process, but with an error about file
locks in the middle of a run. The lock is taken first, so a second monitor run
(a schedule overlapping a manual run, two workers) waits for the first or exits
with a message that says who holds it, before touching anything.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from core.errors import WarehouseError

LOCK_FILE = "writer.lock"


class WriterBusy(WarehouseError):
    """Another run is writing to this data directory."""


@contextmanager
def writer_lock(home: Path, *, wait_seconds: float = 0.0, holder: str = "gazette") -> Iterator[Path]:
    """Hold `$GAZETTE_HOME/writer.lock` for the block; wait up to `wait_seconds`, then raise WriterBusy.

    flock is released by the kernel when the process dies, so a crashed run never
    leaves a stale lock behind; the file's text (pid, start time) is only there to
    tell the operator who holds it.
    """
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_FILE
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole block
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    who = handle.read().strip() or "another process"
                    raise WriterBusy(
                        f"another run is writing to {home} ({who}); this run did nothing — "
                        f"try again when it ends (lock: {path})"
                    ) from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{holder}, pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        try:
            yield path
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
