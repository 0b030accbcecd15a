"""The CMS fixture corpus (tests/fixtures/cms/): its cases and how one is checked.

Each case is a page (HTML) or a text (compilation excerpt, gazette text) with a hand-checked
expected record beside it (NAME.yaml; the format is in the folder's README). The test suite
(tests/test_cms_fixtures.py) requires every case to match exactly; the accuracy benchmark
(bench/bench_accuracy.py) reports the per-field table over the corpus. One definition of
"matches" serves both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from extractors.keys import title_match_key
from extractors.model import OFFICIAL_DOCUMENT, Document
from extractors.pipeline import extract_file

CMS_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cms"
FIELDS = ("title", "doc_number", "issued_date", "issuer", "effective_date", "expiry_date")
_KEYED = ("title", "doc_number", "issuer")


@dataclass
class Case:
    """One page or text of the corpus and what it must yield."""

    name: str
    path: Path
    template: str
    classes: list[str]
    kind: str
    documents: list[dict[str, Any]]


@dataclass
class Outcome:
    """How the extraction of one case compares with its expected record."""

    case: Case
    found: int = 0  # official documents extracted
    matched: int = 0  # expected documents found (by title)
    field_hits: Counter[str] = field(default_factory=Counter)
    field_total: Counter[str] = field(default_factory=Counter)
    differences: list[str] = field(default_factory=list)


def load_cases(folder: Path = CMS_FIXTURES) -> list[Case]:
    """Every case of the corpus, in name order: NAME.yaml beside NAME.html or NAME.txt."""
    cases = []
    for spec in sorted(folder.glob("*.yaml")):
        pages = [p for p in spec.parent.glob(spec.stem + ".*") if p.suffix in (".html", ".htm", ".txt")]
        if len(pages) != 1:
            raise ValueError(f"{spec.name}: expected one page beside it, found {len(pages)}")
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        cases.append(
            Case(
                name=spec.stem,
                path=pages[0],
                template=data["template"],
                classes=list(data["classes"]),
                kind=data.get("kind", OFFICIAL_DOCUMENT),
                documents=list(data.get("documents") or []),
            )
        )
    return cases


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _same(name: str, got: Any, expected: Any) -> bool:
    got, expected = _text(got), _text(expected)
    if name in _KEYED and got is not None and expected is not None:
        return title_match_key(got) == title_match_key(expected)
    return got == expected


def _squeezed(value: Any) -> str:
    return re.sub(r"\s+", "", str(value))


def _check_extras(doc: Document, expected: dict[str, Any], label: str, out: list[str]) -> None:
    for key, value in (expected.get("site_metadata") or {}).items():
        got = doc.site_metadata.get(key)
        if got is None or _squeezed(got) != _squeezed(value):
            out.append(f"{label}: site_metadata.{key} = {got!r}, expected {value!r}")
    for ref in expected.get("references") or []:
        hit = any(
            r.relation == ref["relation"]
            and (not ref.get("title") or title_match_key(r.title or "") == title_match_key(ref["title"]))
            and (not ref.get("doc_number") or r.doc_number == ref["doc_number"])
            for r in doc.references
        )
        if not hit:
            out.append(f"{label}: missing reference {ref}")
    for name in expected.get("not_references") or []:
        key = title_match_key(name)
        if any(title_match_key(r.title or "") == key or r.doc_number == name for r in doc.references):
            out.append(f"{label}: {name!r} must not be a reference")
    for wanted in expected.get("problems") or []:
        if not any(wanted in problem for problem in doc.problems):
            out.append(f"{label}: expected a problem containing {wanted!r}, got {doc.problems}")


def run_case(case: Case) -> Outcome:
    """Extract the case's page and compare every field, the kind and the extras."""
    result = extract_file(case.path)
    official = [doc for doc in result.documents if doc.is_official]
    others = [doc for doc in result.documents if not doc.is_official]
    outcome = Outcome(case=case, found=len(official))
    diffs = outcome.differences
    if case.kind != OFFICIAL_DOCUMENT and [doc.kind for doc in others] != [case.kind]:
        diffs.append(f"kind: got {[doc.kind for doc in result.documents]}, expected [{case.kind!r}]")
    unused = list(official)
    for expected in case.documents:
        match = next((d for d in unused if _same("title", d.title, expected["title"])), None)
        for name in FIELDS:
            outcome.field_total[name] += 1
        if match is None:
            diffs.append(f"missed: {expected['title']}")
            continue
        unused.remove(match)
        outcome.matched += 1
        label = expected["title"][:24]
        for name in FIELDS:
            if _same(name, getattr(match, name), expected.get(name)):
                outcome.field_hits[name] += 1
            else:
                diffs.append(f"{label}…: {name} = {getattr(match, name)!r}, expected {expected.get(name)!r}")
        _check_extras(match, expected, label, diffs)
    diffs.extend(f"spurious: {doc.title}" for doc in unused)
    return outcome
