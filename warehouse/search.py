"""Full-text search over documents in Chinese.

DuckDB's fts extension tokenizes on whitespace, which finds nothing in
unsegmented Chinese. So the text is segmented by jieba first (search mode, so
that 营商环境 is indexed as 营商, 环境 and 营商环境) and stored space-separated
in `search_documents`; the index runs with stemmer='none' and no stopwords, and
queries are segmented the same way.

The recipe in SQL, for analysts (after `LOAD fts`):

    SELECT d.doc_number, d.title, s.score
    FROM (SELECT document_id,
                 fts_main_search_documents.match_bm25(document_id, '营商 环境 营商环境 民营') AS score
          FROM search_documents) s
    JOIN documents d USING (document_id)
    WHERE s.score IS NOT NULL
    ORDER BY s.score DESC LIMIT 10;
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa

from core.errors import WarehouseError
from warehouse.fts import load_fts

INDEX_SCHEMA = "fts_main_search_documents"
_PUNCTUATION_ONLY = re.compile(r"^[\W_]+$")
_WHITESPACE = re.compile(r"\s+")
# PDF line breaks fall inside words: 营商\n环境 must read (and match) as 营商环境.
_BREAK_BETWEEN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


class SearchError(WarehouseError):
    """A search that cannot run: empty query, or no index built yet."""


@dataclass(frozen=True)
class SearchHit:
    document_id: str
    doc_number: str | None
    title: str
    issuer: str | None
    issued_date: date | None
    status: str
    score: float
    snippet: str


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens, lower-cased, punctuation and whitespace dropped."""
    tokens = []
    for token in _jieba().cut_for_search(text):
        token = token.strip().lower()
        if token and not _PUNCTUATION_ONLY.match(token):
            tokens.append(token)
    return tokens


def build_search_index(con: duckdb.DuckDBPyConnection) -> int:
    """Tokenize documents whose latest version is not indexed yet, then rebuild the fts index.

    Returns the number of documents (re)tokenized. Run it after loads, outside
    their transactions: tokenizing is the slow part and is only done once per
    version.
    """
    load_fts(con)
    pending = con.execute(
        """
        SELECT d.document_id, d.latest_version_id, d.title, coalesce(d.doc_number, ''), v.text
        FROM documents d
        JOIN versions v ON v.version_id = d.latest_version_id
        LEFT JOIN search_documents s ON s.document_id = d.document_id
        WHERE s.version_id IS DISTINCT FROM d.latest_version_id
        """
    ).fetchall()
    exists = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [INDEX_SCHEMA]
    ).fetchone()
    if not pending and exists and exists[0]:
        return 0
    rows = pa.table(
        {
            "document_id": [r[0] for r in pending],
            "version_id": [r[1] for r in pending],
            "title_tokens": [" ".join(tokenize(f"{r[2]} {r[3]}")) for r in pending],
            "body_tokens": [" ".join(tokenize(r[4])) for r in pending],
        }
    )
    con.register("_search_rows", rows)
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "DELETE FROM search_documents WHERE document_id IN (SELECT document_id FROM _search_rows)"
        )
        con.execute(
            "INSERT INTO search_documents (document_id, version_id, title_tokens, body_tokens, indexed_at) "
            "SELECT document_id, version_id, title_tokens, body_tokens, now() AT TIME ZONE 'UTC' "
            "FROM _search_rows"
        )
        con.execute(
            "PRAGMA create_fts_index('search_documents', 'document_id', 'title_tokens', 'body_tokens', "
            "stemmer = 'none', stopwords = 'none', ignore = '\\s+', strip_accents = 0, lower = 1, "
            "overwrite = 1)"
        )
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_search_rows")
    return len(pending)


def highlight(text: str, terms: list[str], width: int = 80, marks: tuple[str, str] = ("«", "»")) -> str:
    """A window of `text` around the first matching term, every term occurrence marked."""
    flat = _WHITESPACE.sub(" ", _BREAK_BETWEEN_CJK.sub("", text)).strip()
    longest_first = sorted({t for t in terms if t}, key=len, reverse=True)
    if not longest_first:
        return flat[:width]
    pattern = re.compile("|".join(re.escape(t) for t in longest_first), re.IGNORECASE)
    first = pattern.search(flat)
    start = max(0, (first.start() if first else 0) - width // 4)
    window = flat[start : start + width]
    marked = pattern.sub(lambda m: f"{marks[0]}{m.group(0)}{marks[1]}", window)
    return ("…" if start > 0 else "") + marked + ("…" if start + width < len(flat) else "")


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    limit: int = 10,
    marks: tuple[str, str] = ("«", "»"),
) -> list[SearchHit]:
    """Documents ranked by BM25 over jieba tokens of title, number and latest text."""
    terms = tokenize(query)
    if not terms:
        raise SearchError(f"nothing to search for in {query!r}")
    exists = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?", [INDEX_SCHEMA]
    ).fetchone()
    if not exists or not exists[0]:
        raise SearchError("no search index in this warehouse yet: run build_search_index after loading")
    load_fts(con)
    rows = con.execute(
        f"""
        SELECT d.document_id, d.doc_number, d.title, d.issuer, d.issued_date, d.status, s.score, v.text
        FROM (
            SELECT document_id, {INDEX_SCHEMA}.match_bm25(document_id, ?) AS score FROM search_documents
        ) s
        JOIN documents d ON d.document_id = s.document_id
        JOIN versions v ON v.version_id = d.latest_version_id
        WHERE s.score IS NOT NULL
        ORDER BY s.score DESC, d.document_id
        LIMIT ?
        """,
        [" ".join(terms), limit],
    ).fetchall()
    query_words = [w for w in _WHITESPACE.split(query.strip().lower()) if w] + terms
    return [
        SearchHit(
            document_id=r[0],
            doc_number=r[1],
            title=r[2],
            issuer=r[3],
            issued_date=r[4],
            status=r[5],
            score=float(r[6]),
            snippet=highlight(r[7], query_words, marks=marks),
        )
        for r in rows
    ]
