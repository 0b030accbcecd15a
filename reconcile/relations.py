"""Typed links between documents: find each reference's target, now or on a later reconcile.

Extraction records what a text says about another document (repeals, supersedes, amends,
implements, corrects, cites, same_series) with the number and title as written. This module
finds the target among the documents the warehouse holds:

1. by number first: the normalized 发文字号 is the identity of an official document, so a
   unique match is certain (score 1.0); when the number names several documents (issuer
   spelled differently in two sources), the title decides among them;
2. then by title: an exact title key (the title, or the plan a notice issues: 关于印发《X》的通知
   issues X) is certain; otherwise rapidfuzz's ratio on the title keys, accepted at
   `TITLE_THRESHOLD` and only when both titles carry the same figures (years, counts) and the
   candidate's own number does not contradict the number written in the reference.

Why 0.90: the titles that must not match are the same template with a small change:
全区2023年政务公开工作要点 vs its 2024 edition (0.92, refused by the figures rule), or
自治区人民政府办公厅关于印发X的通知 vs …印发Y的通知 with short X and Y, which share 80–88% of
their characters. The variants that must match are the same title written differently
(quote and bracket widths, a dropped 自治区 or 的): 0.93 and up on the corpus. 0.90 sits
between; `tests/test_relations.py` pins both sides.

Unresolved references stay with their closest candidate and score, and are looked at again on
every reconcile (late binding: the target may be published, or backfilled, later). A reference
resolved by title is re-checked too, so that a number match arriving later takes precedence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import duckdb
from rapidfuzz import fuzz, process

from extractors.keys import doc_number_key, title_match_key
from extractors.references import own_titles
from warehouse.derived import store_resolutions
from warehouse.transactions import transaction

TITLE_THRESHOLD = 0.90
_NEAR_MISS_FLOOR = 0.60  # closer than this is worth showing to an analyst as the best candidate
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class RelationsReport:
    """What one `resolve_relations` pass did."""

    checked: int = 0  # references looked at (open ones, and title matches that a number may beat)
    resolved_by_number: int = 0
    resolved_by_title: int = 0
    upgraded_to_number: int = 0  # a title match replaced by a number match that arrived later
    unresolved: int = 0  # still open after this pass
    cascades_stored: int = 0  # implementing/implemented version pairs whose clause alignment was stored


@dataclass(frozen=True)
class _Doc:
    document_id: str
    doc_number: str | None
    title: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """The outcome for one reference: a target with method and score, or the best near miss."""

    target_document_id: str | None
    method: str | None
    score: float | None
    best_candidate_id: str | None = None
    best_candidate_score: float | None = None
    note: str | None = None


def _figures(key: str) -> list[str]:
    return _DIGITS.findall(key)


def _load_documents(con: duckdb.DuckDBPyConnection) -> list[_Doc]:
    rows = con.execute("SELECT document_id, doc_number, title FROM documents ORDER BY document_id").fetchall()
    docs = []
    for document_id, doc_number, title in rows:
        keys = {title_match_key(title)} | {title_match_key(t) for t in own_titles(title or "")}
        docs.append(
            _Doc(
                document_id,
                doc_number_key(doc_number),
                title or "",
                tuple(sorted(k for k in keys if k)),
            )
        )
    return docs


class _Index:
    """Documents by normalized number and by title key, with a flat list for fuzzy search."""

    def __init__(self, docs: list[_Doc]) -> None:
        self.by_number: dict[str, list[_Doc]] = defaultdict(list)
        self.by_key: dict[str, list[_Doc]] = defaultdict(list)
        for doc in docs:
            if doc.doc_number:
                self.by_number[doc.doc_number].append(doc)
            for key in doc.keys:
                self.by_key[key].append(doc)
        self.keys = list(self.by_key)

    def title_score(self, key: str, doc: _Doc) -> float:
        return max((fuzz.ratio(key, k) / 100 for k in doc.keys), default=0.0)


def _compatible(doc: _Doc, number: str | None, key: str, source_id: str) -> str | None:
    """Why `doc` cannot be the target (None when it can)."""
    if doc.document_id == source_id:
        return "the only close title is the citing document itself"
    if number and doc.doc_number and doc.doc_number != number:
        return f"closest title belongs to {doc.doc_number}, but the reference says {number}"
    if not any(sorted(_figures(key)) == sorted(_figures(k)) for k in doc.keys):
        return "closest title differs in its figures (year or count)"
    return None


def resolve_reference(
    index: _Index, source_id: str, target_doc_number: str | None, target_title: str | None
) -> Resolution:
    """Find the target of one reference: number first, then exact title, then fuzzy title."""
    number = doc_number_key(target_doc_number)
    key = title_match_key(target_title)
    if number:
        candidates = [d for d in index.by_number.get(number, []) if d.document_id != source_id]
        if len(candidates) == 1:
            return Resolution(candidates[0].document_id, "doc_number", 1.0)
        if candidates:
            scored = sorted(((index.title_score(key, d), d.document_id) for d in candidates), reverse=True)
            best_score, best_id = scored[0]
            return Resolution(
                best_id,
                "doc_number+title",
                round(best_score, 4),
                note=f"{len(candidates)} documents carry {number}; the title chose",
            )
    if not key:
        return Resolution(None, None, None, note="no document with this number yet")
    exact = [d for d in index.by_key.get(key, []) if _compatible(d, number, key, source_id) is None]
    if len(exact) == 1:
        return Resolution(exact[0].document_id, "title", 1.0)
    if len(exact) > 1:
        ids = sorted(d.document_id for d in exact)
        return Resolution(None, None, None, ids[0], 1.0, f"title names {len(exact)} documents: ambiguous")
    best: tuple[float, _Doc, str | None] | None = None
    for choice, score, _ in process.extract(
        key, index.keys, scorer=fuzz.ratio, score_cutoff=_NEAR_MISS_FLOOR * 100, limit=10
    ):
        for doc in index.by_key[choice]:
            reason = _compatible(doc, number, key, source_id)
            if doc.document_id == source_id:
                continue
            candidate = (score / 100, doc, reason)
            if best is None or (candidate[2] is None, candidate[0]) > (best[2] is None, best[0]):
                best = candidate
    if best is None:
        return Resolution(None, None, None, note="nothing in the warehouse comes close")
    score, doc, reason = best
    if reason is None and score >= TITLE_THRESHOLD:
        return Resolution(doc.document_id, "title_fuzzy", round(score, 4))
    note = reason or f"closest title scores {score:.2f} < {TITLE_THRESHOLD:.2f}"
    return Resolution(None, None, None, doc.document_id, round(score, 4), note)


def resolve_relations(con: duckdb.DuckDBPyConnection) -> RelationsReport:
    """Resolve every open reference (and re-check title matches); store the cascade alignments.

    Idempotent: a second pass over an unchanged warehouse changes no target. Runs in its own
    transaction unless the caller has one open.
    """
    from reconcile.cascade import refresh_cascades

    docs = _load_documents(con)
    index = _Index(docs)
    refs = con.execute(
        """
        SELECT reference_id, source_document_id, target_doc_number, target_title, target_document_id
        FROM document_references
        WHERE target_document_id IS NULL OR resolution_method IN ('title', 'title_fuzzy')
        ORDER BY reference_id
        """
    ).fetchall()
    rows = []
    counts = {"number": 0, "title": 0, "upgraded": 0, "open": 0}
    for reference_id, source_id, number, title, current_target in refs:
        found = resolve_reference(index, source_id, number, title)
        if current_target is not None and found.method not in ("doc_number", "doc_number+title"):
            continue  # a title match stands until a number match beats it
        if found.target_document_id is None:
            counts["open"] += 1
        elif current_target is not None:
            counts["upgraded"] += 1
        elif found.method and found.method.startswith("doc_number"):
            counts["number"] += 1
        else:
            counts["title"] += 1
        rows.append(
            (
                reference_id,
                found.target_document_id,
                found.method,
                found.score,
                found.best_candidate_id,
                found.best_candidate_score,
                found.note,
            )
        )
    with transaction(con):
        store_resolutions(con, rows)
        cascades = refresh_cascades(con)
    return RelationsReport(
        checked=len(refs),
        resolved_by_number=counts["number"],
        resolved_by_title=counts["title"],
        upgraded_to_number=counts["upgraded"],
        unresolved=counts["open"],
        cascades_stored=cascades,
    )
