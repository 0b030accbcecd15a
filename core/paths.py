"""Where gazette monitor keeps its state.

Everything the monitor writes lives under one data directory, so that an
operator can back it up, move it, or point a test at a throw-away copy by
setting one variable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV_HOME = "GAZETTE_HOME"


def gazette_home() -> Path:
    """The data directory: `$GAZETTE_HOME`, else the XDG data directory.

    The XDG default (`~/.local/share/gazette-monitor`) keeps a user's data out of
    the source checkout, so that a fresh clone never carries someone's warehouse.
    """
    explicit = os.environ.get(ENV_HOME)
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return (Path(xdg) / "gazette-monitor").resolve()


def warehouse_path(home: Path | None = None) -> Path:
    """The file that the flows write (one writer at a time)."""
    return (home or gazette_home()) / "warehouse.duckdb"


def snapshot_dir(home: Path | None = None) -> Path:
    """The read-only copy that analysts, dashboards and digests open."""
    return (home or gazette_home()) / "snapshot"


def raw_dir(home: Path | None = None) -> Path:
    """Fetched bytes, content-addressed, kept so extraction can be re-run offline."""
    return (home or gazette_home()) / "raw"


def replica_dir(home: Path | None = None) -> Path:
    """The embedded replica site that the demo serves on 127.0.0.1."""
    return (home or gazette_home()) / "replica-site"


def ensure_home(home: Path | None = None) -> Path:
    """Create the data directory with a clear error when it cannot be written."""
    target = home or gazette_home()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot create the data directory {target}: {exc.strerror}") from exc
    try:  # a real write, not os.access: root passes access() on a read-only mount's files
        with tempfile.NamedTemporaryFile(dir=target, prefix=".write-probe-"):
            pass
    except OSError as exc:
        raise PermissionError(
            f"the data directory {target} is not writable ({exc.strerror}); set {ENV_HOME} to one that is"
        ) from exc
    return target
