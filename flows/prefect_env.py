"""Prefect's environment for this project, set before Prefect is first imported.

Every module of `flows` that imports Prefect imports this one first, because
Prefect reads these settings when it starts:
- PREFECT_HOME goes inside $GAZETTE_HOME (unless the user set it), so the
  ephemeral API's database and logs live with the rest of the monitor's state;
- the ephemeral API may take its time to start (first start migrates its database);
- analytics are off (this machine has no network but the package registries);
- with no PREFECT_API_URL (the ephemeral API, `gazette monitor --once`), the
  temporary server's own log is kept to CRITICAL: when the process exits it is
  terminated mid-flush and prints CancelledError tracebacks that say nothing
  about the run (see docs/operations.md). Against a real server nothing changes.
"""

from __future__ import annotations

import contextlib
import os

from core import paths


def configure_prefect_environment() -> None:
    """Set Prefect's defaults for this project; a variable the user set always wins."""
    if not os.environ.get("PREFECT_HOME"):
        prefect_home = paths.gazette_home() / "prefect"
        # Prefect creates its home without parents: a fresh $GAZETTE_HOME would make it fail.
        with contextlib.suppress(OSError):
            prefect_home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(prefect_home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A fresh PREFECT_HOME migrates its database on the first start: 6 s idle, over 20 s
    # (Prefect's default limit) on a busy machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")


configure_prefect_environment()
