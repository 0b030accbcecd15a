"""The loader's noise rule: a new text that differs from a known version by extraction noise alone
is a copy of that version, never a new version (decision 8).

It runs inside the loader's transaction on its `_staged` table, after staging an
issue and before versions and events are created: deciding before the events
exist is the only way to keep the append-only log free of false revisions. A
staged text whose content hash is new but which `compare_copies` finds equal to a
version of the same document is pointed at that version, and the copy is kept in
`version_copies` with the reason.

The rule: copies are the same version when their canonical bodies (letters and
digits, extraction noise removed: extractors.canon) are equal, once a title printed
again above an HTML body is allowed for, and text missing where a copy had a page
without text layer is explained by that gap (a page read by OCR counts as one, its text left out
of the comparison, since OCR misreads). Any other changed character is a revision.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
from rapidfuzz.distance import Indel

from core.clock import utc_now
from extractors.canon import canonical, canonical_body

log = logging.getLogger(__name__)

# Text missing from a scanned page is a page's worth, not a sentence: a copy with
# a gap explains at most this many separate missing runs, each at least this long.
GAP_MIN_CHARS = 60
GAP_MAX_RUNS = 2
GAP_REASON = "lacks the text of a page without text layer"


@dataclass(frozen=True)
class Copy:
    """One copy of a document's text, with what is known about how it was read."""

    text: str
    title: str | None = None
    has_gap: bool = False  # a page of its span had no text layer (or was read by OCR): text may be missing
    ocr_text: tuple[str, ...] = ()  # text of its pages read by OCR: compared as if missing

    @cached_property
    def body(self) -> str:
        body = canonical_body(self.text, self.title)
        for page in self.ocr_text:
            body = _without_ocr(body, page)
        return body


_OCR_LINE_MIN = 6  # canonical characters: a shorter OCR line could match text of substance by chance


def _without_ocr(body: str, page: str) -> str:
    """`body` less the OCR'd page's text: the whole page where it is one run, else line by line."""
    whole = canonical(page)
    if whole and whole in body:
        return body.replace(whole, "", 1)
    for line in page.splitlines():
        piece = canonical(line)
        if len(piece) >= _OCR_LINE_MIN and piece in body:
            body = body.replace(piece, "", 1)
    return body


@dataclass(frozen=True)
class Verdict:
    """Whether two copies are the same version, and why (for the record and for people)."""

    same: bool
    reason: str
    similarity: float
    differences: tuple[str, ...] = field(default=())


def content_key(text: str, title: str | None = None) -> str:
    """sha256 of the canonical body: equal keys are copies that differ by noise alone."""
    return hashlib.sha256(canonical_body(text, title).encode("utf-8")).hexdigest()


def _runs(ops: list, tag: str, side: str) -> list[tuple[int, int]]:
    """Merged [start, end) runs of one kind of edit, on one side ('src' or 'dest')."""
    runs: list[tuple[int, int]] = []
    for op in ops:
        if op.tag != tag:
            continue
        start, end = (op.src_start, op.src_end) if side == "src" else (op.dest_start, op.dest_end)
        if runs and start - runs[-1][1] <= 3:  # fragments of one missing run, split by a stray match
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _explained_by_gap(runs: list[tuple[int, int]], gap: bool) -> bool:
    return gap and 0 < len(runs) <= GAP_MAX_RUNS and all(end - start >= GAP_MIN_CHARS for start, end in runs)


def compare_copies(old: Copy, new: Copy) -> Verdict:
    """Same version, or a real revision? See the module docstring for the rule."""
    a, b = old.body, new.body
    if a == b:
        return Verdict(True, "identical once extraction noise is removed", 1.0)
    similarity = Indel.normalized_similarity(a, b)
    ops = [op for op in Indel.opcodes(a, b) if op.tag != "equal"]
    titles = {t for t in (Copy(old.title or "").body, Copy(new.title or "").body) if t}
    ops = [
        op
        for op in ops
        if not (
            (op.tag == "insert" and b[op.dest_start : op.dest_end] in titles)
            or (op.tag == "delete" and a[op.src_start : op.src_end] in titles)
        )
    ]
    if not ops:
        return Verdict(True, "differs only by the title printed again above the body", similarity)
    deleted, inserted = _runs(ops, "delete", "src"), _runs(ops, "insert", "dest")
    if not deleted and _explained_by_gap(inserted, old.has_gap):
        return Verdict(True, f"older copy {GAP_REASON}", similarity)
    if not inserted and _explained_by_gap(deleted, new.has_gap):
        return Verdict(True, f"newer copy {GAP_REASON}", similarity)
    differences = tuple(f"-{a[s:e][:40]}" for s, e in deleted[:5]) + tuple(
        f"+{b[s:e][:40]}" for s, e in inserted[:5]
    )
    return Verdict(False, "the texts differ in content", similarity, differences)


def span_has_gap(pages: list[tuple[int, int | None, bool]], start: int | None, end: int | None) -> bool:
    """Does a page without text layer fall inside (or right after) a document's page span?

    `pages` are (page_index, printed_number, has_text) of one file; `start`/`end`
    are printed numbers where printed, else 1-based indexes, as in sightings.
    A scanned page prints no number of its own, so the span is found through the
    pages around it.
    """
    return span_reading([(*page, None) for page in pages], start, end)[0]


def span_reading(
    pages: list[tuple[int, int | None, bool, str | None]], start: int | None, end: int | None
) -> tuple[bool, tuple[str, ...]]:
    """(has a page without text layer, the OCR text of its pages) for a document's page span.

    `pages` are (page_index, printed_number, has_text, ocr_text) of one file: a page read by
    OCR counts as one without a text layer, and its text is handed to `Copy.ocr_text` so that
    OCR's misreadings never make a version (decision 8: a scan's text is allowed for).
    """
    if start is None:
        return False, ()
    last = end if end is not None else start
    inside = [page[0] for page in pages if page[1] is not None and start <= page[1] <= last]
    if not inside:
        inside = [page[0] for page in pages if start <= page[0] + 1 <= last]
    if not inside:
        return False, ()
    low, high = min(inside), max(inside) + 1
    spanned = [page for page in pages if low <= page[0] <= high]
    ocr_text = tuple(text for *_, text in spanned if text)
    return any(not has_text for _, _, has_text, _ in spanned) or bool(ocr_text), ocr_text


_PAGE_READING = "page_index, printed_number, has_text AND NOT ocr, CASE WHEN ocr THEN text END"


def _staged_gaps(
    con: duckdb.DuckDBPyConnection, staged: list[tuple]
) -> dict[int, tuple[bool, tuple[str, ...]]]:
    pages = [
        tuple(r)
        for r in con.execute(f"SELECT {_PAGE_READING} FROM _incoming_pages ORDER BY page_index").fetchall()
    ]
    return {row[0]: span_reading(pages, row[6], row[7]) for row in staged}


def _version_gaps(
    con: duckdb.DuckDBPyConnection, document_ids: list[str]
) -> dict[str, tuple[bool, tuple[str, ...]]]:
    rows = con.execute(
        """
        SELECT s.version_id, s.start_page, s.end_page,
               list((p.page_index, p.printed_number, p.has_text AND NOT p.ocr,
                     CASE WHEN p.ocr THEN p.text END) ORDER BY p.page_index)
        FROM sightings s JOIN pages p ON p.file_sha256 = s.file_sha256
        WHERE s.document_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY s.version_id, s.file_sha256, s.position, s.start_page, s.end_page
        """,
        [document_ids],
    ).fetchall()
    gaps: dict[str, tuple[bool, tuple[str, ...]]] = {}
    for version_id, start, end, pages in rows:
        flat = [tuple(p.values()) if isinstance(p, dict) else tuple(p) for p in pages]
        has_gap, ocr_text = span_reading(flat, start, end)
        known_gap, known_ocr = gaps.get(version_id, (False, ()))
        gaps[version_id] = (known_gap or has_gap, known_ocr or ocr_text)
    return gaps


def match_known_copies(con: duckdb.DuckDBPyConnection, issue_id: str, file_sha256: str) -> int:
    """Point staged texts that are noisy copies of a known version at that version; return how many.

    Runs inside the loader's transaction on its `_staged` table. A failure on
    one document leaves that document to the ordinary rule (a new version) and
    is logged: reconcile never makes a load fail.
    """
    staged = con.execute(
        """
        SELECT s.position, s.document_id, s.version_id, s.content_sha256, s.text, s.title,
               s.start_page, s.end_page
        FROM _staged s
        WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.version_id = s.version_id)
        ORDER BY s.position
        """
    ).fetchall()
    if not staged:
        return 0
    document_ids = sorted({row[1] for row in staged})
    known_copies = {
        (d, h): v
        for d, h, v in con.execute(
            "SELECT document_id, content_sha256, version_id FROM version_copies "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [document_ids],
        ).fetchall()
    }
    versions: dict[str, list[tuple[str, Copy]]] = {}
    gaps = _version_gaps(con, document_ids)
    for version_id, document_id, text, title in con.execute(
        """
        SELECT v.version_id, v.document_id, v.text, d.title
        FROM versions v JOIN documents d USING (document_id)
        WHERE v.document_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY v.version_number
        """,
        [document_ids],
    ).fetchall():
        versions.setdefault(document_id, []).append(
            (version_id, Copy(text, title, *gaps.get(version_id, (False, ()))))
        )
    staged_gaps = _staged_gaps(con, staged)
    matched = 0
    for position, document_id, version_id, content_sha256, text, title, _, _ in staged:
        try:
            target, reason, similarity = known_copies.get((document_id, content_sha256)), "known copy", None
            copy = Copy(text, title, *staged_gaps[position])
            if target is None:
                for known_id, known in versions.get(document_id, []):
                    verdict = compare_copies(known, copy)
                    if verdict.same:
                        target, reason, similarity = known_id, verdict.reason, verdict.similarity
                        break
            if target is None:
                # a new version; later staged copies of the same document compare against it too
                versions.setdefault(document_id, []).append((version_id, copy))
                continue
            con.execute("UPDATE _staged SET version_id = ? WHERE position = ?", [target, position])
            con.execute(
                """
                INSERT INTO version_copies (document_id, content_sha256, version_id, text, char_count, reason,
                                            similarity, first_seen_issue_id, first_seen_file_sha256,
                                            recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [
                    document_id,
                    content_sha256,
                    target,
                    text,
                    len(text),
                    reason,
                    similarity,
                    issue_id,
                    file_sha256,
                    utc_now(),
                ],
            )
            known_copies[(document_id, content_sha256)] = target
            matched += 1
        except Exception as exc:  # one document's trouble never fails the load
            log.warning("reconcile: could not compare copy %s of %s: %s", position, document_id, exc)
    return matched
