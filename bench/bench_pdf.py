"""PDF reading speed and memory: our reader against pypdfium2's bare text and pdfplumber.

Issue 3 asks that extraction cost at most 3x pypdfium2's bare text extraction of the
same pages, measured side by side in one run, and that memory stay flat with the
page count. This script prints, per file:
  (a) pypdfium2 `get_text_range` (content-stream order, no layout): the floor;
  (b) `read_pdf_pages` (glyph boxes, rows, columns, furniture): what the pipeline pays;
  (c) pdfplumber `extract_text` (what the project would otherwise use);
and the ratio (b)/(a). Then the reading-order accuracy of each generated sample PDF (the
similarity to the seed text it was rendered from, measured exactly as the test
tests/test_pdf_reading.py asserts it), and the peak RSS growth of reading a 500-page and a
50-page PDF, each in a fresh subprocess.

Inputs: the generated sample PDFs (replica/generated/pdf/*.pdf, built by
`python -m replica.build`) when present, else a 40-page gazette-like PDF drawn
here. Runs in well under a minute:

    .venv/bin/python bench/bench_pdf.py [--pdf FILE ...] [--plumber-pages N] [--no-memory] [--no-reading]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractors.pdf import read_pdf_pages  # noqa: E402

SYNTH = REPO / "tests" / "fixtures" / "pdf" / "synth.py"
READING_TEST = REPO / "tests" / "test_pdf_reading.py"
GENERATED = REPO / "replica" / "generated" / "pdf"


def _synth():
    spec = importlib.util.spec_from_file_location("pdf_synth", SYNTH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["pdf_synth"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def synth_pdf(path: Path, pages: int, order: str = "lines") -> Path:
    synth = _synth()
    laid = [synth.lay_out(spec) for spec in synth.gazette_pages(pages)]
    return synth.write_pdf(path, laid, order)


def reading_order(generated: Path) -> list[tuple[str, float]]:
    """Similarity of each sample PDF's text to its seed, with the test's own comparison.

    The comparison (what the renderer does not print as text is left out of the seed) lives in
    the test that asserts it, so that the figure printed here cannot drift from the one tested.
    """
    spec = importlib.util.spec_from_file_location("test_pdf_reading", READING_TEST)
    test = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(test)
    manifest = json.loads((generated / "manifest.json").read_text(encoding="utf-8"))
    results = []
    for entry in manifest["files"]:
        if entry["kind"] in ("pdf", "glyphs_pdf"):
            text = "\n".join(p.text for p in read_pdf_pages(generated / entry["path"]))
            results.append((entry["path"], test.reading_similarity(text, entry["publication"])))
    return results


def bare_pdfium(path: Path) -> int:
    pdf = pdfium.PdfDocument(str(path))
    try:
        n = len(pdf)
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return n
    finally:
        pdf.close()


def ours(path: Path) -> int:
    return sum(1 for _ in read_pdf_pages(path))


def plumber(path: Path, max_pages: int) -> int:
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages[:max_pages]
        for page in pages:
            page.extract_text()
            page.close()
        return len(pages)


def best_ms_per_page(fn: Callable[[], int], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        n = fn()
        best = min(best, (time.perf_counter() - start) / max(n, 1))
    return best * 1000


_RSS_PROBE = """
import json, sys
sys.path.insert(0, {repo!r})
from extractors.pdf import read_pdf_pages
def kb(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1])
import pypdfium2, extractors.layout, extractors.furniture  # imports count in the baseline
before = kb('VmRSS:')
n = sum(1 for _ in read_pdf_pages({path!r}))
print(json.dumps({{"pages": n, "growth_kb": kb('VmHWM:') - before}}))
"""


def rss_growth_kb(path: Path) -> dict[str, int]:
    code = _RSS_PROBE.format(repo=str(REPO), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, nargs="*", help="PDF files to time (default: generated sample)")
    parser.add_argument("--plumber-pages", type=int, default=60, help="pages per file for pdfplumber")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-reading", action="store_true", help="skip the reading-order accuracy")
    parser.add_argument("--quick", action="store_true", help="one repeat, few pdfplumber pages, no probes")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.plumber_pages, args.no_memory, args.no_reading = 1, 3, True, True

    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        files = args.pdf or sorted(GENERATED.glob("*.pdf")) if GENERATED.is_dir() else args.pdf
        if not files:
            files = [synth_pdf(tmp_dir / "synthetic-40p.pdf", 40)]
        head = f"{'(a) pdfium':>11} {'(b) ours':>9} {'(c) plumber':>12} {'(b)/(a)':>8}"
        print(f"{'file':34} {'pages':>5} {head}")
        total = {"a": 0.0, "b": 0.0, "c": 0.0, "pages": 0}
        for path in files:
            n = bare_pdfium(path)
            a = best_ms_per_page(lambda p=path: bare_pdfium(p), args.repeat)
            b = best_ms_per_page(lambda p=path: ours(p), args.repeat)
            c = best_ms_per_page(lambda p=path: plumber(p, args.plumber_pages), 1)
            total["a"] += a * n
            total["b"] += b * n
            total["c"] += c * n
            total["pages"] += n
            print(f"{path.name[:34]:34} {n:5d} {a:9.2f}ms {b:7.2f}ms {c:10.2f}ms {b / a:7.2f}x")
        pages = total["pages"]
        ta, tb, tc = total["a"] / pages, total["b"] / pages, total["c"] / pages
        print(f"{'all (page-weighted)':34} {pages:5d} {ta:9.2f}ms {tb:7.2f}ms {tc:10.2f}ms {tb / ta:7.2f}x")
        print("target: (b)/(a) <= 3.0x")
        print(
            "BENCH "
            + json.dumps(
                {
                    "bench": "extraction",
                    "figure": "read_pdf_pages (layout, furniture)",
                    "value": tb,
                    "anchor": "pypdfium2 bare text",
                    "anchor_value": ta,
                    "unit": "ms/page",
                    "ratio": tb / ta,
                    "pages": pages,
                }
            )
        )

        if not args.no_reading and (GENERATED.parent / "manifest.json").is_file():
            print("reading order (similarity to the seed, whitespace removed; target >= 0.995):")
            for name, similarity in reading_order(GENERATED.parent):
                print(f"  {name:40} {similarity:.4f}")

        if not args.no_memory:
            small = synth_pdf(tmp_dir / "mem-50p.pdf", 50)
            large = synth_pdf(tmp_dir / "mem-500p.pdf", 500)
            s, big = rss_growth_kb(small), rss_growth_kb(large)
            print(
                f"peak RSS growth: {s['pages']} pages {s['growth_kb'] / 1024:.1f} MiB, "
                f"{big['pages']} pages {big['growth_kb'] / 1024:.1f} MiB "
                f"(ratio {big['growth_kb'] / max(s['growth_kb'], 1):.2f} for 10x the pages)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
