"""Saved-page test cases, urlwatch-style: each folder of tests/fixtures/sources is a source config,
the pages its site serves, and the items (or the error) the walk must give. Constructed pages,
marked as such (tests/fixtures/sources/README.md).

They run the product's one walker (`walk_listing`) over saved pages, so a pager that changed,
pages that were lost or an item the selector misses fail here exactly as they fail a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from extractors.listing import ListingLayoutError, load_source, walk_listing
from extractors.saved_pages import PageNotSaved, saved_page_path, saved_pages

CASES_DIR = Path(__file__).resolve().parent / "fixtures" / "sources"
CASES = sorted(path.parent for path in CASES_DIR.glob("*/expected.yaml"))


def _walk(case: Path, listing: str) -> tuple[list[dict[str, Any]], int]:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    source = load_source(case / expected.get("source", "source.yaml"))
    spec = source.listing(listing)
    items: list[dict[str, Any]] = []
    pages = 0
    for start in spec.start_urls:
        for page in walk_listing(source, spec, start, saved_pages(case / "pages")):
            pages += 1
            for item in page.items:
                row = {
                    "url": item.url,
                    "title": item.title,
                    "date": item.date,
                    "year": item.year,
                    "number": item.number,
                    "total_number": item.total_number,
                }
                items.append({key: value for key, value in row.items() if value is not None})
    return items, pages


def test_there_are_cases() -> None:
    assert {case.name for case in CASES} >= {"trs-gbk", "trs-gbk-pager-changed", "trs-gbk-pages-lost"}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_saved_pages_give_the_expected_items_or_error(case: Path) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    for listing, want in expected["listings"].items():
        if "error" in want:
            with pytest.raises(ListingLayoutError) as raised:
                _walk(case, listing)
            assert want["error"] in str(raised.value)
            assert "\n" not in str(raised.value)  # one line, as the run summary prints it
        else:
            items, pages = _walk(case, listing)
            assert items == want["items"]
            assert pages == want.get("pages", pages)


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
