"""Finding the document a person means: by id, by 发文字号 (any bracket width, or part of it),
or by a piece of its title. One rule for every command (`gazette diff`, `status`, `cascade`)."""

from __future__ import annotations

import duckdb

from core.errors import UserInputError
from warehouse.identity import normalize_doc_number, normalize_title


class DocumentLookupError(UserInputError, LookupError):
    """Nothing, or several documents, fit what was asked; the message says which."""


def find_document(con: duckdb.DuckDBPyConnection, needle: str) -> tuple[str, str, str | None]:
    """(document_id, title, doc_number); an exact id or number wins over partial matches."""
    number = normalize_doc_number(needle)
    rows = con.execute(
        """
        SELECT document_id, title, doc_number FROM documents
        WHERE document_id = $raw OR doc_number = $number OR contains(doc_number, $number)
           OR contains(normalized_title, $title)
        ORDER BY (document_id = $raw) DESC, (doc_number = $number) DESC, first_published_date
        """,
        {"raw": needle, "number": number, "title": normalize_title(needle)},
    ).fetchall()
    if not rows:
        raise DocumentLookupError(
            f"no document matches {needle!r} (give a document id, a 发文字号 or part of the title)"
        )
    exact = [r for r in rows if r[0] == needle or (number and r[2] == number)]
    if not exact and len(rows) > 1:
        names = "; ".join(f"{r[1]} ({r[2] or r[0]})" for r in rows[:5])
        raise DocumentLookupError(f"{len(rows)} documents match {needle!r}: {names} — be more precise")
    document_id, title, doc_number = (exact or rows)[0]
    return document_id, title, doc_number
