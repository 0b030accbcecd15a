"""Annual series: next year's edition of a document is a new document, linked to the last one.

全区2023年政务公开工作要点 and 全区2024年政务公开工作要点 are two documents (two
numbers, two dates), not two versions; analysts still want to see what the
new year's plan changed. Titles equal once the year is taken out share a
series key; consecutive years are linked and diffed like revisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

import duckdb

from reconcile.diff import diff_texts
from reconcile.versions import best_text, store_diff
from warehouse.derived import set_series_key, store_series_link
from warehouse.transactions import transaction

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?=年)")


def series_key(normalized_title: str) -> tuple[str, int] | None:
    """(title without its year, the year) when the title names exactly one year (…2024年…)."""
    years = _YEAR.findall(normalized_title)
    if len(set(years)) != 1:
        return None
    return _YEAR.sub("", normalized_title), int(years[0])


@dataclass
class SeriesReport:
    documents_in_series: int = 0
    links_new: int = 0
    diffs: int = 0
    errors: list[str] = field(default_factory=list)


def link_series(con: duckdb.DuckDBPyConnection) -> SeriesReport:
    """Set documents.series_key, link consecutive editions and store their year-over-year diffs."""
    report = SeriesReport()
    rows = con.execute(
        "SELECT document_id, normalized_title, latest_version_id, series_key FROM documents"
    ).fetchall()
    members: dict[str, list[tuple[int, str, str]]] = {}
    keys: dict[str, str] = {}
    for document_id, title, latest, _current in rows:
        found = series_key(title or "")
        if found and latest:
            members.setdefault(found[0], []).append((found[1], document_id, latest))
            keys[document_id] = found[0]
    series = {k: sorted(v) for k, v in members.items() if len({year for year, _, _ in v}) > 1}
    known = {
        (o, n)
        for o, n in con.execute("SELECT older_document_id, newer_document_id FROM series_links").fetchall()
    }
    for key, editions in series.items():
        for _year, document_id, _ in editions:
            set_series_key(con, document_id, key)
            report.documents_in_series += 1
        by_year: dict[int, tuple[str, str]] = {}
        for year, document_id, latest in editions:
            by_year.setdefault(year, (document_id, latest))  # one edition per year: the first id
        years = sorted(by_year)
        for older_year, newer_year in pairwise(years):
            (old_doc, old_version), (new_doc, new_version) = by_year[older_year], by_year[newer_year]
            if (old_doc, new_doc) in known:
                continue
            try:
                diff = diff_texts(best_text(con, old_version), best_text(con, new_version))
                with transaction(con):
                    diff_id = store_diff(con, new_doc, old_version, new_version, diff, kind="series")
                    store_series_link(con, (old_doc, older_year), (new_doc, newer_year), key, diff_id)
                report.links_new += 1
                report.diffs += 1
            except Exception as exc:
                report.errors.append(f"series {key} {older_year}->{newer_year}: {str(exc).splitlines()[0]}")
    return report
