"""Turning extraction records into Arrow tables the loader can insert in bulk.

Everything per-row happens here, in Python, once: identity keys, normalized
numbers and titles, date parsing. What follows in `warehouse.load` is
set-based SQL over these tables, so the cost per document stays in DuckDB's
vectorized engine instead of one `execute` per row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from core.vocabulary import RelationKind
from extractors.clean import normalized_text
from extractors.keys import doc_number_key, document_id_for, identity_key, title_key
from extractors.model import Document, Page

DOCUMENT_SCHEMA = pa.schema(
    [
        ("position", pa.int32()),
        ("document_id", pa.string()),
        ("identity_key", pa.string()),
        ("doc_number", pa.string()),
        ("doc_number_as_printed", pa.string()),
        ("doc_number_issuer_code", pa.string()),
        ("doc_number_year", pa.int32()),
        ("doc_number_serial", pa.int32()),
        ("issuer", pa.string()),
        ("title", pa.string()),
        ("normalized_title", pa.string()),
        ("doc_type", pa.string()),
        ("issued_date", pa.date32()),
        ("effective_date", pa.date32()),
        ("effective_on_issue", pa.bool_()),
        ("expiry_date", pa.date32()),
        ("publication_note", pa.string()),
        ("is_public", pa.bool_()),
        ("addressees", pa.list_(pa.string())),
        ("attachments", pa.list_(pa.string())),
        ("start_page", pa.int32()),
        ("end_page", pa.int32()),
        ("text", pa.large_string()),
        ("normalized_text", pa.large_string()),
    ]
)

REFERENCE_SCHEMA = pa.schema(
    [
        ("document_position", pa.int32()),
        ("position", pa.int32()),
        ("relation", pa.string()),
        ("evidence", pa.string()),
        ("target_doc_number", pa.string()),
        ("target_title", pa.string()),
    ]
)

PROBLEM_SCHEMA = pa.schema(
    [("document_position", pa.int32()), ("problem", pa.string()), ("problem_key", pa.string())]
)

PAGE_SCHEMA = pa.schema(
    [
        ("page_index", pa.int32()),
        ("printed_number", pa.int32()),
        ("has_text", pa.bool_()),
        ("ocr", pa.bool_()),
        ("text", pa.large_string()),
        ("char_count", pa.int32()),
    ]
)

RELATIONS = frozenset(RelationKind)


@dataclass
class Staged:
    """The Arrow tables for one issue, ready for `con.register`."""

    documents: pa.Table
    references: pa.Table
    problems: pa.Table
    pages: pa.Table


def _parse_date(value: str | None, field_name: str, problems: list[str]) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        problems.append(f"{field_name} {value!r} is not an ISO date; stored as unknown")
        return None


def stage_documents(documents: Sequence[Document]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Documents, their references and their problems as three Arrow tables."""
    columns: dict[str, list] = {name: [] for name in DOCUMENT_SCHEMA.names}
    refs: dict[str, list] = {name: [] for name in REFERENCE_SCHEMA.names}
    probs: dict[str, list] = {name: [] for name in PROBLEM_SCHEMA.names}
    for position, doc in enumerate(documents):
        problems = list(doc.problems)
        issued = _parse_date(doc.issued_date, "issued_date", problems)
        effective = _parse_date(doc.effective_date, "effective_date", problems)
        expiry = _parse_date(doc.expiry_date, "expiry_date", problems)
        normalized = doc.normalized_text or normalized_text(doc.text)
        number = doc_number_key(doc.doc_number)
        title = doc.title.strip()
        if number or title:
            key = identity_key(number, doc.issuer, title, issued.isoformat() if issued else None)
        else:
            # Neither number nor title: only the content can name it.
            key = "content:" + hashlib.sha256(normalized.encode("utf-8")).hexdigest()
            problems.append("document has neither a title nor a number; identified by its content")
        columns["position"].append(position)
        columns["document_id"].append(document_id_for(key))
        columns["identity_key"].append(key)
        columns["doc_number"].append(number)
        columns["doc_number_as_printed"].append(doc.doc_number)
        columns["doc_number_issuer_code"].append(doc.doc_number_issuer_code)
        columns["doc_number_year"].append(doc.doc_number_year)
        columns["doc_number_serial"].append(doc.doc_number_serial)
        columns["issuer"].append(doc.issuer)
        columns["title"].append(title or "(untitled)")
        columns["normalized_title"].append(title_key(title))
        columns["doc_type"].append(doc.doc_type)
        columns["issued_date"].append(issued)
        columns["effective_date"].append(issued if doc.effective_on_issue and not effective else effective)
        columns["effective_on_issue"].append(bool(doc.effective_on_issue))
        columns["expiry_date"].append(expiry)
        columns["publication_note"].append(doc.publication_note)
        columns["is_public"].append(doc.is_public)
        columns["addressees"].append(list(doc.addressees))
        columns["attachments"].append(list(doc.attachments))
        columns["start_page"].append(doc.start_page)
        columns["end_page"].append(doc.end_page)
        columns["text"].append(doc.text)
        columns["normalized_text"].append(normalized)
        for ref_position, ref in enumerate(doc.references):
            relation = ref.relation if ref.relation in RELATIONS else RelationKind.CITES.value
            if relation != ref.relation:
                problems.append(f"unknown relation {ref.relation!r} stored as cites")
            refs["document_position"].append(position)
            refs["position"].append(ref_position)
            refs["relation"].append(relation)
            refs["evidence"].append(ref.evidence)
            refs["target_doc_number"].append(doc_number_key(ref.doc_number))
            refs["target_title"].append(ref.title)
        for problem in problems:
            probs["document_position"].append(position)
            probs["problem"].append(problem)
            probs["problem_key"].append(hashlib.sha256(problem.encode("utf-8")).hexdigest()[:12])
    return (
        pa.table(columns, schema=DOCUMENT_SCHEMA),
        pa.table(refs, schema=REFERENCE_SCHEMA),
        pa.table(probs, schema=PROBLEM_SCHEMA),
    )


def stage_pages(pages: Sequence[Page]) -> pa.Table:
    return pa.table(
        {
            "page_index": [p.index for p in pages],
            "printed_number": [p.printed_number for p in pages],
            "has_text": [bool(p.has_text) for p in pages],
            "ocr": [bool(p.ocr) for p in pages],
            "text": [p.text for p in pages],
            "char_count": [len(p.text) for p in pages],
        },
        schema=PAGE_SCHEMA,
    )


def stage(pages: Sequence[Page], documents: Sequence[Document]) -> Staged:
    docs, refs, probs = stage_documents(documents)
    return Staged(documents=docs, references=refs, problems=probs, pages=stage_pages(pages))
