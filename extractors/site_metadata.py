"""The label block a government page prints about its document, in whatever markup it uses.

Government CMSs publish a document's metadata (索引号, 发文机关, 发文字号, 成文日期, 发布日期,
实施日期, 失效日期, 有效性 …) beside the article, and every platform marks it up its own way: a
`<table>` of label and value cells, `<ul><li><span>label：</span>value</li>`, `<dl><dt>/<dd>`,
`<div>`/`<span>` pairs, a line "发布时间：… 来源：…", or `<meta name="ArticleTitle">` tags. The
shape does not matter here: the page's text is read as a run of text pieces in document order,
and a known label (vocabulary.yaml, `page_labels`) takes either the rest of its own piece after
a colon or the next piece as its value.

The values are kept as printed (`Document.site_metadata`); `disagreements` compares them with
what the document's own text says, so that a conflict is reported instead of one side being
silently preferred.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from extractors.dates import first_date
from extractors.docnumber import parse_doc_number
from extractors.keys import title_match_key
from extractors.model import Document
from extractors.vocabulary import label_key, vocabulary

_SKIP = ("script", "style", "noscript", "template", "select", "option", "button")
_MAX_VALUE_CHARS = 200
_MAX_LABEL_CHARS = 12
_COLON_ONLY = re.compile(r"^[\s\u3000\u00a0:：|｜]*$")
# Fields compared with the text's values, and how the problem names them.
COMPARED = {
    "title": "title",
    "doc_number": "发文字号",
    "issuer": "issuer",
    "issued_date": "成文日期",
    "effective_date": "effective date",
    "expiry_date": "expiry date",
}
FURNITURE = "furniture"  # labels that only end the value before them (字号, 浏览次数)
DATE_FIELDS = ("issued_date", "published_date", "effective_date", "expiry_date")


@lru_cache(maxsize=1)
def _inline_label_re() -> re.Pattern[str]:
    """ "label：value" inside one piece of text; the label at the start or after a space or bar."""
    labels = sorted(vocabulary().labels, key=len, reverse=True)
    spaced = [r"[\s\u3000\u00a0]*".join(map(re.escape, label)) for label in labels]
    return re.compile(
        r"(?:^|(?<=[\s\u3000\u00a0|｜]))(?P<label>" + "|".join(spaced) + r")[\s\u3000\u00a0]*[:：]"
    )


def _field_of(label: str) -> str | None:
    return vocabulary().labels.get(label_key(label))


def _is_value(text: str) -> bool:
    cleaned = text.strip()
    return bool(cleaned) and cleaned.lower() not in vocabulary().placeholders


def _clean_value(text: str) -> str:
    return re.sub(r"[\s\u3000\u00a0]+", " ", text).strip(" |｜;；,，")


@dataclass(frozen=True)
class Piece:
    """A run of text and the element that holds it."""

    text: str
    holder: Tag | None = None


def text_pieces(roots: Iterable[Tag], *, exclude: Tag | None = None) -> list[Piece]:
    """The non-empty text pieces under `roots`, in document order, scripts and forms left out,
    and nothing inside `exclude` (the article's body)."""
    pieces: list[Piece] = []
    for root in roots:
        for string in root.find_all(string=True):
            if isinstance(string, Comment) or not isinstance(string, NavigableString):
                continue
            parents = list(string.parents)
            if any(isinstance(p, Tag) and p.name in _SKIP for p in parents):
                continue
            if exclude is not None and any(p is exclude for p in parents):
                continue
            text = str(string).strip()
            if text and not _COLON_ONLY.match(text):
                pieces.append(Piece(text, string.parent))
            elif text and pieces and not pieces[-1].text.rstrip().endswith((":", "：")):
                # <span>发文字号</span>：<span>…</span>
                pieces[-1] = Piece(pieces[-1].text + "：", pieces[-1].holder)
    return _merge_split_labels(pieces)


def _common_holder(a: Tag | None, b: Tag | None) -> Tag | None:
    """The innermost element holding both `a` and `b`."""
    if a is None or b is None:
        return a or b
    chain = [b, *b.parents]
    return next((p for p in [a, *a.parents] if any(p is q for q in chain)), None)


def _merge_split_labels(pieces: list[Piece]) -> list[Piece]:
    """索<span>引</span><span>号：</span>: a label spread over elements for letter-spacing, rejoined."""
    merged: list[Piece] = []
    i = 0
    while i < len(pieces):
        joined = None
        if len(label_key(pieces[i].text)) <= 2:
            text = pieces[i].text
            for k in range(i + 1, min(i + 5, len(pieces))):
                if len(label_key(pieces[k].text)) > 2:
                    break
                text += pieces[k].text
                if _exact_label(text) is not None:
                    joined = (Piece(text, _common_holder(pieces[i].holder, pieces[k].holder)), k)
        if joined:
            merged.append(joined[0])
            i = joined[1] + 1
        else:
            merged.append(pieces[i])
            i += 1
    return merged


def _near(label: Piece, value: Piece) -> bool:
    """A value belongs to a label in the same row, item or pair: a common ancestor within two levels.

    An empty cell must not take the next block's text (the heading under a label table).
    """
    if label.holder is None or value.holder is None:
        return True
    scope = [label.holder, *list(label.holder.parents)[:2]]
    chain = [value.holder, *value.holder.parents]
    return any(any(a is b for b in chain) for a in scope)


def _exact_label(piece: str) -> str | None:
    key = label_key(piece)
    return _field_of(key) if key and len(key) <= _MAX_LABEL_CHARS else None


def read_pieces(pieces: list[Piece] | list[str]) -> dict[str, str]:
    """Label → value pairs found in a run of text pieces; the first value of a field wins."""
    runs = [p if isinstance(p, Piece) else Piece(p) for p in pieces]
    found: dict[str, str] = {}

    def put(name: str, value: str) -> None:
        value = _clean_value(value)
        if name != FURNITURE and _is_value(value) and len(value) <= _MAX_VALUE_CHARS and name not in found:
            found[name] = value

    def value_after(i: int) -> str | None:
        if i + 1 >= len(runs):
            return None
        following = runs[i + 1]
        if _exact_label(following.text) is not None or _inline_label_re().match(following.text):
            return None
        return following.text if _near(runs[i], following) else None

    i = 0
    while i < len(runs):
        piece = runs[i].text
        name = _exact_label(piece)
        if name is not None:
            value = value_after(i)
            if value is not None:
                put(name, value)
                i += 2
                continue
            i += 1
            continue
        marks = list(_inline_label_re().finditer(piece))
        for k, mark in enumerate(marks):
            value_end = marks[k + 1].start() if k + 1 < len(marks) else len(piece)
            value = piece[mark.end() : value_end]
            label_name = _field_of(mark["label"])
            if label_name is None:
                continue
            if not value.strip() and k + 1 == len(marks):
                following = value_after(i)
                if following is not None:
                    put(label_name, following)
                    i += 1
                    continue
            put(label_name, value)
        i += 1
    return found


def meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    """<meta name="ArticleTitle" content="…"> and the other names vocabulary.yaml lists."""
    names = vocabulary().meta_tags
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        name = names.get(str(meta.get("name", "")).strip().lower())
        content = _clean_value(str(meta.get("content", "")))
        if name and _is_value(content):
            found.setdefault(name, content)
    return found


def is_metadata_line(line: str) -> bool:
    """A body line that is page furniture: "发布时间：2024-03-05 来源：市政府办公室 …".

    Only lines that start with a label of the publication record (published date, source,
    index number, subject) and hold no sentence: a document's own "发文字号：" line is text.
    """
    if "。" in line:
        return False
    mark = _inline_label_re().match(line.strip())
    if mark is None:
        return False
    return _field_of(mark["label"]) in ("published_date", "source", "index_number", "subject")


# ---------------------------------------------------------------- comparing with the text


def site_date(value: str | None) -> date | None:
    """The date a label block's value gives, whatever the spelling (2024-03-05 10:20, 2024年3月5日)."""
    return first_date(value) if value else None


def _abbreviates(short: str, full: str) -> bool:
    """国令 abbreviates 中华人民共和国国务院令: its characters appear in order in the full name."""
    rest = iter(full)
    return all(ch in rest for ch in short)


def _same(name: str, site: str, text: str) -> bool:
    if name in DATE_FIELDS:
        return site_date(site) == site_date(text)
    if name == "doc_number":
        site_number, text_number = parse_doc_number(site), parse_doc_number(text)
        if site_number is None or text_number is None:
            return False
        if site_number.is_order and text_number.is_order and site_number.serial == text_number.serial:
            one, other = site_number.issuer_code, text_number.issuer_code
            return _abbreviates(one, other) or _abbreviates(other, one)
        return site_number.normalized == text_number.normalized
    a, b = title_match_key(site), title_match_key(text)
    if name == "issuer":
        # The label block often names one organ of a joint document, or the organ's short form
        # (市政府办公室 for 临川市人民政府办公室).
        return bool(a and b) and (a in b or b in a or _abbreviates(a, b) or _abbreviates(b, a))
    return a == b


def comparable(name: str, site: str) -> bool:
    """A site value that can be compared: a date field whose value names no date cannot."""
    if name in DATE_FIELDS:
        return site_date(site) is not None
    if name == "doc_number":
        return parse_doc_number(site) is not None
    return True


def disagreements(doc: Document) -> list[str]:
    """One problem per field where the page's label block and the document's text disagree."""
    problems: list[str] = []
    for name, shown in COMPARED.items():
        site = doc.site_metadata.get(name)
        text = getattr(doc, name)
        if not site or not text or not comparable(name, site):
            continue
        if not _same(name, site, str(text)):
            problems.append(f"page metadata disagrees on {shown}: the page says {site!r}, the text {text!r}")
    return problems
