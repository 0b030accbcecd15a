"""Saved-page test cases, urlwatch-style: each folder of tests/fixtures/sources is a source config,
the pages its site serves, and the items (or the error) the walk must give. Constructed pages,
marked as such (tests/fixtures/sources/README.md).

They run the product's one walker (`walk_listing`) over saved pages, so a pager that changed,
pages that were lost or an item the selector misses fail here exactly as they fail a run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractors.listing import (
    GetPage,
    IssueLink,
    ListingLayoutError,
    ListingPage,
    SourceConfig,
    load_source,
    walk_followed,
    walk_listing,
)
from extractors.saved_pages import PageNotSaved, saved_page_path, saved_pages

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "sources"
CASES = sorted(path.parent for path in CASES_DIR.glob("*/expected.yaml"))


def _row(item: IssueLink) -> dict[str, Any]:
    row = {
        "url": item.url,
        "title": item.title,
        "date": item.date,
        "year": item.year,
        "number": item.number,
        "total_number": item.total_number,
    }
    return {key: value for key, value in row.items() if value is not None}


@dataclass
class Walked:
    """Per listing: the items found (across every page a level above led to), pages, errors."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    pages: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def walk(self, source: SourceConfig, name: str, pages: Iterator[ListingPage], get: GetPage) -> None:
        """Walk as discovery does: each listing and each followed page fails alone."""
        try:
            for page in pages:
                self.pages[name] += 1
                for item in page.items:
                    self.items[name].append(_row(item))
                    if item.kind == "listing":
                        below = source.listing(name).follow or ""
                        self.walk(source, below, walk_followed(source, item, get), get)
        except ListingLayoutError as exc:
            self.errors[name].append(str(exc))
        except PageNotSaved as exc:
            self.errors[name].append(str(exc))


def _walk_case(case: Path) -> Walked:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    source = load_source(case / expected.get("source", "source.yaml"))
    get = saved_pages(case / "pages")
    walked = Walked()
    for spec in source.listings:
        for start in spec.start_urls:
            walked.walk(source, spec.name, walk_listing(source, spec, start, get), get)
    return walked


def test_there_are_cases() -> None:
    assert {case.name for case in CASES} >= {
        "trs-gbk",
        "trs-gbk-pager-changed",
        "trs-gbk-pages-lost",
        "json-api",
    }


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_saved_pages_give_the_expected_items_or_error(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    walked = _walk_case(case)
    for listing, want in expected["listings"].items():
        errors = walked.errors.get(listing, [])
        if "error" in want:
            assert any(want["error"] in error for error in errors), errors
            assert all("\n" not in error for error in errors)  # one line, as the run summary prints it
        else:
            assert errors == []
        if "items" in want:
            assert walked.items[listing] == want["items"]
        if "pages" in want:
            assert walked.pages[listing] == want["pages"]


def test_the_gbk_pages_really_are_gbk() -> None:
    """The case would prove nothing about legacy encodings if the saved pages were UTF-8."""
    body = (
        CASES_DIR / "trs-gbk" / "pages" / "www.gb-example.gov.cn" / "zwgk" / "zfgb" / "index.html"
    ).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "政府公报" in body.decode("gb18030")


def test_a_walk_bounded_by_max_pages_is_not_a_shortfall(tmp_path: Path) -> None:
    """max_pages is the operator's bound (a monitor reads the newest pages only), not lost pages."""
    case = CASES_DIR / "trs-gbk"
    text = (case / "source.yaml").read_text(encoding="utf-8").replace("max_pages: 20", "max_pages: 2")
    (tmp_path / "source.yaml").write_text(text, encoding="utf-8")
    source = load_source(tmp_path / "source.yaml")
    spec = source.listing("gazette")
    pages = list(walk_listing(source, spec, spec.start_urls[0], saved_pages(case / "pages")))
    assert [len(page.items) for page in pages] == [3, 3]
    assert pages[0].pager is not None and (pages[0].pager.pages, pages[0].pager.items) == (3, 7)


def test_a_page_missing_from_the_saved_site_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(PageNotSaved, match="no saved page"):
        saved_pages(tmp_path)("http://www.gb-example.gov.cn/zwgk/zfgb/index_9.html")
    assert (
        saved_page_path(tmp_path, "http://Example.gov.cn/a/")
        == tmp_path / "example.gov.cn" / "a" / "index.html"
    )


def test_the_worked_examples_of_docs_sources_md_are_the_tested_cases() -> None:
    """docs/sources.md shows each layout's YAML; it must be the file these cases run, key for key."""
    docs = (CASES_DIR.parent.parent.parent / "docs" / "sources.md").read_text(encoding="utf-8")
    examples = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", docs, flags=re.S)]
    by_id = {example["id"]: example for example in examples}
    assert set(by_id) == {"trs-gbk", "gov-levels", "json-api"}
    for source_id, example in by_id.items():
        assert example == yaml.safe_load((CASES_DIR / source_id / "source.yaml").read_text(encoding="utf-8"))
