"""Extraction accuracy against the hand-made ground truth (issue 3, "Accuracy").

For every catalogue text (the seeds and the constructed issues) and every PDF
rendered from them (plus the glyph-by-glyph redrawn twin of each two-column
issue), run the whole extraction (`extractors.pipeline.extract_file`) and
compare with the catalogue (and, for PDFs, the renderer's page ground truth):

- document boundaries: a found document matches a true one when their titles
  (normalized keys) and start pages agree; precision and recall of those;
- fields: exact-match rate of title, doc_number, issued_date, issuer,
  doc_type and start_page over the true documents (a document not found
  counts as wrong in every field; a field the ground truth leaves unknown
  is not counted).

Then the CMS fixture corpus (tests/fixtures/cms/, issue 13: constructed pages modelled on
real government CMS templates, compilation excerpts and gazette texts): per class of the
issue, the number of cases, the documents expected and found, the pages correctly told to
be no document, and the exact-match rate of title, 发文字号, 成文日期, issuer, effective and
expiry date (bench/cms_corpus.py).

Prints the tables and writes them under "## Extraction accuracy" in bench/RESULTS.md,
replacing only that section. Run: .venv/bin/python -m bench.bench_accuracy
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.cms_corpus import FIELDS as CMS_FIELDS
from bench.cms_corpus import Outcome, load_cases, run_case
from extractors.errors import ExtractionError
from extractors.keys import title_match_key
from extractors.model import Document
from extractors.pipeline import extract_file
from replica.catalogue import CatalogueDocument, Publication, load_catalogue

FIELDS = ("title", "doc_number", "issued_date", "issuer", "doc_type", "start_page")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECTION = "## Extraction accuracy"


@dataclass
class Truth:
    title: str
    start_page: int | None
    values: dict[str, Any]


@dataclass
class Score:
    name: str
    truth: int = 0
    found: int = 0
    matched: int = 0
    field_hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    field_total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0


def _truth(doc: CatalogueDocument, start_page: int | None) -> Truth:
    values = {
        "title": doc.title,
        "doc_number": doc.doc_number,
        "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        "issuer": doc.issuer,
        "doc_type": doc.doc_type,
        "start_page": start_page,
    }
    return Truth(doc.title, start_page, values)


def _found_value(doc: Document, name: str) -> Any:
    return getattr(doc, name)


def _same(name: str, found: Any, truth: Any) -> bool:
    if name in ("title", "doc_number", "issuer") and found is not None and truth is not None:
        return title_match_key(str(found)) == title_match_key(str(truth))
    return found == truth


def score(name: str, documents: list[Document], truths: list[Truth]) -> Score:
    result = Score(name=name, truth=len(truths), found=len(documents))
    unused = list(documents)
    for truth in truths:
        match = next(
            (
                doc
                for doc in unused
                if title_match_key(doc.title) == title_match_key(truth.title)
                and (truth.start_page is None or doc.start_page == truth.start_page)
            ),
            None,
        )
        if match is not None:
            unused.remove(match)
            result.matched += 1
        else:
            result.misses.append(f"missed: {truth.title} (p. {truth.start_page})")
        for fname in FIELDS:
            expected = truth.values[fname]
            if fname == "start_page" and expected is None:
                continue
            result.field_total[fname] += 1
            if match is not None and _same(fname, _found_value(match, fname), expected):
                result.field_hits[fname] += 1
            elif match is not None:
                got = _found_value(match, fname)
                result.misses.append(f"{fname} of {truth.title[:24]}…: got {got!r}, expected {expected!r}")
    result.misses += [f"spurious: {doc.title} (p. {doc.start_page})" for doc in unused]
    return result


def _run(name: str, path: Path, truths: list[Truth]) -> Score:
    started = time.perf_counter()
    try:
        documents = extract_file(path).documents
    except ExtractionError as exc:
        documents = []
        print(f"  {name}: {exc}", file=sys.stderr)
    result = score(name, documents, truths)
    result.seconds = time.perf_counter() - started
    return result


def text_scores(publications: list[Publication]) -> list[Score]:
    scores = []
    for pub in publications:
        truths = [_truth(doc, doc.start_page) for doc in pub.documents]
        scores.append(_run(f"text {pub.id}", pub.text_path, truths))
    return scores


def pdf_scores(publications: list[Publication], out_dir: Path) -> list[Score]:
    from replica.redraw_pdf import redraw_glyph_by_glyph
    from replica.render_pdf import render_publication_pdf

    scores = []
    for pub in publications:
        if pub.layout == "html_only":
            continue
        rendered = render_publication_pdf(pub, out_dir / f"{pub.id}.pdf")
        truths = [
            _truth(doc, placed.start_page)
            for doc, placed in zip(pub.documents, rendered.documents, strict=True)
        ]
        scores.append(_run(f"pdf {pub.id}", rendered.path, truths))
        if pub.layout == "two_column":
            twin = out_dir / f"{pub.id}.redrawn.pdf"
            redraw_glyph_by_glyph(rendered.path, twin)
            scores.append(_run(f"pdf {pub.id} (redrawn)", twin, truths))
    return scores


def _pct(hits: int, total: int) -> str:
    return f"{100 * hits / total:.0f}%" if total else "–"


def table(scores: list[Score]) -> str:
    head = ["input", "docs", "found", "P", "R", *FIELDS, "s"]
    rows = [head, ["---"] * len(head)]
    for s in scores:
        rows.append(
            [
                s.name,
                str(s.truth),
                str(s.found),
                _pct(s.matched, s.found),
                _pct(s.matched, s.truth),
                *[_pct(s.field_hits[f], s.field_total[f]) for f in FIELDS],
                f"{s.seconds:.2f}",
            ]
        )
    total = Score(name="**all**")
    for s in scores:
        total.truth += s.truth
        total.found += s.found
        total.matched += s.matched
        for f in FIELDS:
            total.field_hits[f] += s.field_hits[f]
            total.field_total[f] += s.field_total[f]
    rows.append(
        [
            total.name,
            str(total.truth),
            str(total.found),
            _pct(total.matched, total.found),
            _pct(total.matched, total.truth),
            *[_pct(total.field_hits[f], total.field_total[f]) for f in FIELDS],
            "",
        ]
    )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def cms_outcomes() -> list[Outcome]:
    outcomes = []
    for case in load_cases():
        try:
            outcomes.append(run_case(case))
        except ExtractionError as exc:
            outcome = Outcome(case=case)
            outcome.differences.append(str(exc))
            outcomes.append(outcome)
    return outcomes


def cms_table(outcomes: list[Outcome]) -> str:
    """Per class of issue 13 (a case counts in each class it exercises), then all cases once."""
    head = ["class", "cases", "docs", "found", "non-doc pages right", *CMS_FIELDS]
    rows = [head, ["---"] * len(head)]
    classes = sorted({name for o in outcomes for name in o.case.classes})
    groups = [(name, [o for o in outcomes if name in o.case.classes]) for name in classes]
    for name, group in [*groups, ("**all**", outcomes)]:
        pages = [o for o in group if not o.case.documents]
        pages_right = sum(1 for o in pages if not o.differences)
        hits = {f: sum(o.field_hits[f] for o in group) for f in CMS_FIELDS}
        totals = {f: sum(o.field_total[f] for o in group) for f in CMS_FIELDS}
        rows.append(
            [
                name,
                str(len(group)),
                str(sum(len(o.case.documents) for o in group)),
                str(sum(o.found for o in group)),
                f"{pages_right}/{len(pages)}" if pages else "–",
                *[_pct(hits[f], totals[f]) for f in CMS_FIELDS],
            ]
        )
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def write_results(markdown: str, path: Path = RESULTS) -> None:
    """Replace this benchmark's section of RESULTS.md, leaving the others' sections alone."""
    existing = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    section = f"{SECTION}\n\n{markdown.strip()}\n\n"
    if pattern.search(existing):
        updated = pattern.sub(lambda _m: section, existing, count=1)
    else:
        updated = existing.rstrip("\n") + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def main() -> int:
    catalogue = load_catalogue()
    publications = list(catalogue)
    scores = text_scores(publications)
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        scores += pdf_scores(publications, Path(tmp))
    rendered = table(scores)
    misses = [f"- {s.name}: {m}" for s in scores for m in s.misses]
    outcomes = cms_outcomes()
    cms_rendered = cms_table(outcomes)
    cms_misses = [f"- {o.case.name}: {d}" for o in outcomes for d in o.differences]
    body = (
        "Document boundaries (a start matched by title and start page: precision P, recall R) and the\n"
        "exact-match rate of each field against the catalogue's hand-made ground truth (PDF start pages:\n"
        "the renderer's). Produced by `.venv/bin/python -m bench.bench_accuracy`; s = seconds for the\n"
        "whole extraction of the file.\n\n"
        f"{rendered}\n\n"
        + (
            "Differences:\n\n" + "\n".join(misses)
            if misses
            else "No differences: every document and field matches."
        )
        + "\n\n### CMS fixture corpus (issue 13)\n\n"
        "Constructed pages modelled on real government CMS templates (TRS, 集约化平台, 规范性文件\n"
        "platform, gazette article, 政府令, 国务院令 条例, news/guide/FAQ/解读 pages), compilation\n"
        f"excerpts and gazette texts: {len(outcomes)} cases in tests/fixtures/cms/, each with a\n"
        "hand-checked record. Per class: cases, documents expected and found (official documents\n"
        "only), pages rightly reported as no document, and the exact-match rate of each field. A case\n"
        "counts in every class it exercises; **all** counts each case once. The corpus was written\n"
        "with the rules it checks (a regression guard for each class), so its 100 % is no estimate of\n"
        "the accuracy on pages never seen.\n\n"
        f"{cms_rendered}\n\n"
        + (
            "Differences:\n\n" + "\n".join(cms_misses)
            if cms_misses
            else "No differences: every case matches its record."
        )
    )
    print(rendered)
    if misses:
        print("\n".join(misses))
    print(cms_rendered)
    if cms_misses:
        print("\n".join(cms_misses))
    write_results(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
