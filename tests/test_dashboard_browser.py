"""The dashboard in a real browser: Streamlit on a free local port, headless Debian chromium via Playwright.

Every page is opened on a snapshot of the real sample; Chinese text must render
(key strings in the DOM, a screenshot that is not blank), search must return
the expected documents, and the revised order's page must show its diff.
Every sample document's page opens without an exception, and hostile text (a title written as
Markdown, a crafted `?id=`) shows as text: no outside image, no link.
A screenshot of each page is kept under test-artifacts/dashboard/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
import requests
from PIL import Image, ImageStat

from dashboards.cli import streamlit_command
from dashboards.sample import build_sample_warehouse
from dashboards.snapshot import ENV_SNAPSHOT

pytestmark = pytest.mark.slow
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "dashboard"


@pytest.fixture(scope="module")
def sample_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.getbasetemp() / "dashboard-sample")


@contextmanager
def _serve(snapshot: Path, log_path: Path) -> Iterator[str]:
    """Streamlit on `snapshot`, on a free port; yields its base URL."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/setup-system.sh")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = log_path.open("w")
    env = {**os.environ, ENV_SNAPSHOT: str(snapshot)}
    server = subprocess.Popen(streamlit_command(port), env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start: see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory, sample_snapshot: Path):
    with _serve(sample_snapshot, tmp_path_factory.getbasetemp() / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str, name: str, requested: list[str] | None = None) -> tuple[str, Path]:
    """Load a page, wait until it has run to its "show SQL" box, keep a screenshot; return the DOM text.

    Every URL the page requested is appended to `requested` when given.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    if requested is not None:
        page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(url)
        page.get_by_text("show SQL").or_(page.get_by_test_id("stException")).first.wait_for(timeout=90_000)
        page.wait_for_timeout(800)  # charts and the graph draw after the script finished
        errors = page.get_by_test_id("stException").all_inner_texts()
        assert not errors, errors
        if requested is not None:
            requested.extend(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        return page.inner_text("body"), shot
    finally:
        page.close()


def _not_blank(shot: Path) -> None:
    with Image.open(shot) as image:
        variance = ImageStat.Stat(image.convert("L")).var[0]
    assert variance > 100, f"{shot.name} looks blank (pixel variance {variance:.0f})"


def test_every_page_renders_its_chinese_text(dashboard_url: str, browser) -> None:
    pages = {
        "overview": ("", ["概览 Overview", "每周文件数", "最近入库"]),
        "changes": ("changes", ["变动 Changes", "events, newest first"]),
        "expiring": ("expiring?days=90", ["即将失效 Expiring", "有效期将在 90 天内届满"]),
    }
    for name, (path, strings) in pages.items():
        text, shot = _open(browser, f"{dashboard_url}/{path}", name)
        for expected in strings:
            assert expected in text, f"{name}: {expected!r} not on the page"
        _not_blank(shot)


def test_search_returns_the_expected_sample_documents_with_marked_matches(
    dashboard_url: str, browser
) -> None:
    text, shot = _open(browser, f"{dashboard_url}/search?q={quote('营商环境')}", "search")
    assert "宁政规发〔2024〕1号" in text and "宁政规发〔2020〕5号" in text
    assert "持续优化营商环境若干措施" in text
    _not_blank(shot)


def test_the_revised_orders_page_shows_its_side_by_side_diff(
    dashboard_url: str, browser, sample_snapshot
) -> None:
    with duckdb.connect(str(sample_snapshot), read_only=True) as con:
        document_id, last = con.execute(
            "SELECT document_id, version_count FROM documents WHERE doc_number = ?",
            ["宁夏回族自治区人民政府令第130号"],
        ).fetchone()
    text, shot = _open(browser, f"{dashboard_url}/document?id={document_id}&old=1&new={last}", "document")
    assert "宁夏回族自治区实施《残疾预防和残疾人康复条例》办法" in text
    assert "版本对照 versions" in text and "刊载 sightings" in text
    # reconcile's stored diff, not one computed by the page
    assert "stored diff" in text and "新旧对照" in text
    # the revised clause, old beside new (0 to 6 years becomes 0 to 14), and the clause it added
    assert "0至6周岁" in text and "0至14周岁" in text
    assert "每两年评估调整一次" in text
    _not_blank(shot)


def test_the_cascade_page_shows_the_county_plan_aligned_with_the_regional_measures(
    dashboard_url: str, browser
) -> None:
    text, shot = _open(browser, f"{dashboard_url}/cascade", "cascade")
    assert "政策传导 Cascade" in text
    # 003 (the 彭阳县 plan) against 001's measures, as reconcile stored the alignment
    assert "彭阳县" in text and "implements" in text and "宁政规发〔2020〕5号" in text
    assert "left out" in text and "stored alignment rows" in text
    _not_blank(shot)


def test_the_repealed_measures_page_shows_who_repealed_them(
    dashboard_url: str, browser, sample_snapshot
) -> None:
    with duckdb.connect(str(sample_snapshot), read_only=True) as con:
        (document_id,) = con.execute(
            "SELECT document_id FROM documents WHERE doc_number = '宁政规发〔2020〕5号'"
        ).fetchone()
    text, shot = _open(browser, f"{dashboard_url}/document?id={document_id}", "document-repealed")
    assert "status on" in text and "repealed" in text
    assert "关系 relations" in text
    _not_blank(shot)


def test_every_sample_documents_page_opens_without_an_exception(
    dashboard_url: str, browser, sample_snapshot
) -> None:
    """Issue 17 item 10: 宁政规发〔2024〕1号 (an unresolved reference: NaN target) crashed graph.py."""
    with duckdb.connect(str(sample_snapshot), read_only=True) as con:
        documents = con.execute("SELECT document_id, title FROM documents ORDER BY document_id").fetchall()
    assert len(documents) > 10
    for n, (document_id, title) in enumerate(documents):
        text, _ = _open(browser, f"{dashboard_url}/document?id={quote(document_id)}", f"every-{n:02d}")
        assert title[:10] in text, f"{document_id}: its title is not on its page"


# A red team's titles (issue 17, item 4): Markdown that loads an outside image, a link to
# another site, Streamlit's colour syntax and a formula; the beacon host answers nothing.
BEACON = "http://127.0.0.1:9/beacon.png"
HOSTILE_TITLE = f"关于![x]({BEACON})印发[请重新登录](http://evil.example/login):red[红]$x^2$的通知"


def _outside(urls: list[str], dashboard: str) -> list[str]:
    """The hostile text's URLs among those a page requested or linked to, the dashboard's own excepted."""
    return [
        url for url in urls if ("beacon" in url or "evil.example" in url) and not url.startswith(dashboard)
    ]


@pytest.fixture(scope="module")
def hostile_snapshot(tmp_path_factory: pytest.TempPathFactory, sample_snapshot: Path) -> tuple[Path, str]:
    """A copy of the sample snapshot in which one document carries the hostile title."""
    copy = tmp_path_factory.mktemp("hostile") / "warehouse.duckdb"
    shutil.copy(sample_snapshot, copy)
    with duckdb.connect(str(copy)) as con:
        (document_id,) = con.execute(
            "SELECT document_id FROM documents WHERE doc_number = '宁政规发〔2020〕5号'"
        ).fetchone()
        con.execute("UPDATE documents SET title = ? WHERE document_id = ?", [HOSTILE_TITLE, document_id])
    return copy, document_id


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory, hostile_snapshot):
    with _serve(hostile_snapshot[0], tmp_path_factory.getbasetemp() / "streamlit-hostile.log") as url:
        yield url


def test_a_hostile_title_shows_as_text_without_image_or_link(
    hostile_url: str, browser, hostile_snapshot
) -> None:
    _, document_id = hostile_snapshot
    requested: list[str] = []
    text, _ = _open(browser, f"{hostile_url}/document?id={document_id}", "hostile-title", requested)
    assert HOSTILE_TITLE in text
    assert not _outside(requested, hostile_url), requested


def test_a_crafted_id_and_a_bad_version_number_show_no_link_and_no_traceback(
    hostile_url: str, browser, hostile_snapshot
) -> None:
    _, document_id = hostile_snapshot
    crafted = "x](http://evil.example/) [请重新登录](http://evil.example/login) ![y](" + BEACON + ")"
    requested: list[str] = []
    text, _ = _open(browser, f"{hostile_url}/document?id={quote(crafted)}", "hostile-id", requested)
    assert "no document" in text and "请重新登录" in text
    assert not _outside(requested, hostile_url), requested
    # `_open` fails on any exception box: a version number that is not a number is ignored
    text, _ = _open(browser, f"{hostile_url}/document?id={document_id}&new=abc&old=%20", "hostile-new")
    assert "版本对照 versions" in text
    text, _ = _open(browser, f"{hostile_url}/expiring?days=abc", "hostile-days")
    assert "有效期将在 90 天内届满" in text
