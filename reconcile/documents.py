"""Near-duplicate documents under different identities (a number missed, a date misread).

The loader keys a document by number + issuer, else title + date; when one
copy lost its number or its date, the same text lands under two ids. This
step streams every document's latest text through the LSH index in order of
first publication and records each later copy in `document_duplicates`, so
analysts can fold them; the rows themselves are left alone (their events are
history).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from reconcile.dedup import DuplicateIndex
from warehouse.connect import scalar
from warehouse.copies import Copy


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
    if not found:
        return 0
    now = datetime.now(UTC).replace(tzinfo=None)
    before = scalar(con, "SELECT count(*) FROM document_duplicates")
    con.executemany(
        "INSERT INTO document_duplicates "
        "(document_id, canonical_document_id, method, similarity, reason, found_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [[m.key, m.duplicate_of, m.method, m.similarity, m.reason, now] for m in found],
    )
    return int(scalar(con, "SELECT count(*) FROM document_duplicates")) - before
