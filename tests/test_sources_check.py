"""`gazette sources check`: a bounded walk of every level, offline over saved pages or live.

Saved pages are the constructed cases of tests/fixtures/sources (marked there); the live check
runs against the replica site on a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

from test_cli import run

from extractors.listing import load_source
from extractors.saved_pages import saved_pages
from pipeline.check import check_lines, check_source

CASES = Path(__file__).resolve().parent / "fixtures" / "sources"
TRS = CASES / "trs-gbk" / "source.yaml"


def test_a_healthy_source_shows_every_level_and_no_problem() -> None:
    check = check_source(load_source(TRS), saved_pages(CASES / "trs-gbk" / "pages"), max_pages=5)

    assert check.ok, check.problems
    assert [len(walk.items) for walk in check.walks] == [7]
    assert [(len(v.page.pdf_urls), len(v.page.articles)) for v in check.issues if v.page] == [
        (1, 2),
        (1, 1),
        (1, 2),
    ]
    lines = check_lines(check)
    assert "  7 item(s) on 3 page(s)" in lines
    assert lines[-1] == "no problem found"


def test_the_bound_is_reported_not_a_problem() -> None:
    check = check_source(
        load_source(TRS), saved_pages(CASES / "trs-gbk" / "pages"), max_pages=2, max_issues=0
    )

    assert check.ok and check.walks[0].bounded
    assert any("the bound of --max-pages" in line for line in check_lines(check))


def test_a_changed_pager_and_lost_pages_are_problems() -> None:
    for case, reason in [
        ("trs-gbk-pager-changed", "the pager changed"),
        ("trs-gbk-pages-lost", "pages were lost"),
        ("trs-gbk-empty", "matched nothing"),
    ]:
        check = check_source(load_source(TRS), saved_pages(CASES / case / "pages"), max_pages=5)
        assert not check.ok
        assert any(reason in problem for problem in check.problems), (case, check.problems)


def test_a_field_whose_selector_matches_nothing_is_flagged(tmp_path: Path) -> None:
    text = TRS.read_text(encoding="utf-8").replace(
        'date: {selector: "span.date", required: true}', 'date: {selector: "span.time"}'
    )
    (tmp_path / "source.yaml").write_text(text, encoding="utf-8")

    check = check_source(load_source(tmp_path / "source.yaml"), saved_pages(CASES / "trs-gbk" / "pages"))

    assert check.problems == [
        "listing gazette: field date (selector 'span.time') gave no value on any of 7 item(s)"
    ]


def test_the_command_exits_0_on_a_good_source_1_on_a_broken_one_2_without_pages(tmp_path: Path) -> None:
    good = run("sources", "check", str(TRS), home=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "no problem found" in good.stdout and "2024年 第6期 总第812期" in good.stdout

    broken = run(
        "sources", "check", str(TRS), "--pages", str(CASES / "trs-gbk-pages-lost" / "pages"), home=tmp_path
    )
    assert broken.returncode == 1
    assert "the pager states 3 page(s) but the walk reached 2" in broken.stdout

    (tmp_path / "elsewhere.yaml").write_text(TRS.read_text(encoding="utf-8"), encoding="utf-8")
    nothing = run("sources", "check", str(tmp_path / "elsewhere.yaml"), home=tmp_path)
    assert nothing.returncode == 2
    assert (
        nothing.stderr.count("\n") == 1
        and "no saved pages at" in nothing.stderr
        and "--live" in nothing.stderr
    )


def test_live_check_of_the_replica_walks_its_listings_and_issue_pages(replica_site, tmp_path: Path) -> None:
    result = run(
        "sources",
        "check",
        "replica",
        "--live",
        "--var",
        f"REPLICA_URL={replica_site.base_url}",
        home=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "checked against the live site" in result.stdout
    assert "listing gazette (gazette_issue)" in result.stdout and "listing policy (article)" in result.stdout
    assert "1 PDF(s)" in result.stdout


def test_an_unbound_source_is_one_line_naming_the_option(tmp_path: Path) -> None:
    result = run("sources", "check", "replica", "--live", home=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: source 'replica': variable(s) ${REPLICA_URL} not set: pass --var REPLICA_URL=VALUE to the"
        " command (or set them in the environment)"
    ]


def test_levels_are_walked_and_a_missing_year_page_is_a_problem_while_the_others_show() -> None:
    levels = load_source(CASES / "gov-levels" / "source.yaml")

    good = check_source(levels, saved_pages(CASES / "gov-levels" / "pages"))
    assert good.ok, good.problems
    assert [(walk.spec.name, walk.depth, len(walk.items)) for walk in good.walks] == [
        ("years", 0, 2),
        ("issues", 1, 2),
        ("issues", 1, 2),
    ]
    assert [len(visit.page.articles) for visit in good.issues if visit.page] == [2, 1, 2]

    missing = check_source(levels, saved_pages(CASES / "gov-levels-year-missing" / "pages"), max_issues=0)
    assert not missing.ok
    assert len(missing.problems) == 1 and "2023/index.htm: no saved page" in missing.problems[0]
    assert [len(walk.items) for walk in missing.walks] == [2, 2, 0]
