"""Finding the document a person means: one rule for every command, page and subscription.

A person gives a document id, a 发文字号 in any common spelling (brackets of any width,
第N号, a zero-padded serial, full-width digits, 令（第N号）), part of one, or a piece of the
title. `gazette diff/status/cascade/relations`, the dashboard's document picker and
`gazette subscribers add --document` all ask `find_document` or `candidates`, which use
the keys of extractors.keys: a spelling one of them accepts, all of them accept.
"""

from __future__ import annotations

from typing import Any

import duckdb

from core.errors import UserInputError
from extractors.keys import doc_number_key, title_key


class DocumentLookupError(UserInputError, LookupError):
    """Nothing, or several documents, fit what was asked; the message says which."""


# Exact id first, then the exact number, then fragments of number or title; newest first.
MATCH_SQL = """
SELECT document_id, doc_number, title, issued_date
FROM documents
WHERE ? = ''
   OR document_id = ?
   OR doc_number = ? OR contains(coalesce(doc_number, ''), ?)
   OR contains(normalized_title, ?)
ORDER BY document_id = ? DESC, coalesce(doc_number = ?, false) DESC, issued_date DESC NULLS LAST, document_id
LIMIT ?"""


def match_params(needle: str, limit: int = 30) -> tuple[Any, ...]:
    """The values of MATCH_SQL's placeholders, in order, for what a person typed."""
    raw = needle.strip()
    number = doc_number_key(raw) or raw
    title = title_key(raw) if raw else "\x00"  # an empty title would match every title
    return (raw, raw, number, number, title, raw, number, limit)


def candidates(con: duckdb.DuckDBPyConnection, needle: str, limit: int = 30) -> list[tuple[Any, ...]]:
    """(document_id, doc_number, title, issued_date) of the documents that fit `needle`, best first."""
    return con.execute(MATCH_SQL, list(match_params(needle, limit))).fetchall()


def find_document(con: duckdb.DuckDBPyConnection, needle: str) -> tuple[str, str, str | None]:
    """(document_id, title, doc_number) of the one document meant; an exact id or number wins."""
    raw = needle.strip()
    if not raw:
        raise DocumentLookupError("no document given (give a document id, a 发文字号 or part of the title)")
    rows = candidates(con, raw, limit=50)
    if not rows:
        raise DocumentLookupError(
            f"no document matches {needle!r} (give a document id, a 发文字号 or part of the title)"
        )
    number = doc_number_key(raw)
    exact = [r for r in rows if r[0] == raw or (number and r[1] == number)]
    if not exact and len(rows) > 1:
        names = "; ".join(f"{r[2]} ({r[1] or r[0]})" for r in rows[:5])
        raise DocumentLookupError(f"{len(rows)} documents match {needle!r}: {names} — be more precise")
    document_id, doc_number, title, _ = (exact or rows)[0]
    return document_id, title, doc_number
