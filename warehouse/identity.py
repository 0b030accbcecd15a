"""How the warehouse decides that two sightings are the same document or the same content.

First version of identity (issue 4): a document is its 发文字号 plus issuer
when it has a number, else its normalized title plus 成文日期. A version is
the sha256 of the normalized text (`extractors.clean.normalized_text`, the one
definition the extraction stage also fills `Document.normalized_text` with), so
that extraction noise (spaces inside numbers, bracket widths, line breaks) does
not count as a revision. The
reconcile stage (issue 6) may refine both; the keys stay strings so that
refinement is a data migration, not a schema change.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")
# After NFKC, full-width brackets become ASCII; doc numbers use 〔〕, which NFKC keeps.
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "【": "〔", "】": "〕"})
_TITLE_QUOTES = str.maketrans({"〈": "《", "〉": "》", "<": "《", ">": "》", "“": '"', "”": '"'})


def normalize_doc_number(doc_number: str | None) -> str | None:
    """宁政办发[2023]24 号 → 宁政办发〔2023〕24号; None or blank → None."""
    if doc_number is None:
        return None
    folded = _WHITESPACE.sub("", unicodedata.normalize("NFKC", doc_number)).translate(_BRACKETS)
    folded = folded.replace("(", "〔").replace(")", "〕") if re.search(r"\(\d{4}\)", folded) else folded
    return folded or None


def normalize_title(title: str) -> str:
    """A title as a comparison key: no spaces, one width of brackets and quotes."""
    folded = _WHITESPACE.sub("", unicodedata.normalize("NFKC", title))
    return folded.translate(_TITLE_QUOTES)


def normalize_issuer(issuer: str | None) -> str:
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", issuer)) if issuer else ""


def identity_key(doc_number: str | None, issuer: str | None, title: str, issued_date: str | None) -> str:
    """The readable key that names one real-world document."""
    number = normalize_doc_number(doc_number)
    if number:
        return f"number:{number}|{normalize_issuer(issuer)}"
    return f"title:{normalize_title(title)}|{issued_date or ''}"


def document_id_for(key: str) -> str:
    """A short, stable id derived from the identity key (same key → same id in any warehouse)."""
    return "doc-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def content_hash(normalized_text: str) -> str:
    return hashlib.sha256(normalized_text.encode("utf-8")).hexdigest()


def version_id_for(document_id: str, content_sha256: str) -> str:
    return f"{document_id}-v{content_sha256[:12]}"
