"""OCR by default (issue 16): the sample's scanned page is read during extraction, and read well.

The replica renders one page of the attachment table of 宁政办发〔2023〕50号 (seed lines
386-392 of the 2024 No. 2 issue) as a greyscale scan without a text layer
(replica/render_image_page.py). `make` installs tesseract with its Chinese model, so these
tests run; they fail, never skip, on a machine where `make` has not set OCR up.
"""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from rapidfuzz.distance import Levenshtein

from extractors import ocr
from extractors.clean import normalized_text
from extractors.pipeline import extract_file
from replica.catalogue import load_catalogue

ISSUE = "nx-2024-02"
ACCURACY_TARGET = 0.95
NOT_SET_UP = "tesseract + chi_sim absent: `make` installs them (scripts/setup-system.sh)"


def character_accuracy(read: str, truth: str) -> float:
    """1 - edit distance / length, on the comparison form (NFKC, one bracket and quote form, no spaces)."""
    return Levenshtein.normalized_similarity(normalized_text(read), normalized_text(truth))


def scanned_page_truth() -> str:
    """The seed lines the renderer drew into the scanned page."""
    publication = load_catalogue().publication(ISSUE)
    first, last = publication.image_only_lines
    return "\n".join(publication.text_lines()[first - 1 : last])


def scanned_page_index(sample_build: Path) -> int:
    manifest = json.loads((sample_build / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["publications"] if e["id"] == ISSUE)
    (index,) = [i for i, page in enumerate(entry["pages"]) if not page["has_text"]]
    return index


@pytest.mark.slow  # one real tesseract run, no cache (~10 s)
def test_the_samples_scanned_page_is_read_with_95_percent_character_accuracy(sample_build: Path) -> None:
    assert ocr.available(), NOT_SET_UP
    pdf = pdfium.PdfDocument(sample_build / "pdf" / f"{ISSUE}.pdf")
    try:
        text = ocr.ocr_page(pdf[scanned_page_index(sample_build)], cache=False)
    finally:
        pdf.close()
    accuracy = character_accuracy(text, scanned_page_truth())
    assert accuracy >= ACCURACY_TARGET, f"character accuracy {accuracy:.4f}"


def test_extraction_reads_the_scanned_page_and_marks_it_ocr(sample_build: Path) -> None:
    assert ocr.available(), NOT_SET_UP
    result = extract_file(sample_build / "pdf" / f"{ISSUE}.pdf")
    page = result.pages[scanned_page_index(sample_build)]
    assert page.ocr and page.has_text
    assert result.pages_without_text == []
    assert [p.index for p in result.pages if p.ocr] == [page.index]  # text-layer pages are never OCR'd
    # the table rows of the scan are now part of the document they belong to
    (doc,) = [d for d in result.documents if d.doc_number == "宁政办发〔2023〕50号"]
    assert "政务服务体验员" in doc.text


def test_a_blank_scan_is_not_sent_to_tesseract(tmp_path: Path) -> None:
    from PIL import Image

    scan = tmp_path / "blank.pdf"
    Image.new("L", (992, 1403), 236).save(scan, "PDF", resolution=120)  # an empty grey sheet
    pdf = pdfium.PdfDocument(scan)
    try:
        assert ocr.looks_blank(pdf[0])
        assert ocr.ocr_page(pdf[0], cache=False) == ""
    finally:
        pdf.close()


def test_an_image_claiming_billions_of_pixels_is_not_decoded_for_ocr(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "badinput"))
    import corpus

    bomb = tmp_path / "image-bomb.pdf"
    bomb.write_bytes(corpus.image_bomb())
    pdf = pdfium.PdfDocument(bomb)
    try:
        assert ocr.largest_image_pixels(pdf[0]) == 100_000 * 100_000
        with pytest.raises(ocr.OcrError, match="OCR limit"):
            ocr.ocr_page(pdf[0], cache=False)
    finally:
        pdf.close()


def test_a_files_ocr_budget_leaves_later_scans_flagged(tmp_path: Path, monkeypatch) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "badinput"))
    import corpus

    from extractors.pdf import read_pdf_pages

    scans = tmp_path / "scanned-5-pages.pdf"
    scans.write_bytes(corpus.image_only_pages(5))
    tried: list[int] = []
    real = ocr.looks_blank
    monkeypatch.setattr(ocr, "MAX_PAGES_PER_FILE", 2)
    monkeypatch.setattr(ocr, "looks_blank", lambda page: tried.append(1) or real(page))
    pages = list(read_pdf_pages(scans, ocr=True))
    assert len(tried) == 2  # the budget, not the five scanned pages
    assert [p.has_text for p in pages] == [False] * 5  # blank scans stay flagged
