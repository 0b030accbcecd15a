"""Shared by the flow benchmarks: a replica site served on 127.0.0.1 in a throw-away directory."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replica.build import build_sample, default_output_dir  # noqa: E402
from replica.server import serve_site  # noqa: E402
from replica.site import build_site  # noqa: E402


@contextmanager
def served_replica() -> Iterator[tuple[str, Path]]:
    """(base URL, scratch directory) of a freshly built replica site at state 0."""
    build_sample(default_output_dir())
    with tempfile.TemporaryDirectory(prefix="gazette-bench-") as scratch:
        root = Path(scratch) / "site"
        build_site(root, 0, default_output_dir())
        with serve_site(root) as running:
            yield running.url, Path(scratch)
