"""Fetch one page of a site through the monitor's fetch path and print this process's peak RSS.

    python robots_bomb_child.py URL MEMORY_CAP_MIB

Run as a child so that its peak memory is the fetch's own (the hostile server stays in the
parent). The address-space cap keeps a reader that inflates a bomb from taking the machine.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    url, cap = argv[1], int(argv[2]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sys.path[:0] = [str(REPO), str(REPO / "tests" / "badinput")]
    from urllib.parse import urlsplit

    from extract_bounded import _peak_rss_mib

    from extractors.fetch import fetch
    from extractors.politeness import PolitenessPolicy, PoliteSession

    policy = PolitenessPolicy(user_agent="gazette-test/1", requests_per_second=1000.0, attempts=1)
    with tempfile.TemporaryDirectory() as raw, PoliteSession(policy) as session:
        try:
            result = fetch(session, url, Path(raw), allowed_hosts=[urlsplit(url).hostname or ""])
            outcome = f"HTTP {result.status}"
        except MemoryError:
            outcome = "MemoryError"
        except Exception as exc:
            outcome = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"outcome": outcome, "peak_rss_mib": _peak_rss_mib()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
