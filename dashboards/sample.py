"""A sample snapshot built from the real sample corpus, for the dashboard's tests and for trying it out.

It runs the main job's steps the way the monitor flow does: poll the replica
site, reconcile (stored diffs, relations, cascade alignments, statuses), let
the site publish its next issue, poll and reconcile again, then publish
(search index + read-only snapshot). So the pages show what reconcile stored,
exactly as they do on a production snapshot.
"""

from __future__ import annotations

from pathlib import Path

from core.config import BUILTIN_SOURCES
from extractors.fetch import new_session
from extractors.listing import load_source
from pipeline.run import poll_source
from reconcile.pipeline import reconcile
from replica.build import build_sample, default_output_dir
from replica.server import serve_site
from replica.site import advance, build_site
from warehouse.connect import open_warehouse
from warehouse.publish import publish
from warehouse.snapshot import snapshot_path


def build_sample_warehouse(home: Path) -> Path:
    """The snapshot path under `home`, building it first unless it is already there."""
    target = snapshot_path(home)
    if target.exists():
        return target
    home.mkdir(parents=True, exist_ok=True)
    build_sample(default_output_dir())
    site = home / "replica-site"
    build_site(site, 0, default_output_dir())
    con = open_warehouse(home / "warehouse.duckdb")
    try:
        with serve_site(site) as running, new_session() as session:
            source = load_source(BUILTIN_SOURCES / "replica.yaml").bind({"REPLICA_URL": running.url})
            for poll in range(2):
                report = poll_source(con, source, session, home / "raw")
                if not report.ok:
                    raise RuntimeError(f"sample poll {poll + 1} failed: {report.errors}")
                reconciled = reconcile(con)
                if not reconciled.ok:
                    raise RuntimeError(f"sample reconcile {poll + 1} failed: {reconciled.errors}")
                if poll == 0:
                    advance(site)
        return publish(con, home).snapshot
    finally:
        con.close()
