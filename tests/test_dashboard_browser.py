"""The dashboard in a real browser: Streamlit on a free local port, headless Debian chromium via Playwright.

Every page is opened on a snapshot of the real sample; Chinese text must render
(key strings in the DOM, a screenshot that is not blank), search must return
the expected documents, and the revised order's page must show its diff.
A screenshot of each page is kept under test-artifacts/dashboard/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
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


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory, sample_snapshot: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/setup-system.sh")
    snapshot = sample_snapshot
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path_factory.getbasetemp() / "streamlit.log").open("w")
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
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str, name: str) -> tuple[str, Path]:
    """Load a page, wait until it has run to its "show SQL" box, keep a screenshot; return the DOM text."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600}, locale="zh-CN")
    try:
        page.goto(url)
        page.get_by_text("show SQL").or_(page.get_by_test_id("stException")).first.wait_for(timeout=90_000)
        page.wait_for_timeout(800)  # charts and the graph draw after the script finished
        errors = page.get_by_test_id("stException").all_inner_texts()
        assert not errors, errors
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
