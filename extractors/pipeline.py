"""One input file → its official documents with metadata: the whole extraction stage.

The format is decided by the content, not the name (a saved error page named
.pdf, a gazette dump named .html, a file without extension): %PDF- is a PDF,
markup is an article page, anything else decodable is a text dump. A file that
cannot be read raises a subclass of `ExtractionError` with a one-line message;
what could be read but looks doubtful is reported in `problems`, never hidden.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extractors.charset import charset_from_content_type
from extractors.clean import describe_removed, normalized_text, strip_invisible, to_paragraphs
from extractors.doc_kind import classify, order_title
from extractors.docnumber import parse_doc_number
from extractors.errors import EmptyFileError, ExtractionError, InputTooLargeError, UnsupportedFormatError
from extractors.furniture import strip_furniture
from extractors.keys import doc_number_key
from extractors.metadata import describe as describe_metadata
from extractors.metadata import official_marks, promulgated_title
from extractors.model import Document, Page
from extractors.segment import infer_printed_numbers, segment_pages
from extractors.site_metadata import disagreements

SNIFF_BYTES = 4096
_TITLE_NUMBER_RE = re.compile(r"[（(]([^（）()]{4,40}号)[）)]$")

# Size limits of what one publication may be. A real article page is well under 1 MB (inline
# images add a few); a 94 MB "article" stalled the search-index build of a whole run. The
# longest real document (the Civil Code) has ~110,000 characters: ten times that is not one
# document, and a longer text is trimmed with a problem on the document.
MAX_HTML_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_CHARS = 1_000_000


class ReaderFailedError(ExtractionError):
    """A reader failed in a way it did not anticipate; the file is reported, the caller goes on."""


@dataclass
class ExtractionResult:
    """The documents of one file and a summary of its pages, for the CLI and the loader."""

    source_file: str
    format: str  # pdf | html | text
    documents: list[Document]
    page_count: int
    pages_without_text: list[int] = field(default_factory=list)  # printed numbers, else 1-based
    problems: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list, repr=False)  # for the warehouse's pages table

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sniff_format(path: Path) -> str:
    """pdf, html or text, from the first bytes; refuses empty and binary files."""
    with Path(path).open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise EmptyFileError(f"{Path(path).name}: file is empty")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if Path(path).suffix.lower() == ".pdf":
        return "pdf"  # named PDF but not one: the PDF reader says so precisely
    if b"\x00" in head:
        raise UnsupportedFormatError(f"{Path(path).name}: binary content, neither PDF, HTML nor text")
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        lowered.startswith((b"<!doctype html", b"<html", b"<?xml"))
        or b"<html" in lowered
        or b"<body" in lowered
    ):
        return "html"
    return "text"


def extract_file(path: Path, *, describe: bool = True, content_type: str | None = None) -> ExtractionResult:
    """Extract the documents of one file (PDF, HTML article or text dump).

    `content_type` is what the server said the file was (its charset decides how a page decodes).
    """
    path = Path(path)
    if not path.is_file():
        raise ExtractionError(f"{path.name}: no such file")
    kind = sniff_format(path)
    try:
        if kind == "html":
            result = _extract_html(path, charset_from_content_type(content_type))
        else:
            pages, problems = _read_pages(path, kind)
            removed = {page.index: _strip_page(page) for page in pages}
            result = _extract_pages(path, kind, pages, problems)
            _note_removed(result.documents, pages, removed)
    except ExtractionError:
        raise
    except (OSError, MemoryError, RuntimeError, ValueError, KeyError, IndexError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise ReaderFailedError(
            f"{path.name}: {kind} reader failed: {type(exc).__name__}: {message}"
        ) from exc
    describer = describe_metadata if describe else None
    for doc in result.documents:
        doc.source_file = str(path)
        _limit_size(doc)
        doc.normalized_text = normalized_text(doc.text)
        if describer is not None:
            _describe_one(describer, doc, result.problems)
        if doc.site_metadata:
            doc.problems.extend(p for p in disagreements(doc) if p not in doc.problems)
    return result


def _strip_page(page: Page) -> Counter[str]:
    page.text, removed = strip_invisible(page.text)
    return removed


def _note_removed(documents: list[Document], pages: list[Page], removed: dict[int, Counter[str]]) -> None:
    """Each document says which invisible characters were taken out of its pages."""
    for doc in documents:
        found: Counter[str] = Counter()
        for page in pages:
            number = page.printed_number if page.printed_number is not None else page.index + 1
            if doc.start_page is None or doc.start_page <= number <= (doc.end_page or doc.start_page):
                found += removed.get(page.index, Counter())
        if found:
            doc.problems.append(describe_removed(found))


def _limit_size(doc: Document) -> None:
    if len(doc.text) > MAX_DOCUMENT_CHARS:
        doc.problems.append(
            f"text of {len(doc.text):,} characters trimmed to the first {MAX_DOCUMENT_CHARS:,}"
            " (longer than any real document)"
        )
        doc.text = doc.text[:MAX_DOCUMENT_CHARS]


def _read_pages(path: Path, kind: str) -> tuple[list[Page], list[str]]:
    if kind == "pdf":
        from extractors.pdf import read_pdf_pages

        return list(read_pdf_pages(path, ocr=True)), []  # scanned pages are read where tesseract is
    from extractors.textfile import read_text_pages

    read = read_text_pages(path)
    return _strip_text_furniture(read.pages), read.problems


def _strip_text_furniture(pages: list[Page]) -> list[Page]:
    """Running headers and footers of a text dump go, as they do for PDFs."""
    stripped = strip_furniture(pages)
    for original, page in zip(pages, stripped, strict=True):
        if page.printed_number is None:
            page.printed_number = original.printed_number  # a "# Page N:" marker is authoritative
    return stripped


def _extract_pages(path: Path, kind: str, pages: list[Page], problems: list[str]) -> ExtractionResult:
    infer_printed_numbers(pages)
    segmentation = segment_pages(pages)
    without_text = [
        page.printed_number if page.printed_number is not None else page.index + 1
        for page in pages
        if not page.has_text
    ]
    if pages and len(without_text) == len(pages):
        problems.append(f"{path.name}: no page has a text layer ({len(pages)} pages); OCR would be needed")
    elif without_text:
        problems.append(f"{path.name}: {len(without_text)} page(s) without text: {_short_list(without_text)}")
    return ExtractionResult(
        source_file=str(path),
        format=kind,
        documents=segmentation.documents,
        page_count=len(pages),
        pages_without_text=without_text,
        problems=problems + segmentation.problems,
        pages=pages,
    )


def _short_list(numbers: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" … ({len(numbers) - limit} more)" if len(numbers) > limit else "")


def _extract_html(path: Path, http_charset: str | None = None) -> ExtractionResult:
    """An article page holds one document, or none: a news, guide or FAQ page is not one.

    The page's label block is kept as the document's `site_metadata`; a page that is not an
    official document is still returned (its `kind` says why), so that the loader can record
    having seen it, and the CLI can say so.
    """
    from extractors.html import decode_html, parse_article

    size = path.stat().st_size
    if size > MAX_HTML_BYTES:
        raise InputTooLargeError(
            f"{path.name}: HTML page of {size / 1e6:.1f} MB is over the {MAX_HTML_BYTES // 2**20} MiB"
            " limit for an article; refused"
        )
    html, _charset, problems = decode_html(path.read_bytes(), http_charset, name=path.name)
    article = parse_article(html, name=path.name)
    removed: Counter[str] = Counter()

    def visible(text: str) -> str:
        text, found = strip_invisible(text)
        removed.update(found)
        return text

    body = [line for line in (visible(line) for line in article.lines) if line]
    title = visible(article.title) if article.title else (body[0] if body else path.stem)
    hints = {key: visible(value) for key, value in article.hints.items()}
    if body and body[0] == title:
        body = body[1:]  # the heading repeated at the top of the body
    if order_title(title):
        # An order and the rules it promulgates are one document, titled with the rules' name;
        # the page's heading (…人民政府令（第180号）) stays in the text, where the order's number is.
        rules = promulgated_title("\n".join(body))
        if rules:
            title, body = rules, [title, *body]
    title_number = None
    numbered = _TITLE_NUMBER_RE.search(title)
    if numbered and parse_doc_number(numbered.group(1)) is not None:
        # Sites append the number to the title (…的通知（临府发〔2024〕3号）); it is no part of it.
        title, title_number = title[: numbered.start()].strip(), numbered.group(1)
    doc = Document(title=title, text="\n".join([title, *to_paragraphs(body, cleaned=True)]))
    if removed:
        doc.problems.append(describe_removed(removed))
    doc.site_metadata = dict(hints)
    _apply_hints(doc, hints)
    if title_number and not doc.doc_number:
        doc.doc_number = title_number
    doc.kind, why = classify(title, official_marks(doc.text, title), hints.get("column"))
    if why:
        problems.append(f"{path.name}: not an official document ({doc.kind}): {why}")
    return ExtractionResult(
        source_file=str(path),
        format="html",
        documents=[doc],
        page_count=1,
        problems=problems + article.problems,
        pages=[Page(index=0, text=doc.text)],
    )


def _apply_hints(doc: Document, hints: dict[str, str]) -> None:
    """The page's metadata table is what the publisher states; it seeds the document."""
    if hints.get("issuer"):
        doc.issuer = hints["issuer"]
    if hints.get("doc_number") and parse_doc_number(hints["doc_number"]) is not None:
        doc.doc_number = doc_number_key(hints["doc_number"])


def _describe_one(describer: Callable[[Document], Document], doc: Document, problems: list[str]) -> None:
    """One document whose metadata cannot be parsed never costs the others theirs."""
    preset = {"doc_number": doc.doc_number, "issuer": doc.issuer}
    try:
        described = describer(doc)
    except Exception as exc:  # a parser bug on one document must not lose the file
        problems.append(f"metadata of {doc.title[:40]}: {type(exc).__name__}: {exc}")
        return
    if described is not doc and described is not None:
        for key, value in asdict(described).items():
            if key != "references":
                setattr(doc, key, value)
        doc.references = described.references
    for key, value in preset.items():
        if value and not getattr(doc, key):
            setattr(doc, key, value)
