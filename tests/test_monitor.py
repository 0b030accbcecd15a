"""The main job, end to end against the live replica: poll, evolve the site, poll again.

Real HTTP server on 127.0.0.1, real PDFs, a real DuckDB file; no mocks.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from extractors.fetch import new_session
from extractors.listing import load_source
from pipeline.run import poll_source
from warehouse.connect import open_warehouse

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def warehouse(tmp_path: Path):
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def _poll(con: duckdb.DuckDBPyConnection, replica_site, raw_dir: Path):
    with new_session() as session:
        return poll_source(con, replica_site.source(), session, raw_dir)


def test_first_poll_ingests_every_listed_publication(warehouse, replica_site, tmp_path: Path) -> None:
    report = _poll(warehouse, replica_site, tmp_path / "raw")

    assert report.ok, report.errors + [o.error for o in report.outcomes if o.error]
    kinds = sorted(o.publication.issue.kind for o in report.outcomes)
    assert kinds.count("gazette_issue") == 2  # 2024 No. 2 and 2020 No. 11
    assert kinds.count("compilation") == 1
    assert report.count("ingested") == len(report.outcomes)
    issue_ids = {
        o.publication.issue.issue_id for o in report.outcomes if o.publication.issue.kind == "gazette_issue"
    }
    assert issue_ids == {"replica-2024-02", "replica-2020-11"}
    numbers = {row[0] for row in warehouse.execute("SELECT doc_number FROM documents").fetchall()}
    assert {"宁夏回族自治区人民政府令第130号", "宁政办发〔2023〕50号", "宁政规发〔2020〕5号"} <= numbers
    # the link to www.gov.cn on the index is reported, never fetched
    assert any("gov.cn" in rejected.url for rejected in report.rejected)
    # an article reached through an issue page keeps the issue's identity (year, 期, 总第N期)
    article_identity = warehouse.execute(
        "SELECT DISTINCT year, number, total_number FROM issues WHERE kind = 'article' AND year IS NOT NULL"
    ).fetchall()
    assert (2024, 2, 731) in article_identity


def test_a_second_poll_sends_only_conditional_requests_and_loads_nothing(
    warehouse, replica_site, tmp_path: Path
) -> None:
    _poll(warehouse, replica_site, tmp_path / "raw")
    events_before = warehouse.execute("SELECT count(*) FROM events").fetchone()[0]

    again = _poll(warehouse, replica_site, tmp_path / "raw")

    assert set(again.requests) == {"304"}
    assert again.count("ingested") == 0
    assert again.count("unchanged") == len(again.outcomes)
    assert warehouse.execute("SELECT count(*) FROM events").fetchone()[0] == events_before


def test_after_the_site_evolves_only_the_new_issue_lands_with_its_events(
    warehouse, replica_site, tmp_path: Path
) -> None:
    _poll(warehouse, replica_site, tmp_path / "raw")
    last_event = warehouse.execute("SELECT max(event_id) FROM events").fetchone()[0]
    replica_site.advance()

    report = _poll(warehouse, replica_site, tmp_path / "raw")

    ingested = [o for o in report.outcomes if o.status == "ingested"]
    pdfs = [o.publication.issue.issue_id for o in ingested if o.publication.issue.kind == "gazette_issue"]
    assert pdfs == ["replica-2024-03"]
    assert all(
        o.publication.issue.kind == "article" for o in ingested if o.publication.issue.issue_id not in pdfs
    )
    new_events = warehouse.execute(
        "SELECT kind, summary FROM events WHERE event_id > ? ORDER BY event_id", [last_event]
    ).fetchall()
    kinds = [kind for kind, _ in new_events]
    summaries = "\n".join(summary for _, summary in new_events)
    # (c) the repealing notice is new and the 2020 measures it repeals are marked repealed
    assert "new_document" in kinds and "repealed" in kinds
    assert "宁政规发〔2020〕5号" in summaries
    # (b) the revised order is a new version of the document already known
    assert any(kind == "new_version" and "第130号" in summary for kind, summary in new_events)
    # ... and what the document says today is the revision's: its 施行 date moved to 1 April
    effective = warehouse.execute(
        "SELECT effective_date::VARCHAR FROM documents WHERE doc_number = '宁夏回族自治区人民政府令第130号'"
    ).fetchone()[0]
    assert effective == "2024-04-01"
    # (a) the verbatim republication adds a sighting, not a version
    sightings = warehouse.execute(
        """
        SELECT count(DISTINCT s.issue_id) FROM sightings s JOIN documents d USING (document_id)
        WHERE d.doc_number = '宁政办发〔2023〕53号'
        """
    ).fetchone()[0]
    versions = warehouse.execute(
        "SELECT count(*) FROM versions v JOIN documents d USING (document_id) "
        "WHERE d.doc_number = '宁政办发〔2023〕53号'"
    ).fetchone()[0]
    assert sightings >= 2 and versions == 1
    # (d) the correction notice arrived as a document of its own
    assert (
        warehouse.execute(
            "SELECT count(*) FROM documents WHERE doc_number = '宁政办函〔2024〕9号'"
        ).fetchone()[0]
        == 1
    )


def test_a_listing_whose_layout_changed_is_a_loud_failure_not_nothing_new(
    warehouse, replica_site, tmp_path: Path
) -> None:
    index = replica_site.root / "zfgb" / "index.html"
    index.write_text(
        index.read_text(encoding="utf-8").replace('class="gb-list"', 'class="new-cms-list"'), encoding="utf-8"
    )

    report = _poll(warehouse, replica_site, tmp_path / "raw")

    assert not report.ok
    assert any("listing" in error for error in report.errors)
    problems = warehouse.execute("SELECT summary FROM events WHERE kind = 'extraction_problem'").fetchall()
    assert any("listing" in summary for (summary,) in problems)


def test_one_broken_pdf_fails_alone_and_is_recorded(warehouse, replica_site, tmp_path: Path) -> None:
    pdf = replica_site.root / "zfgb" / "2020" / "11" / "P020200615.pdf"
    if not pdf.exists():  # the replica's file layout is the site builder's business: find the 2020 PDF
        pdf = next(p for p in replica_site.root.rglob("*.pdf") if "2020" in str(p))
    pdf.write_bytes(pdf.read_bytes()[:2000])  # truncated, still served with status 200

    report = _poll(warehouse, replica_site, tmp_path / "raw")

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert len(failed) == 1 and failed[0].publication.issue.issue_id == "replica-2020-11"
    assert report.count("ingested") == len(report.outcomes) - 1
    problems = warehouse.execute(
        "SELECT count(*) FROM events WHERE kind = 'extraction_problem' AND issue_id = 'replica-2020-11'"
    ).fetchone()[0]
    assert problems == 1


def test_a_listing_url_that_redirects_keeps_its_relative_links(
    warehouse, replica_site, tmp_path: Path
) -> None:
    """/zfgb answers 301 → /zfgb/: the listing's ./2024/… links resolve against where the request landed.

    Before the one-walker redesign the production walker resolved them against /zfgb, asked for
    /2024/… (404) and lost the listing, while the tests' own walker passed.
    """
    source = replica_site.source()
    gazette = source.listing("gazette")
    redirected = replace(gazette, start_urls=(replica_site.url("zfgb"),))
    source = replace(source, listings=(redirected,))
    with new_session() as session:
        report = poll_source(warehouse, source, session, tmp_path / "raw")

    assert report.ok, report.errors + [o.error for o in report.outcomes if o.error]
    landed = warehouse.execute("SELECT url FROM crawl_state WHERE url LIKE '%/zfgb/'").fetchall()
    assert landed == [(replica_site.url("zfgb/"),)]  # the server did redirect
    issue_ids = sorted(o.publication.issue.issue_id for o in report.outcomes)
    assert issue_ids[:2] == ["replica-2020-11", "replica-2024-02"]


def test_an_issue_page_that_fails_is_that_issues_failure_only(
    warehouse, replica_site, tmp_path: Path
) -> None:
    """An old issue page that disappears (404) must not hide the source's other listings and issues."""
    (replica_site.root / "zfgb" / "2020" / "nx-2020-11" / "index.html").unlink()
    report = _poll(warehouse, replica_site, tmp_path / "raw")

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.publication.url for o in failed] == [replica_site.url("zfgb/2020/nx-2020-11/index.html")]
    assert "404" in (failed[0].error or "")
    assert report.count("ingested") >= 3  # 2024 No. 2, the compilation, the policy articles
    problems = warehouse.execute(
        "SELECT count(*) FROM events WHERE kind = 'extraction_problem' AND issue_id = 'replica-2020-11'"
    ).fetchone()[0]
    assert problems == 1


def test_config_yaml_user_agent_is_sent_by_sources_that_name_none(tmp_path: Path) -> None:
    """`user_agent:` in config.yaml was accepted and never used; a source's own user_agent still wins."""
    from core.config import Settings
    from core.paths import gazette_home
    from pipeline.crawl import polite_session
    from pipeline.sources import select_sources

    sources = tmp_path / "sources"
    sources.mkdir()
    template = (REPO / "core" / "sources" / "replica.yaml").read_text(encoding="utf-8")
    (sources / "plain.yaml").write_text(
        template.replace("id: replica", "id: plain").replace(
            '  user_agent: "gazette-monitor/0.1 (replica test run)"\n', ""
        ),
        encoding="utf-8",
    )
    (sources / "own.yaml").write_text(template.replace("id: replica", "id: own"), encoding="utf-8")
    settings = Settings(
        home=gazette_home(), source_dirs=[sources], user_agent="ExampleCity-monitor/1.0 (ops@example.org)"
    )

    chosen, problems = select_sources(settings, ["plain", "own"], {"REPLICA_URL": "http://127.0.0.1:9"})

    assert problems == []
    by_id = {source.id: source for source in chosen}
    with polite_session(by_id["plain"]) as session:
        assert session.policy.user_agent == "ExampleCity-monitor/1.0 (ops@example.org)"
    assert by_id["own"].fetch.user_agent == "gazette-monitor/0.1 (replica test run)"


def test_a_pager_that_changed_form_fails_its_listing_and_the_other_listings_still_run(
    warehouse, replica_site, tmp_path: Path
) -> None:
    """Issue 14 #1: a pager regex that stopped matching used to end the walk at page 1, "0 failed"."""
    index = replica_site.root / "zfgb" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert 'createPageHTML(2, 0, "index", "html")' in html
    index.write_text(
        html.replace(
            'createPageHTML(2, 0, "index", "html")', "createPageHTML('page_div',2, 0,'index','html',3)"
        ),
        encoding="utf-8",
    )

    report = _poll(warehouse, replica_site, tmp_path / "raw")

    assert not report.ok
    assert any("listing gazette failed" in error and "script_regex" in error for error in report.errors)
    problems = warehouse.execute("SELECT summary FROM events WHERE kind = 'extraction_problem'").fetchall()
    assert any("pages 2+ would be lost" in summary for (summary,) in problems)
    # the policy listing and the compilations of the same source were still walked and ingested
    assert {o.publication.issue.kind for o in report.outcomes if o.status == "ingested"} >= {
        "article",
        "compilation",
    }


def test_pages_the_pager_states_but_the_walk_never_reached_are_a_failure(
    warehouse, replica_site, tmp_path: Path
) -> None:
    """The first page says 3 pages, the walk ends after 2: lost pages are a failure, not the end."""
    index = replica_site.root / "zfgb" / "index.html"
    html = index.read_text(encoding="utf-8")
    index.write_text(
        html.replace('createPageHTML(2, 0, "index", "html")', 'createPageHTML(3, 0, "index", "html")'),
        encoding="utf-8",
    )

    report = _poll(warehouse, replica_site, tmp_path / "raw")

    assert not report.ok
    assert any("listing gazette failed" in error for error in report.errors)
    problems = warehouse.execute("SELECT summary FROM events WHERE kind = 'extraction_problem'").fetchall()
    assert any("the pager states 3 page(s) but the walk reached 2" in summary for (summary,) in problems)
    # what the walked pages listed was still ingested
    assert "replica-2024-02" in {
        o.publication.issue.issue_id for o in report.outcomes if o.status == "ingested"
    }


def test_an_html_only_gazette_in_levels_is_ingested_with_its_identity_and_a_missing_year_fails_alone(
    warehouse, replica_site, site_walker, tmp_path: Path
) -> None:
    """Issue 14 #2 and #5: entry page → year pages (discovered) → issue 目录 → articles, no PDF.

    The pages are written here (constructed, modelled on the State Council gazette: see
    tests/fixtures/sources/gov-levels) into the replica's folder; the articles are the replica's.
    """
    replica = replica_site.source()
    articles = [item for item in site_walker.items(replica) if item.kind == "article"][:2]
    gongbao = replica_site.root / "gongbao"
    (gongbao / "2024" / "issue_3").mkdir(parents=True)
    (gongbao / "index.htm").write_text(
        '<div class="gb_years"><a href="./2024/index.htm">2024年</a>'
        ' <a href="./2023/index.htm">2023年</a></div>',
        encoding="utf-8",
    )
    (gongbao / "2024" / "index.htm").write_text(
        '<ul class="gb_issues"><li><a href="./issue_3/content.htm">第3号</a>'
        '<span class="zh">（总号：1821）</span><span class="date">2024-01-30</span></li></ul>',
        encoding="utf-8",
    )
    (gongbao / "2024" / "issue_3" / "content.htm").write_text(
        '<h1 class="gb_title">2024年第3号</h1><ul class="gb_ml">'
        + "".join(f'<li><a href="{a.url}">{a.title}</a></li>' for a in articles)
        + "</ul>",
        encoding="utf-8",
    )
    text = (REPO / "tests" / "fixtures" / "sources" / "gov-levels" / "source.yaml").read_text(
        encoding="utf-8"
    )
    (tmp_path / "levels.yaml").write_text(
        text.replace("http://www.gongbao-example.gov.cn", "${REPLICA_URL}").replace(
            "id: gov-levels", "id: levels"
        )
        + "allowed_hosts: [127.0.0.1]\n",
        encoding="utf-8",
    )
    source = load_source(tmp_path / "levels.yaml").bind({"REPLICA_URL": replica_site.base_url})

    with new_session() as session:
        report = poll_source(warehouse, source, session, tmp_path / "raw")

    assert report.errors and all("2023/index.htm" in error for error in report.errors)  # the year not online
    assert any("listing issues failed" in error for error in report.errors)
    problems = warehouse.execute("SELECT summary FROM events WHERE kind = 'extraction_problem'").fetchall()
    assert any("2023/index.htm" in summary for (summary,) in problems)
    ingested = [o for o in report.outcomes if o.status == "ingested"]
    assert len(ingested) == len(articles) == 2
    rows = warehouse.execute(
        "SELECT DISTINCT year, number, total_number, published_date::VARCHAR FROM issues"
        " WHERE source_id = 'levels'"
    ).fetchall()
    assert rows == [(2024, 3, 1821, "2024-01-30")]
