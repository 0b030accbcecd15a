"""Near-duplicate documents under different identities (a number missed, a date misread).

The loader keys a document by number + issuer, else title + date; when one
copy lost its number or its date, the same text lands under two ids. This
step streams every document's latest text through the LSH index in order of
first publication and records each later copy in `document_duplicates`, so
analysts can fold them; the rows themselves are left alone (their events are
history).
"""

from __future__ import annotations

import duckdb

from reconcile.dedup import DuplicateIndex
from warehouse.copies import Copy
from warehouse.derived import store_duplicates


def find_document_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """Record near-duplicate documents; returns how many new pairs were recorded."""
    rows = con.execute(
        """
        SELECT d.document_id, d.title, v.text FROM documents d
        JOIN versions v ON v.version_id = d.latest_version_id
        ORDER BY d.first_published_date NULLS LAST, d.first_loaded_at, d.document_id
        """
    ).fetchall()
    index = DuplicateIndex()
    found = []
    for document_id, title, text in rows:
        match = index.add(document_id, Copy(text, title))
        if match is not None:
            found.append(match)
    return store_duplicates(con, [(m.key, m.duplicate_of, m.method, m.similarity, m.reason) for m in found])
