"""Shared fixtures: the rendered sample corpus and a live replica of the publisher's site.

`sample_build` renders the sample once per test session (cached on disk by replica.build, so a
second run costs nothing). `replica_site` builds a fresh site at state 0 in a temporary directory
and serves it over real HTTP on a free port of 127.0.0.1; tests that call `.advance()` get their
own copy, so no test sees another's evolution.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from extractors.listing import (
    FetchedPage,
    GetPage,
    IssueLink,
    IssuePage,
    SourceConfig,
    load_source,
    read_issue_page,
    walk_listing,
)
from replica.server import RunningSite, serve_site
from replica.site import SiteState, advance, build_site, site_state

REPO_ROOT = Path(__file__).resolve().parent.parent
REPLICA_SOURCE = REPO_ROOT / "core" / "sources" / "replica.yaml"


@pytest.fixture(scope="session", autouse=True)
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One OCR cache for the session (child processes inherit it), never the user's own.

    The sample's scanned page is read by tesseract once per run instead of at every poll of
    the replica; tests that measure OCR itself pass cache=False.
    """
    previous = os.environ.get("GAZETTE_OCR_CACHE")
    path = tmp_path_factory.mktemp("ocr-cache")
    os.environ["GAZETTE_OCR_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("GAZETTE_OCR_CACHE", None)
    else:
        os.environ["GAZETTE_OCR_CACHE"] = previous


@pytest.fixture(scope="session")
def sample_build() -> Path:
    """The directory of rendered sample files: pdf/<id>.pdf, html/<pub-id>/<n>.html, manifest.json."""
    from replica.build import build_sample, default_output_dir

    out_dir = default_output_dir()
    build_sample(out_dir)
    return out_dir


@dataclass
class ReplicaSite:
    """A replica site being served: where it lives on disk, where it answers, how to evolve it."""

    root: Path
    base_url: str
    built: SiteState
    running: RunningSite

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def advance(self) -> int:
        return advance(self.root)

    @property
    def state(self) -> int:
        return site_state(self.root)

    def source(self) -> SourceConfig:
        """The embedded replica source config, bound to this server's URL."""
        return load_source(REPLICA_SOURCE).bind({"REPLICA_URL": self.base_url})


@pytest.fixture
def replica_site(sample_build: Path, tmp_path: Path) -> Iterator[ReplicaSite]:
    """A fresh replica site at state 0, served on 127.0.0.1 on a free port for one test."""
    root = tmp_path / "site"
    built = build_site(root, 0, sample_build)
    with serve_site(root) as running:
        yield ReplicaSite(root=root, base_url=running.url, built=built, running=running)


def bare_get(session: requests.Session) -> GetPage:
    """Plain GETs for the listing walker (no crawl state, no politeness): where each request landed."""

    def get(url: str) -> FetchedPage:
        response = session.get(url, timeout=10)
        response.raise_for_status()
        return FetchedPage(
            url=response.url, body=response.content, content_type=response.headers.get("Content-Type")
        )

    return get


@dataclass
class SiteWalker:
    """The one listing walker of the product (extractors.listing) over bare GETs, as tests use it."""

    session: requests.Session

    def items(self, source: SourceConfig) -> list[IssueLink]:
        """Every item of every listing of `source`, following pagination, first sighting per URL."""
        found: dict[str, IssueLink] = {}
        for spec in source.listings:
            for start in spec.start_urls:
                for page in walk_listing(source, spec, start, bare_get(self.session)):
                    for item in page.items:
                        found.setdefault(item.url, item)
        return list(found.values())

    def issue_page(self, link: IssueLink, source: SourceConfig) -> IssuePage:
        return read_issue_page(link, source, bare_get(self.session))


@pytest.fixture
def site_walker() -> Iterator[SiteWalker]:
    with requests.Session() as session:
        yield SiteWalker(session)


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A temporary Prefect API (Prefect's own test harness) for one test module's flow runs."""
    import os

    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
