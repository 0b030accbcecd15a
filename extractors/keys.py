"""The keys that identify a document, its title, its text and its versions: defined once, here.

Every comparison of identifiers goes through these functions — the loader deciding that
two sightings are one document, reconcile resolving a reference, the CLI, the dashboard
and the digests finding the document a person typed — so that a spelling one of them
accepts, all of them accept.

- A document is its 发文字号 plus issuer when it has a number, else its title key plus
  成文日期 (`identity_key`); `document_id_for` hashes that key.
- No key carries an invisible or control character (extractors.clean.strip_invisible).
- A 发文字号 key is the number in its one normalized spelling (宁政办发〔2023〕24号): brackets of
  every width, full-width digits, spaces, 第 before the serial and zero-padded serials all
  fold (`doc_number_key`); a fragment a person types (令（第130号）) folds the same way.
- A title has two keys: `title_key` (widths and spaces folded; part of a document's
  identity, so it never changes lightly) and `title_match_key` (punctuation, brackets and
  quotes gone as well: for matching a title cited in running text or typed in a search box).
- A version is the sha256 of the normalized text (`extractors.clean.normalized_text`, which
  extraction fills `Document.normalized_text` with): `content_hash`, `version_id_for`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from extractors.clean import strip_invisible
from extractors.docnumber import parse_doc_number

_WHITESPACE = re.compile(r"\s+")
# After NFKC, full-width brackets become ASCII; doc numbers use 〔〕, which NFKC keeps.
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕"})
_TITLE_QUOTES = str.maketrans({"〈": "《", "〉": "》", "<": "《", ">": "》", "“": '"', "”": '"'})
_TITLE_PUNCTUATION = re.compile(r"[《》\"'‘’「」『』()（）\[\]【】〔〕、，,。.:：;；·]")
# A year in brackets of any kind, once NFKC made them ASCII where it could.
_YEAR_IN_BRACKETS = re.compile(r"[〔(（]((?:19|20)\d{2})[〕)）]")
_SERIAL = re.compile(r"〕第?0*(\d+)号")
_ORDER_SERIAL = re.compile(r"令[(（]?第?0*(\d+)号[)）]?")


def doc_number_key(text: str | None) -> str | None:
    """The one spelling of a 发文字号 or of a fragment of one; None for nothing.

    宁政规发[2020]5号, 宁政规发（2020）05号, 宁政规发〔2020〕第5号, 宁政规发〔２０２０〕５号 →
    宁政规发〔2020〕5号; 令（第130号） → 令第130号 (a fragment: it finds 宁夏回族自治区人民政府令第130号).
    """
    if text is None:
        return None
    folded = _WHITESPACE.sub("", unicodedata.normalize("NFKC", strip_invisible(text)[0]))
    if not folded:
        return None
    parsed = parse_doc_number(folded)
    if parsed is not None:
        return parsed.normalized
    folded = folded.translate(_BRACKETS)
    folded = _YEAR_IN_BRACKETS.sub(r"〔\1〕", folded)
    folded = _ORDER_SERIAL.sub(r"令第\1号", folded)
    folded = _SERIAL.sub(r"〕\1号", folded)
    if folded.startswith("第") and folded.endswith("号"):
        folded = folded[1:]  # "第130号" alone: the serial of an order, found inside 令第130号
    return folded


def title_key(title: str) -> str:
    """A title as a comparison key: no spaces, one width of brackets and quotes. Part of identity."""
    folded = _WHITESPACE.sub("", unicodedata.normalize("NFKC", strip_invisible(title)[0]))
    return folded.translate(_TITLE_QUOTES)


def title_match_key(title: str | None) -> str:
    """A title for matching a mention or a search: `title_key` without punctuation, brackets or quotes."""
    if not title:
        return ""
    return _TITLE_PUNCTUATION.sub("", title_key(title))


def issuer_key(issuer: str | None) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", strip_invisible(issuer)[0])) if issuer else ""


def identity_key(doc_number: str | None, issuer: str | None, title: str, issued_date: str | None) -> str:
    """The readable key that names one real-world document."""
    number = doc_number_key(doc_number)
    if number:
        return f"number:{number}|{issuer_key(issuer)}"
    return f"title:{title_key(title)}|{issued_date or ''}"


def document_id_for(key: str) -> str:
    """A short, stable id derived from the identity key (same key → same id in any warehouse)."""
    return "doc-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
