"""Extract one file under a memory cap and print what came out as one JSON line.

    python extract_bounded.py FILE MEMORY_MIB

The address-space limit (RLIMIT_AS) is set before anything is imported, so a reader
that tried to inflate a bomb would fail inside this process, never take the machine.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _peak_rss_mib() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss would carry over the parent's peak across
    fork+exec, so a child of a big pytest process would report pytest's memory, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str]) -> int:
    path, cap = Path(argv[1]), int(argv[2]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    sys.path.insert(0, str(REPO))
    from extractors.errors import ExtractionError
    from extractors.pipeline import extract_file

    started = time.perf_counter()
    try:
        result = extract_file(path)
    except ExtractionError as exc:
        outcome = {"error": str(exc), "error_type": type(exc).__name__, "kind": getattr(exc, "kind", None)}
    else:
        outcome = {
            "format": result.format,
            "pages": result.page_count,
            "pages_without_text": len(result.pages_without_text),
            "problems": result.problems,
            "documents": [
                {
                    "title": doc.title,
                    "doc_number": doc.doc_number,
                    "issued_date": doc.issued_date,
                    "text": doc.text[:400],
                }
                for doc in result.documents
            ],
        }
    outcome["seconds"] = round(time.perf_counter() - started, 3)
    outcome["peak_rss_mib"] = _peak_rss_mib()
    print(json.dumps(outcome, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
