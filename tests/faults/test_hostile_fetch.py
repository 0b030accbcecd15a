"""A hostile publisher against the one guarded fetch (issue 16 hostile half, issue 17 items 3 and 11).

Every request, robots.txt included, goes through `extractors.fetch.open_guarded` and
`iter_body`: allowed hosts and ports, a hop limit on redirects, decoded-size limits, a
total-time limit. Each test here failed on the code before that guard existed (the robots
bomb took 2.5 GB, the redirect loop sent ~1,000 requests and ended in RecursionError, the
trickle was read to its end, robots.txt followed a redirect to another host).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.fetch import (
    DEFAULT_MAX_REDIRECTS,
    FetchError,
    Validators,
    fetch,
    host_allowed,
    new_session,
    redirect_allowed,
)
from extractors.listing import load_source
from extractors.politeness import (
    PolitenessPolicy,
    PoliteSession,
    RobotsDisallowed,
    forget_robots,
)
from extractors.warc import WarcArchive
from pipeline.run import poll_source
from warehouse.connect import open_warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile import HostileSite, compressed_zeros, serving

CHILD = Path(__file__).with_name("robots_bomb_child.py")
REPLICA_SOURCE = Path(__file__).resolve().parents[2] / "core" / "sources" / "replica.yaml"
RSS_LIMIT_MIB = 600  # the bound: a normal run peaks at ~440 MiB


@pytest.fixture
def hostile() -> Iterator[HostileSite]:
    forget_robots()
    with serving(HostileSite(), host="127.0.0.2") as elsewhere, serving(HostileSite()) as site:
        site.elsewhere = elsewhere.url
        site.other_port = int(elsewhere.url.rsplit(":", 1)[1])
        site.elsewhere_site = elsewhere  # type: ignore[attr-defined]
        yield site
    forget_robots()


def _polite(**overrides: object) -> PoliteSession:
    policy = dict(user_agent="gazette-test/1", requests_per_second=1000.0, attempts=1)
    policy.update(overrides)
    return PoliteSession(PolitenessPolicy(**policy))  # type: ignore[arg-type]


def test_a_byte_trickling_server_is_cut_off_by_the_total_time_limit(hostile: HostileSite, tmp_path) -> None:
    # each byte comes well within the read timeout: only a limit on the whole request ends it
    with new_session() as session, pytest.raises(FetchError, match="total-time limit"):
        fetch(
            session,
            f"{hostile.url}/trickle",
            tmp_path,
            allowed_hosts=["127.0.0.1"],
            timeout=(2.0, 1.0),
            total_seconds=1.0,
        )
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # no partial body kept


@pytest.mark.parametrize("path", ["/bomb.gz", "/bomb.df"])
def test_a_compressed_bomb_is_refused_by_its_decoded_size(hostile: HostileSite, tmp_path, path: str) -> None:
    hostile.bomb_mib = 64
    with new_session() as session, pytest.raises(FetchError, match="byte limit \\(decoded\\)"):
        fetch(session, hostile.url + path, tmp_path, allowed_hosts=["127.0.0.1"], max_bytes=1024 * 1024)


def test_a_redirect_loop_sends_a_bounded_number_of_requests_and_archives_only_those(
    hostile: HostileSite, tmp_path
) -> None:
    archive = WarcArchive(tmp_path / "warc")
    with new_session() as session, pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(
            session, f"{hostile.url}/loop/0", tmp_path / "raw", allowed_hosts=["127.0.0.1"], archive=archive
        )
    assert len(hostile.requests_for("/loop/")) == DEFAULT_MAX_REDIRECTS + 1
    records = []
    for warc in sorted((tmp_path / "warc").rglob("*.warc.gz")):
        with warc.open("rb") as stream:
            records += [r for r in ArchiveIterator(stream) if r.rec_type == "response"]
    assert len(records) == DEFAULT_MAX_REDIRECTS + 1


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(hostile: HostileSite, tmp_path) -> None:
    with new_session() as session, pytest.raises(FetchError, match="another host or port"):
        fetch(session, f"{hostile.url}/to-port", tmp_path, allowed_hosts=["127.0.0.1", "127.0.0.2"])
    assert hostile.elsewhere_site.seen == []  # type: ignore[attr-defined]


def test_validators_are_sent_only_to_the_url_they_came_from(hostile: HostileSite, tmp_path) -> None:
    with new_session() as session:
        result = fetch(
            session,
            f"{hostile.url}/moved",
            tmp_path,
            allowed_hosts=["127.0.0.1"],
            previous=Validators(etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"),
        )
    moved, new = hostile.requests_for("/moved")[0], hostile.requests_for("/new")[0]
    assert moved.headers["If-None-Match"] == '"v1"'
    assert "If-None-Match" not in new.headers and "If-Modified-Since" not in new.headers
    assert result.status == 200 and result.url == f"{hostile.url}/new"


def test_ports_are_part_of_the_host_rule() -> None:
    assert host_allowed("http://gov.example:8080/a", ["gov.example"])  # a bare host: any port
    assert host_allowed("http://gov.example:8080/a", ["gov.example:8080"])
    assert not host_allowed("http://gov.example:8081/a", ["gov.example:8080"])
    assert not host_allowed("file:///etc/passwd", ["gov.example"])
    assert not host_allowed("http://gov.example:bad/a", ["gov.example"])
    # a redirect keeps its port, except to the same host's default port or a port named outright
    assert redirect_allowed("http://gov.example:8080/a", "http://gov.example:8080/b", ["gov.example"])
    assert redirect_allowed("http://gov.example/a", "https://gov.example/a", ["gov.example"])
    assert not redirect_allowed("http://gov.example:8080/a", "http://gov.example:22/", ["gov.example"])
    assert redirect_allowed("http://gov.example/a", "http://gov.example:8443/a", ["gov.example:8443"])
    assert not redirect_allowed("http://gov.example/a", "http://other.example/a", ["gov.example"])


def test_robots_txt_that_redirects_to_another_host_is_refused_and_disallows_everything(
    hostile: HostileSite,
) -> None:
    hostile.robots = "redirect"
    with _polite() as session, pytest.raises(RobotsDisallowed, match="another host or port"):
        session.get(f"{hostile.url}/zfgb/index.html")
    assert hostile.elsewhere_site.seen == []  # type: ignore[attr-defined]
    assert hostile.requests_for("/zfgb/") == []


def test_robots_txt_redirected_to_a_host_the_source_allows_is_followed(hostile: HostileSite) -> None:
    hostile.robots = "redirect"  # nx.gov.cn/robots.txt → www.nx.gov.cn/robots.txt, say
    elsewhere: HostileSite = hostile.elsewhere_site  # type: ignore[attr-defined]
    elsewhere.robots_body = b"User-agent: *\nDisallow: /private/\n"
    netloc = elsewhere.url.split("//", 1)[1]
    with _polite(allowed_hosts=(netloc,)) as session:
        assert session.allowed(f"{hostile.url}/zfgb/index.html")
        assert not session.allowed(f"{hostile.url}/private/x.html")
    assert [s.path for s in elsewhere.seen] == ["/robots.txt"]


def test_robots_txt_is_matched_per_rfc_9309_wildcards_and_longest_match(hostile: HostileSite) -> None:
    hostile.robots_body = (
        b"User-agent: *\n"
        b"Disallow: /*.pdf$\n"  # no PDF anywhere...
        b"Allow: /zfgb/*.pdf$\n"  # ...except the gazette's (longer match wins)
        b"Disallow: /zcwj/\n"
        b"Allow: /zcwj/list/\n"
    )
    with _polite() as session:
        assert session.allowed(f"{hostile.url}/zfgb/2024/nx-2024-02.pdf")
        assert not session.allowed(f"{hostile.url}/hbzl/guide.pdf")
        assert session.allowed(f"{hostile.url}/hbzl/guide.pdf?page=2")  # $ anchors the end
        assert session.allowed(f"{hostile.url}/zcwj/list/home_0.htm")
        assert not session.allowed(f"{hostile.url}/zcwj/202404/content_1.htm")


@pytest.mark.slow  # compresses a 1 GiB bomb and runs a child process (~10 s)
def test_robots_txt_as_a_1_gib_gzip_bomb_stays_far_below_600_mb(hostile: HostileSite) -> None:
    hostile.robots = "bomb"
    compressed_zeros(hostile.bomb_mib, 31)  # built before the child starts: its timeouts are not ours
    run = subprocess.run(
        [sys.executable, str(CHILD), f"{hostile.url}/zfgb/index.html", "2048"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    # before the guard: 3,150 MiB peak and six minutes to inflate and parse the gigabyte
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["peak_rss_mib"] < RSS_LIMIT_MIB, outcome
    # the first 512 KiB (ROBOTS_MAX_BYTES) were read as rules (zero bytes: none), so the page was fetched
    assert outcome["outcome"] == "HTTP 200", outcome


def test_the_listing_walk_goes_through_the_same_guard(hostile: HostileSite, tmp_path: Path) -> None:
    source = load_source(REPLICA_SOURCE).bind({"REPLICA_URL": hostile.url})
    looping = replace(source.listings[0], start_urls=(f"{hostile.url}/loop/0",))
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    with new_session() as session:
        report = poll_source(con, replace(source, listings=(looping,)), session, tmp_path / "raw")
    con.close()
    assert any("more than 5 redirects" in error for error in report.errors), report.errors
    assert len(hostile.requests_for("/loop/")) == DEFAULT_MAX_REDIRECTS + 1
