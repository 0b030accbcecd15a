"""OCR of scanned pages: pages per second and character accuracy, beside the text-layer path.

Issue 16 asks that pages without a text layer be read by OCR during extraction. This script
reads the generated sample's scanned pages (replica/render_image_page.py draws them: one page
of the attachment table of 宁政办发〔2023〕50号 in the 2024 No. 2 issue, one attachment page of
the compilation) with `extractors.ocr.ocr_page`, the cache off, and beside it the text-layer
pages of the same PDFs with `read_pdf_pages`: seconds per page for both, and the character
accuracy of each against the seed text the page was rendered from (1 - edit distance /
length on `normalized_text`, as tests/test_ocr.py asserts it, target >= 0.95).

    .venv/bin/python bench/bench_ocr.py [--quick]

`--quick` reads each scanned page once (the full run takes the best of 3). tesseract runs
with OMP_THREAD_LIMIT=1, as extraction runs it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from extractors import ocr  # noqa: E402
from extractors.clean import normalized_text  # noqa: E402
from extractors.pdf import read_pdf_pages  # noqa: E402
from replica.build import build_sample, default_output_dir  # noqa: E402
from replica.catalogue import load_catalogue  # noqa: E402

ISSUE = "nx-2024-02"  # its scanned page has a source text to compare with
PDFS = [ISSUE, "guide-2023-ningxia"]
PAGE_MARKER = re.compile(r"^# Page \d+:\s*$")


def accuracy(read: str, truth: str) -> float:
    return Levenshtein.normalized_similarity(normalized_text(read), normalized_text(truth))


def truths() -> tuple[str, str]:
    """(what the scanned page shows, what the text-layer pages show) of the issue, from its seed."""
    publication = load_catalogue().publication(ISSUE)
    first, last = publication.image_only_lines
    lines = publication.text_lines()
    scanned = "\n".join(lines[first - 1 : last])
    printed = "\n".join(
        line
        for n, line in enumerate(lines, start=1)
        if not first <= n <= last and not PAGE_MARKER.match(line)
    )
    return scanned, printed


def text_layer(path: Path, repeat: int) -> tuple[float, int, str]:
    """Best seconds per text-layer page of `read_pdf_pages` (no OCR), the page count, the text."""
    best, pages, text = float("inf"), 0, ""
    for _ in range(repeat):
        started = time.perf_counter()
        read = [page for page in read_pdf_pages(path) if page.has_text]
        elapsed = time.perf_counter() - started
        pages, text = len(read), "\n".join(page.text for page in read)
        best = min(best, elapsed / max(pages, 1))
    return best, pages, text


def scanned(path: Path, repeat: int) -> list[tuple[int, float, str]]:
    """(page index, best seconds, text) of each page without a text layer, read by tesseract."""
    indexes = [page.index for page in read_pdf_pages(path) if not page.has_text]
    out = []
    pdf = pdfium.PdfDocument(path)
    try:
        for index in indexes:
            best, text = float("inf"), ""
            for _ in range(repeat):
                page = pdf[index]
                started = time.perf_counter()
                text = ocr.ocr_page(page, cache=False)
                best = min(best, time.perf_counter() - started)
                page.close()
            out.append((index, best, text))
    finally:
        pdf.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one OCR run per page instead of the best of 3")
    args = parser.parse_args()
    if not ocr.available():
        raise SystemExit("tesseract with chi_sim is not installed: run `make` (scripts/setup-system.sh)")
    repeat = 1 if args.quick else 3
    sample = default_output_dir()
    build_sample(sample)
    scanned_truth, printed_truth = truths()

    ocr_seconds: list[float] = []
    layer_seconds: list[float] = []
    ocr_accuracy = layer_accuracy = None
    for name in PDFS:
        path = sample / "pdf" / f"{name}.pdf"
        per_page, pages, text = text_layer(path, repeat)
        layer_seconds.append(per_page)
        print(f"{name}: text layer, {pages} pages: {per_page * 1000:.2f} ms/page (best of {repeat})")
        if name == ISSUE:
            layer_accuracy = accuracy(text, printed_truth)
            print(f"{name}: text layer character accuracy {layer_accuracy:.4f}")
        for index, seconds, read in scanned(path, repeat):
            ocr_seconds.append(seconds)
            line = f"{name}: page {index + 1} by OCR: {seconds:.2f} s, {len(read)} characters"
            if name == ISSUE:
                ocr_accuracy = accuracy(read, scanned_truth)
                line += f", character accuracy {ocr_accuracy:.4f}"
            print(line)

    ocr_per_page = sum(ocr_seconds) / len(ocr_seconds)
    layer_per_page = sum(layer_seconds) / len(layer_seconds)
    print(
        f"OCR {1 / ocr_per_page:.3f} pages/s ({ocr_per_page:.2f} s/page) against the text layer "
        f"{1 / layer_per_page:.0f} pages/s ({layer_per_page * 1000:.2f} ms/page): "
        f"{ocr_per_page / layer_per_page:,.0f}x the time"
    )
    for figure in (
        {
            "bench": "ocr",
            "figure": "OCR of a scanned page (tesseract chi_sim)",
            "value": ocr_per_page,
            "anchor": "text-layer page (read_pdf_pages)",
            "anchor_value": layer_per_page,
            "unit": "s/page",
            "ratio": ocr_per_page / layer_per_page,
        },
        {
            "bench": "ocr-accuracy",
            "figure": "OCR character accuracy, sample scan",
            "value": ocr_accuracy,
            "anchor": "text-layer character accuracy, same PDF",
            "anchor_value": layer_accuracy,
            "unit": "",
            "ratio": ocr_accuracy / layer_accuracy,
        },
    ):
        print("BENCH " + json.dumps(figure))
    if ocr_accuracy is None or ocr_accuracy < 0.95:
        raise SystemExit(f"correctness: OCR character accuracy {ocr_accuracy} is under 0.95")
    return 0


if __name__ == "__main__":
    sys.exit(main())
