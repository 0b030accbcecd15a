"""`gazette dashboard`: start the analysts' dashboard on the published snapshot.

Streamlit runs the app in its own server process; this command checks the
snapshot first so that a missing one is a one-line error, then hands over.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from dashboards.snapshot import ENV_SNAPSHOT, default_snapshot_path

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """The command line that serves the app headless (no browser opened, no usage statistics sent)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    snapshot: Annotated[
        Path | None,
        typer.Option(help="Snapshot file to read (default: $GAZETTE_HOME/snapshot/warehouse.duckdb)."),
    ] = None,
) -> None:
    """Open the analysts' dashboard (Streamlit) on the read-only snapshot."""
    target = (snapshot or default_snapshot_path()).expanduser().resolve()
    if not target.is_file():
        typer.echo(f"error: no snapshot at {target} — run `gazette demo` (or a monitor run) first", err=True)
        raise typer.Exit(1)
    env = {**os.environ, ENV_SNAPSHOT: str(target)}
    typer.echo(f"dashboard on http://{address}:{port}/ reading {target} — Ctrl-C to stop")
    try:
        code = subprocess.call(streamlit_command(port, address), env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code)
