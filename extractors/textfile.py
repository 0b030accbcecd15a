"""Read a text dump (PDF text as extracted, a pasted document) into pages.

Dumps come in two shapes: with "# Page N:" markers (the printed page number of
what follows) or as one run of text. Form feeds (pdftotext's page separator)
are honoured when there are no markers. Chinese government text is UTF-8 today
and GB18030 (GBK) in older files; anything else is refused with a clear error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from extractors.errors import EmptyFileError, TextDecodingError
from extractors.model import Page

_PAGE_MARKER = re.compile(r"^#\s*Page\s+(\d{1,6})\s*:?\s*$", re.MULTILINE)


@dataclass
class TextPages:
    """The pages of a text file and what was noticed while reading it."""

    pages: list[Page]
    encoding: str
    problems: list[str] = field(default_factory=list)


def decode_text(data: bytes, name: str = "text") -> tuple[str, str, list[str]]:
    """Decode as UTF-8, else GB18030 (noted as a problem, since it was a guess)."""
    if not data.strip():
        raise EmptyFileError(f"{name}: file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TextDecodingError(
            f"{name}: neither UTF-8 nor GB18030 (invalid byte at offset {exc.start})"
        ) from None
    return text, "gb18030", [f"{name}: not UTF-8, decoded as GB18030"]


def split_pages(text: str) -> list[Page]:
    """Pages from "# Page N:" markers, else from form feeds, else one page.

    Text before the first marker (usually blank) becomes a page without a
    printed number only when it holds something. A marker followed by nothing
    is a page without text (an image-only page in the source): kept, flagged.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    markers = list(_PAGE_MARKER.finditer(text))
    pages: list[Page] = []
    if markers:
        preamble = text[: markers[0].start()]
        if preamble.strip():
            pages.append(Page(index=0, text=preamble.strip("\n")))
        for k, marker in enumerate(markers):
            end = markers[k + 1].start() if k + 1 < len(markers) else len(text)
            body = text[marker.end() : end].strip("\n")
            pages.append(
                Page(
                    index=len(pages),
                    text=body,
                    printed_number=int(marker.group(1)),
                    has_text=bool(body.strip()),
                )
            )
        return pages
    chunks = text.split("\f") if "\f" in text else [text]
    if chunks and not chunks[-1].strip() and len(chunks) > 1:
        chunks = chunks[:-1]  # pdftotext ends with a form feed
    return [
        Page(index=k, text=chunk.strip("\n"), has_text=bool(chunk.strip())) for k, chunk in enumerate(chunks)
    ]


def read_text_pages(path: Path) -> TextPages:
    """Read a text dump from disk into pages."""
    text, encoding, problems = decode_text(Path(path).read_bytes(), Path(path).name)
    return TextPages(pages=split_pages(text), encoding=encoding, problems=problems)
