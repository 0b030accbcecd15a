"""The replica site behaves like a publisher's web server, and evolves exactly as planned.

Every test talks real HTTP to a ThreadingHTTPServer on 127.0.0.1 (fixture `replica_site`, state 0).
What the monitor relies on is checked here: content types, validators that do not move unless the
bytes do, 304 answers to conditional requests, refusal of paths that leave the site, and a state-1
evolution that adds the planned issue (2024 No. 3) and nothing else.
"""

from __future__ import annotations

import http.client
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from extractors.listing import parse_listing
from replica.catalogue import load_catalogue
from replica.site import META_FILE, SITE_ORIGIN, SiteError, build_site, load_site_meta

PLANNED = "nx-2024-03"  # the issue the evolve step publishes (catalogue state 1)


def raw_get(base_url: str, path: str) -> tuple[int, bytes]:
    """GET a path exactly as written (requests would normalise the dot segments away)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def served_etags(site, session: requests.Session) -> dict[str, str]:
    """ETag of every file the site holds, asked over HTTP with HEAD."""
    meta = load_site_meta(site.root)
    return {name: session.head(site.url(name)).headers["ETag"] for name in meta.files}


def test_listing_is_html_in_utf8_with_strong_validators(replica_site) -> None:
    response = requests.get(replica_site.url("zfgb/index.html"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    published = parsedate_to_datetime(response.headers["Last-Modified"])
    assert published == replica_site.built.published_at  # the state's publication time, not an mtime
    assert '<meta charset="utf-8">' in response.text


def test_pdf_is_served_as_application_pdf_byte_for_byte(replica_site, sample_build: Path) -> None:
    response = requests.get(replica_site.url("zfgb/2024/nx-2024-02/nx-2024-02.pdf"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response.content == (sample_build / "pdf" / "nx-2024-02.pdf").read_bytes()
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_if_none_match_with_the_current_etag_is_answered_304(replica_site) -> None:
    url = replica_site.url("zfgb/2024/nx-2024-02/nx-2024-02.pdf")
    first = requests.get(url)

    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]})
    stale = requests.get(url, headers={"If-None-Match": '"not-the-current-etag"'})

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert stale.status_code == 200


def test_if_modified_since_is_answered_304_unless_the_file_is_newer(replica_site) -> None:
    url = replica_site.url("zfgb/index.html")
    last_modified = requests.get(url).headers["Last-Modified"]

    same = requests.get(url, headers={"If-Modified-Since": last_modified})
    earlier = requests.get(url, headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"})
    garbage = requests.get(url, headers={"If-Modified-Since": "yesterday"})

    assert same.status_code == 304
    assert earlier.status_code == 200
    assert garbage.status_code == 200


def test_etag_decides_when_both_validators_are_sent(replica_site) -> None:
    url = replica_site.url("zfgb/index.html")
    last_modified = requests.get(url).headers["Last-Modified"]

    response = requests.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": last_modified})

    assert response.status_code == 200


def test_head_sends_the_headers_of_get_without_a_body(replica_site) -> None:
    url = replica_site.url("zfgb/2024/nx-2024-02/nx-2024-02.pdf")
    get = requests.get(url)
    head = requests.head(url)

    assert head.status_code == 200
    assert head.content == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified"):
        assert head.headers[name] == get.headers[name]


def test_missing_files_are_404_and_directories_are_never_listed(replica_site) -> None:
    assert requests.get(replica_site.url("zfgb/2024/no-such-issue.pdf")).status_code == 404
    # /zcwj/ has no index page: a real CMS answers 404, not a directory listing
    listing = requests.get(replica_site.url("zcwj/"))
    assert listing.status_code == 404
    assert "home_0.htm" not in listing.text


def test_a_directory_without_slash_redirects_and_with_slash_serves_its_index(replica_site) -> None:
    redirect = requests.get(replica_site.url("zfgb"), allow_redirects=False)
    index = requests.get(replica_site.url("zfgb/"))

    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "/zfgb/"
    assert index.status_code == 200
    assert index.content == requests.get(replica_site.url("zfgb/index.html")).content


@pytest.mark.parametrize(
    "path",
    [
        "/../" + META_FILE,
        "/zfgb/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/zfgb%2f..%2f..%2fsite",
        "/" + META_FILE,
        "/zfgb/..%5c..%5cetc",
    ],
)
def test_paths_that_leave_the_site_or_reach_hidden_files_are_refused(replica_site, path: str) -> None:
    status, body = raw_get(replica_site.base_url, path)

    assert status == 403
    assert b"sha256" not in body and b"root:" not in body


def test_robots_txt_is_served(replica_site) -> None:
    response = requests.get(replica_site.url("robots.txt"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "User-agent: *" in response.text


def test_same_host_absolute_links_carry_the_origin_the_client_used(replica_site) -> None:
    page = requests.get(replica_site.url("zfgb/index_1.html")).text

    assert SITE_ORIGIN not in page
    assert f'href="{replica_site.base_url}/zfgb/' in page  # the GB-era absolute http:// link


def test_a_request_without_a_usable_host_gets_links_to_the_address_the_server_bound(replica_site) -> None:
    parts = urlsplit(replica_site.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", "/zfgb/index_1.html", headers={"Host": "not a host/"})
        page = conn.getresponse().read().decode("utf-8")
    finally:
        conn.close()

    assert f'href="http://127.0.0.1:{parts.port}/zfgb/' in page
    assert "not a host" not in page


def test_walking_the_paginated_listing_finds_every_state_0_issue(replica_site, site_walker) -> None:
    catalogue = load_catalogue()
    expected = {(pub.year, pub.number) for pub in catalogue.in_state(0) if pub.kind == "gazette_issue"}

    found = site_walker.items(replica_site.source())

    issues = [link for link in found if link.kind == "gazette_issue"]
    assert {(link.year, link.number) for link in issues} == expected
    assert len({link.listing_url for link in issues}) > 1  # the index really is paginated
    assert all(urlsplit(link.url).netloc == urlsplit(replica_site.base_url).netloc for link in found)
    compilations = [link for link in found if link.kind == "compilation"]
    assert [link.url.endswith(".pdf") for link in compilations] == [True]
    articles = [link for link in found if link.kind == "article"]
    html_docs = [d for p in catalogue.in_state(0) if p.kind != "compilation" for d in p.documents if d.html]
    assert len(articles) == len(html_docs)


def test_an_issue_page_links_its_pdf_and_its_articles(replica_site, site_walker) -> None:
    source = replica_site.source()
    session = site_walker.session
    issue = next(link for link in site_walker.items(source) if (link.year, link.number) == (2024, 2))

    page = site_walker.issue_page(issue, source)

    assert issue.total_number == 731 and issue.date == "2024-01-31"
    assert page.pdf_url == replica_site.url("zfgb/2024/nx-2024-02/nx-2024-02.pdf")
    pub = load_catalogue().publication("nx-2024-02")
    assert [article.title for article in page.articles] == [d.title for d in pub.documents if d.html]
    for url in page.article_urls:
        article = session.get(url)
        assert article.status_code == 200 and article.headers["Content-Type"].startswith("text/html")


def test_the_pinned_link_to_another_host_is_rejected_not_followed(replica_site) -> None:
    response = requests.get(replica_site.url("zfgb/index.html"))

    page = parse_listing(response.content, response.url, replica_site.source())

    assert [rejected.url for rejected in page.rejected] == ["https://www.gov.cn/gongbao/"]
    assert all("gov.cn" not in item.url for item in page.items)


def test_the_old_compilation_page_in_gb2312_is_labelled_and_parsed(replica_site) -> None:
    response = requests.get(replica_site.url("hbzl/index.html"))

    charset = response.headers["Content-Type"].split("charset=")[1]
    assert charset in ("gb2312", "gbk", "gb18030")  # GB2312 unless a character needs a superset
    assert f"charset={charset}".encode() in response.content  # the page's own meta tag agrees
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")
    page = parse_listing(response.content, response.url, replica_site.source(), charset=charset)
    assert [item.title for item in page.items] == [load_catalogue().publication("guide-2023-ningxia").title]


def test_advance_publishes_exactly_the_planned_issue_and_no_other_file_changes(
    replica_site, site_walker
) -> None:
    session = site_walker.session
    source = replica_site.source()
    before_links = {link.url for link in site_walker.items(source)}
    before = served_etags(replica_site, session)

    assert replica_site.advance() == 1

    after = served_etags(replica_site, session)
    new_links = [link for link in site_walker.items(source) if link.url not in before_links]
    new_issues = [link for link in new_links if link.kind == "gazette_issue"]
    assert [(link.year, link.number) for link in new_issues] == [(2024, 3)]
    planned = load_catalogue().publication(PLANNED)
    new_articles = [link for link in new_links if link.kind == "article"]
    assert sorted(link.title for link in new_articles) == sorted(d.title for d in planned.documents if d.html)
    new_listing_pages = {name for name in after.keys() - before.keys() if name.startswith("zcwj/list/")}
    assert set(after) - set(before) - new_listing_pages == {
        f"zfgb/2024/{PLANNED}/index.html",
        f"zfgb/2024/{PLANNED}/{PLANNED}.pdf",
        *(urlsplit(link.url).path.lstrip("/") for link in new_articles),
    }
    changed = {name for name in before if after.get(name) != before[name]}
    listing_pages = {name for name in before if name.startswith(("zfgb/index", "zcwj/list/"))}
    assert changed <= listing_pages  # only the pages that list the new issue change
    assert "zfgb/index.html" in changed
    for name in before.keys() - listing_pages:
        assert after[name] == before[name], name


def test_new_files_carry_the_new_states_time_and_old_files_keep_theirs(replica_site) -> None:
    replica_site.advance()
    meta = load_site_meta(replica_site.root)

    new_pdf = requests.head(replica_site.url(f"zfgb/2024/{PLANNED}/{PLANNED}.pdf"))
    old_pdf = requests.head(replica_site.url("zfgb/2024/nx-2024-02/nx-2024-02.pdf"))

    assert parsedate_to_datetime(new_pdf.headers["Last-Modified"]) == meta.published_at(1)
    assert parsedate_to_datetime(old_pdf.headers["Last-Modified"]) == meta.published_at(0)
    assert meta.published_at(1) > meta.published_at(0)


def test_advancing_past_the_last_state_is_a_clear_error(replica_site) -> None:
    last = load_catalogue().max_state
    while replica_site.state < last:
        replica_site.advance()

    with pytest.raises(SiteError, match="last state"):
        replica_site.advance()


def test_building_a_state_directly_equals_advancing_to_it(
    replica_site, sample_build: Path, tmp_path: Path
) -> None:
    replica_site.advance()
    direct = tmp_path / "direct"

    build_site(direct, 1, sample_build)

    advanced_meta = load_site_meta(replica_site.root)
    direct_meta = load_site_meta(direct)
    assert direct_meta.files == advanced_meta.files
    for name in direct_meta.files:
        assert (direct / name).read_bytes() == (replica_site.root / name).read_bytes(), name


def test_a_missing_sample_file_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match=r"missing rendered sample file .*\.(pdf|html)"):
        build_site(tmp_path / "site", 0, tmp_path / "empty-sample")
