"""Cutting a document into the pieces a reader cites: articles, numbered items, paragraphs.

A diff is only readable at this level: "第九条（二） changed 6 → 14" rather than
"characters 3120–3121 changed". Lines of extracted text break anywhere, so a
block starts only where the text itself starts one: an article (第X条), a
chapter, a numbered item (一、 （一） 1. （1）), a line after sentence-final
punctuation, or after a short heading-like line (titles, signatures, dates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.canon import canonical, display, is_furniture

_CN_NUM = "一二三四五六七八九十百零〇两"
_CHAPTER = re.compile(rf"^第[{_CN_NUM}\d]+[章编](?![的])")
_ARTICLE = re.compile(rf"^第[{_CN_NUM}\d]+条(?=\s|　|$|[^款项])")
_ITEM_1 = re.compile(rf"^[{_CN_NUM}]+、")
_ITEM_2 = re.compile(rf"^[（(][{_CN_NUM}]+[)）]")
_ITEM_3 = re.compile(r"^\d{1,3}[.．、](?!\d)")
_ITEM_4 = re.compile(r"^[（(]\d{1,3}[)）]")
_ITEM_LEVELS = (_ITEM_1, _ITEM_2, _ITEM_3, _ITEM_4)
_ENDS_SENTENCE = re.compile(r"[。！？；：:;!?]\s*$")
_PUNCTUATION = re.compile(r"[，,、。；;：:]")
HEADING_MAX_CHARS = 16


@dataclass(frozen=True)
class Block:
    """One citable piece of a document: its place (locator), its text, and its comparison key."""

    index: int
    locator: str
    text: str  # for people: one line, spaces inside Chinese text removed
    key: str  # canonical(text): letters and digits only


def _marker(line: str) -> str | None:
    for pattern in (_CHAPTER, _ARTICLE, *_ITEM_LEVELS):
        found = pattern.match(line)
        if found:
            return found.group(0).strip()
    return None


def _is_heading(line: str) -> bool:
    compact = re.sub(r"\s+", "", line)
    return len(compact) <= HEADING_MAX_CHARS and not _PUNCTUATION.search(compact)


def _paragraphs(text: str) -> list[str]:
    paragraphs: list[list[str]] = []
    previous = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or is_furniture(line):
            continue
        starts_new = (
            not paragraphs
            or _marker(line) is not None
            or bool(_ENDS_SENTENCE.search(previous))
            or _is_heading(previous)
        )
        if starts_new:
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
        previous = line
    return ["\n".join(lines) for lines in paragraphs]


class _Locator:
    """Tracks where in the document structure the current block stands."""

    def __init__(self) -> None:
        self.article: str | None = None
        self.article_paragraph = 0
        self.items: list[str | None] = [None] * len(_ITEM_LEVELS)
        self.paragraph = 0

    def place(self, text: str) -> str:
        self.paragraph += 1
        head = display(text)
        chapter = _CHAPTER.match(head)
        if chapter:
            self.article, self.items = None, [None] * len(_ITEM_LEVELS)
            return chapter.group(0).strip()
        article = _ARTICLE.match(head)
        if article:
            self.article, self.article_paragraph = article.group(0).strip(), 1
            self.items = [None] * len(_ITEM_LEVELS)
            return self.article
        for level, pattern in enumerate(_ITEM_LEVELS):
            found = pattern.match(head)
            if found:
                self.items[level] = found.group(0).rstrip("、.．")
                for lower in range(level + 1, len(self.items)):
                    self.items[lower] = None
                path = "".join(item for item in self.items[: level + 1] if item)
                return f"{self.article}{path}" if self.article else path
        if self.article:
            self.article_paragraph += 1
            return f"{self.article}第{self.article_paragraph}款"
        return f"第{self.paragraph}段"


def split_blocks(text: str) -> list[Block]:
    """The document's blocks in reading order, each with a locator such as 第九条（二）."""
    pieces = [(paragraph, canonical(paragraph)) for paragraph in _paragraphs(text)]
    return blocks_of([(display(paragraph), key) for paragraph, key in pieces if key])


def blocks_of(pieces: list[tuple[str, str]]) -> list[Block]:
    """Blocks from (display text, key) pieces in reading order, locators assigned afresh.

    The diff re-cuts blocks where the other version shows a boundary the
    splitter could not see here; the pieces then need their own locators.
    """
    locator = _Locator()
    return [
        Block(index=i, locator=locator.place(text), text=text, key=key)
        for i, (text, key) in enumerate(pieces)
    ]
