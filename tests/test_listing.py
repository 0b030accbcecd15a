"""Source configs and the listing parser, on pages written here (no network, no server).

The parser turns a publisher's listing page into issue links using only the selectors of the
source's YAML; these tests show the quirks it copes with (relative links of every kind, stray
whitespace, JavaScript pagination, legacy encodings), what it refuses (other hosts), and that a
changed layout is an error rather than an empty result.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.listing import (
    ListingLayoutError,
    SourceConfig,
    SourceConfigError,
    decode_html,
    load_source,
    load_sources,
    normalize_date,
    parse_issue_page,
    parse_listing,
)

SOURCES_DIR = Path(__file__).resolve().parent.parent / "core" / "sources"
BASE = "http://127.0.0.1:8765"


@pytest.fixture
def replica() -> SourceConfig:
    return load_source(SOURCES_DIR / "replica.yaml").bind({"REPLICA_URL": BASE})


GAZETTE_PAGE = """\
<html><head><meta charset="utf-8"></head><body>
<ul class="gb-list">
  <li class="gb-item">
    <a class="gb-title" href="https://www.gov.cn/gongbao/" title="国务院公报">国务院公报</a>
  </li>
  <li class="gb-item">
    <a class="gb-title" href="  ./2024/nx-2024-03/index.html
" title="宁夏回族自治区人民政府公报 2024年第3期（总第732期）">宁夏…第3期</a>
    <span class="gb-year">2024年</span>&nbsp;<span class="gb-qh">第 3 期</span>
    <span class="gb-zqh">总第732期</span>
    <span class="gb-date">2024-02-15</span>
  </li>
  <li class="gb-item">
    <a class="gb-title" href="http://127.0.0.1:8765/zfgb/2024/nx-2024-02/index.html"
       title="2024年第2期">2024年第2期</a>
    <span class="gb-year">2024年</span><span class="gb-qh">第2期</span>
    <span class="gb-date">2024年1月31日</span>
  </li>
  <li class="gb-item">
    <a class="gb-title" href="../zfgb/2020/nx-2020-11/" title="2020年第11期">2020年第11期</a>
    <span class="gb-year">2020年</span><span class="gb-qh">第11期</span><span class="gb-date">2020/6/15</span>
  </li>
</ul>
<div class="page"><script>createPageHTML(3, 0, "index", "html");</script></div>
</body></html>
"""


def test_items_get_absolute_urls_and_fields_whatever_way_the_link_is_written(replica) -> None:
    page = parse_listing(GAZETTE_PAGE.encode(), f"{BASE}/zfgb/index.html", replica)

    assert [item.url for item in page.items] == [
        f"{BASE}/zfgb/2024/nx-2024-03/index.html",  # "./" with spaces and a newline in the href
        f"{BASE}/zfgb/2024/nx-2024-02/index.html",  # absolute http:// to the same host
        f"{BASE}/zfgb/2020/nx-2020-11/",  # "../" and a folder
    ]
    first = page.items[0]
    assert (first.year, first.number, first.total_number, first.date) == (2024, 3, 732, "2024-02-15")
    assert first.title == "宁夏回族自治区人民政府公报 2024年第3期（总第732期）"  # full title from title=
    assert [item.date for item in page.items[1:]] == ["2024-01-31", "2020-06-15"]
    assert page.items[1].total_number is None


def test_a_link_to_another_host_is_reported_and_dropped(replica) -> None:
    page = parse_listing(GAZETTE_PAGE.encode(), f"{BASE}/zfgb/index.html", replica)

    assert [(r.url, r.reason) for r in page.rejected] == [
        ("https://www.gov.cn/gongbao/", "host not in allowed_hosts")
    ]
    assert all("gov.cn" not in item.url for item in page.items)


def test_javascript_pagination_gives_the_next_page_until_the_last(replica) -> None:
    first = parse_listing(GAZETTE_PAGE.encode(), f"{BASE}/zfgb/index.html", replica)
    middle = parse_listing(
        GAZETTE_PAGE.replace("createPageHTML(3, 0", "createPageHTML(3, 1").encode(),
        f"{BASE}/zfgb/index_1.html",
        replica,
    )
    last = parse_listing(
        GAZETTE_PAGE.replace("createPageHTML(3, 0", "createPageHTML(3, 2").encode(),
        f"{BASE}/zfgb/index_2.html",
        replica,
    )

    assert first.next_url == f"{BASE}/zfgb/index_1.html"
    assert middle.next_url == f"{BASE}/zfgb/index_2.html"
    assert last.next_url is None


def test_a_pager_script_that_no_longer_matches_is_a_layout_error_not_page_one_only(replica) -> None:
    """Issue 14 #1: the TRS variant createPageHTML('page_div', 3, 0, ...) used to stop the walk silently."""
    changed = GAZETTE_PAGE.replace(
        'createPageHTML(3, 0, "index", "html")', "createPageHTML('page_div',3, 0,'index','html',7)"
    )

    with pytest.raises(
        ListingLayoutError, match=r"script_regex .*: the pager changed, pages 2\+ would be lost"
    ):
        parse_listing(changed.encode(), f"{BASE}/zfgb/index.html", replica)


def _with_pagination(source: SourceConfig, listing: str, **pagination: object) -> SourceConfig:
    raw = {**source.raw, "listings": [dict(spec) for spec in source.raw["listings"]]}
    for spec in raw["listings"]:
        if spec["name"] == listing:
            spec["pagination"] = pagination
    return SourceConfig.bind(replace(source, raw=raw), {"REPLICA_URL": BASE})


def test_with_a_pager_selector_a_page_without_pager_is_a_single_page(replica) -> None:
    source = _with_pagination(
        replica,
        "gazette",
        script_regex=r"createPageHTML\((?P<count>\d+), (?P<current>\d+)",
        page_url="index_{n}.html",
        pager_selector="div.page",
    )
    single = GAZETTE_PAGE.replace(
        '<div class="page"><script>createPageHTML(3, 0, "index", "html");</script></div>', ""
    )

    page = parse_listing(single.encode(), f"{BASE}/zfgb/index.html", source)
    assert (page.next_url, page.pager) == (None, None)
    with pytest.raises(ListingLayoutError, match=r"has a pager \('div.page'\) but"):
        parse_listing(
            single.replace("</ul>", '</ul><div class="page">1 2 3</div>').encode(),
            f"{BASE}/zfgb/index.html",
            source,
        )


def test_a_pager_that_pages_by_links_states_its_total_through_total_regex(replica) -> None:
    source = _with_pagination(
        replica,
        "policy",
        next_selector="div.pagination a.next",
        pager_selector="div.pagination",
        total_regex=r"共\s*(?P<count>\d+)\s*页\s*共\s*(?P<items>\d+)\s*条",
    )
    stated = POLICY_PAGE.replace('<a class="next"', '<span>共 3 页 共 6 条</span><a class="next"')

    page = parse_listing(stated.encode(), f"{BASE}/zcwj/list/home_1.htm", source)
    assert page.pager is not None and (page.pager.pages, page.pager.items) == (3, 6)
    assert page.entries == 2
    with pytest.raises(ListingLayoutError, match="total_regex"):
        parse_listing(POLICY_PAGE.encode(), f"{BASE}/zcwj/list/home_1.htm", source)


def test_pagination_settings_are_validated_with_the_key_and_the_fix(tmp_path: Path) -> None:
    text = (SOURCES_DIR / "replica.yaml").read_text(encoding="utf-8")
    bad = text.replace(
        "script_regex: 'createPageHTML\\(\\s*(?P<count>\\d+)\\s*,\\s*(?P<current>\\d+)'",
        "script_regex: 'createPageHTML\\((\\d+)'",
    )
    assert bad != text
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(
        SourceConfigError, match=r"bad.yaml: listings\[0\].pagination.script_regex: needs named groups"
    ):
        load_source(tmp_path / "bad.yaml")
    (tmp_path / "bad.yaml").write_text(
        text.replace(
            "max_pages: 100\n\n  - name: policy", "max_pages: 100\n      page_base: 2\n\n  - name: policy"
        ),
        encoding="utf-8",
    )
    with pytest.raises(SourceConfigError, match=r"pagination.page_base: must be one of 0, 1, got 2"):
        load_source(tmp_path / "bad.yaml")


POLICY_PAGE = """\
<div class="list list_1 list_2"><ul>
<li><h4><a href="../202008/t20200831_123.html" target="_blank">彭阳县人民政府办公室关于印发《方案》的通知</a>
<span class="date">2020-08-31</span></h4></li>
<li><h4><a href="../202004/t20200430_456.html">自治区人民政府关于印发若干措施的通知</a>
<span class="date">2020-04-30</span></h4></li>
</ul></div>
<div class="pagination"><a class="prev" href="home_0.htm">上一页</a>
<a class="next" href="home_2.htm">下一页</a></div>
"""


def test_a_gov_cn_style_policy_listing_resolves_parent_relative_links(replica) -> None:
    page = parse_listing(POLICY_PAGE.encode(), f"{BASE}/zcwj/list/home_1.htm", replica)

    assert [(item.kind, item.url, item.date) for item in page.items] == [
        ("article", f"{BASE}/zcwj/202008/t20200831_123.html", "2020-08-31"),
        ("article", f"{BASE}/zcwj/202004/t20200430_456.html", "2020-04-30"),
    ]
    assert page.items[0].title == "彭阳县人民政府办公室关于印发《方案》的通知"
    assert page.next_url == f"{BASE}/zcwj/list/home_2.htm"


def test_a_changed_layout_is_an_error_never_an_empty_listing(replica) -> None:
    redesigned = GAZETTE_PAGE.replace('class="gb-list"', 'class="news-list"')

    with pytest.raises(ListingLayoutError, match=r"item selector 'ul\.gb-list > li'.*matched nothing"):
        parse_listing(redesigned.encode(), f"{BASE}/zfgb/index.html", replica)


def test_items_whose_links_moved_are_a_layout_error_too(replica) -> None:
    renamed_links = GAZETTE_PAGE.replace('class="gb-title"', 'class="title"')

    with pytest.raises(ListingLayoutError, match="none has a link"):
        parse_listing(renamed_links.encode(), f"{BASE}/zfgb/index.html", replica)


def test_items_missing_a_required_field_are_rejected_and_all_missing_is_an_error(replica) -> None:
    no_dates = GAZETTE_PAGE.replace("gb-date", "pub-time")

    with pytest.raises(ListingLayoutError, match="required fields"):
        parse_listing(no_dates.encode(), f"{BASE}/zfgb/index.html", replica)


def test_an_issue_page_yields_its_pdf_and_article_links(replica) -> None:
    issue = """<h1 class="issue-title">宁夏回族自治区人民政府公报 2024年第2期（总第731期）</h1>
    <div class="pdf-download"><a href="./nx-2024-02.pdf">下载本期PDF</a></div>
    <ul class="doc-list">
      <li><a href="../../../zcwj/202311/t20231114_1.html">
        宁夏回族自治区实施《残疾预防和残疾人康复条例》办法</a></li>
      <li><span class="doc-title">不在网上发布的文件</span></li>
      <li><a href="http://www.nx.gov.cn/zwgk/t1.html">另一个网站的文章</a></li>
    </ul>"""

    page = parse_issue_page(issue.encode(), f"{BASE}/zfgb/2024/nx-2024-02/index.html", replica)

    assert page.title == "宁夏回族自治区人民政府公报 2024年第2期（总第731期）"
    assert page.pdf_url == f"{BASE}/zfgb/2024/nx-2024-02/nx-2024-02.pdf"
    assert page.article_urls == [f"{BASE}/zcwj/202311/t20231114_1.html"]
    assert [r.url for r in page.rejected] == ["http://www.nx.gov.cn/zwgk/t1.html"]


def test_decoding_prefers_the_http_charset_then_the_meta_tag_then_gb18030() -> None:
    title = "宁夏回族自治区人民政府公报"
    gb_with_meta = f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{title}</p>'
    gb_bare = f"<p>{title}</p>".encode("gb18030")

    assert title in decode_html(gb_with_meta.encode("gb18030"))  # meta label, GB2312 read as GB18030
    assert title in decode_html(gb_bare)  # no label, not UTF-8: GB18030
    assert title in decode_html(f"<p>{title}</p>".encode(), http_charset="utf-8")
    # a wrong HTTP label that cannot decode the bytes is skipped, not trusted
    assert title in decode_html(gb_with_meta.encode("gb18030"), http_charset="utf-8")


def test_a_gb18030_listing_parses_like_a_utf8_one(replica) -> None:
    page = parse_listing(POLICY_PAGE.encode("gb18030"), f"{BASE}/zcwj/list/home_1.htm", replica)

    assert page.items[0].title == "彭阳县人民政府办公室关于印发《方案》的通知"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024-01-31", "2024-01-31"),
        ("2024年1月31日", "2024-01-31"),
        ("2024 年 1 月 31 日", "2024-01-31"),
        ("发布日期：2024/1/3", "2024-01-03"),
        ("2024.02.15", "2024-02-15"),
        ("2024-02-30", None),
        ("置顶", None),
    ],
)
def test_listing_dates_are_normalised_to_iso(text: str, iso: str | None) -> None:
    assert normalize_date(text) == iso


def test_the_shipped_sources_load_and_the_real_ones_are_marked_unverified_and_disabled() -> None:
    sources = {source.id: source for source in load_sources(SOURCES_DIR)}

    assert set(sources) >= {"replica", "ningxia", "gov-cn-gongbao"}
    assert sources["replica"].enabled and not sources["replica"].unverified
    assert sources["replica"].unresolved == ("REPLICA_URL",)
    for real in ("ningxia", "gov-cn-gongbao"):
        assert sources[real].unverified and not sources[real].enabled
        assert all(url.startswith("https://") for url in sources[real].start_urls)
    assert "www.nx.gov.cn" in sources["ningxia"].allowed_hosts


def test_binding_fills_the_replica_url_everywhere(replica) -> None:
    assert replica.start_urls == [
        f"{BASE}/zfgb/index.html",
        f"{BASE}/zcwj/list/home_0.htm",
        f"{BASE}/hbzl/index.html",
    ]
    assert replica.unresolved == ()
    assert replica.allows(f"{BASE}/zfgb/index.html") and not replica.allows("https://www.gov.cn/")


def test_walking_an_unbound_source_is_a_clear_error(site_walker) -> None:
    unbound = load_source(SOURCES_DIR / "replica.yaml", variables={})
    if not unbound.unresolved:  # REPLICA_URL set in this environment
        pytest.skip("REPLICA_URL is set in the environment")

    # the hint names the command-line option, not a Python method (issue 14 #7)
    with pytest.raises(SourceConfigError, match=r"\$\{REPLICA_URL\} not set: pass --var REPLICA_URL=VALUE"):
        site_walker.items(unbound)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


MINIMAL = """\
id: tiny
name: 测试公报
listings:
  - kind: article
    start_urls: ["https://example.gov.cn/list/home_0.htm"]
    item_selector: "ul > li"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('item_selector: "ul > li"', 'item_selector: "ul >> li"'),
            r"listings\[0\]\.item_selector: invalid CSS",
        ),
        (("item_selector", "item_selecter"), r"listings\[0\]\.item_selecter: unknown key"),
        (("kind: article", "kind: newspaper"), r"listings\[0\]\.kind: 'newspaper' is not one of"),
        (("id: tiny", "id: Tiny Source"), r"id: 'Tiny Source' must be lowercase"),
        (("name: 测试公报\n", ""), r"name: required"),
        (
            ('["https://example.gov.cn/list/home_0.htm"]', '["list/home_0.htm"]'),
            r"start_urls\[0\]: .* absolute",
        ),
        (("kind: article", "kind: gazette_issue"), r"issue_page: required"),
    ],
)
def test_a_bad_config_names_the_bad_key(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = write(tmp_path, "tiny.yaml", MINIMAL.replace(*change))

    with pytest.raises(SourceConfigError, match=message) as caught:
        load_source(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_one_bad_config_does_not_stop_the_others_when_errors_are_collected(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", MINIMAL)
    write(tmp_path, "broken.yaml", "id: [unclosed\n")
    errors: list[SourceConfigError] = []

    sources = load_sources(tmp_path, on_error=errors.append)

    assert [source.id for source in sources] == ["tiny"]
    assert len(errors) == 1 and "broken.yaml" in str(errors[0])
    with pytest.raises(SourceConfigError, match=r"broken\.yaml"):
        load_sources(tmp_path)


def test_pdf_selector_is_optional_for_an_html_only_gazette(tmp_path: Path) -> None:
    """Issue 14 #4: a source without PDFs needed a pdf_selector, and nothing said so."""
    text = (SOURCES_DIR / "replica.yaml").read_text(encoding="utf-8")
    no_pdf = text.replace("  pdf_selector: \"div.pdf-download a[href$='.pdf']\"\n", "")
    assert no_pdf != text
    (tmp_path / "html-only.yaml").write_text(no_pdf, encoding="utf-8")
    source = load_source(tmp_path / "html-only.yaml").bind({"REPLICA_URL": BASE})
    issue = '<h1 class="issue-title">2024年第2期</h1><ul class="doc-list"><li><a href="t1.html">办法</a></ul>'

    page = parse_issue_page(issue.encode(), f"{BASE}/zfgb/2024/nx-2024-02/index.html", source)

    assert (page.pdf_urls, page.article_urls) == ([], [f"{BASE}/zfgb/2024/nx-2024-02/t1.html"])
    neither = no_pdf.replace('  article_selector: "ul.doc-list a[href]"\n', "")
    (tmp_path / "html-only.yaml").write_text(neither, encoding="utf-8")
    with pytest.raises(
        SourceConfigError, match=r"html-only.yaml: issue_page: give pdf_selector .* and/or article_selector"
    ):
        load_source(tmp_path / "html-only.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    follow: issues\n", ""), r"listings\[0\].follow: a listing of kind listing names the listing"),
        (("follow: issues", "follow: issue"), r"listings\[0\].follow: no listing named 'issue'"),
        (
            ("    follow: issues\n", "    follow: years\n"),
            r"listings\[0\].follow: levels loop: years -> years",
        ),
        (
            (
                "    kind: listing             # each item is a page of the listing named in follow\n"
                "    follow: issues\n",
                "    kind: article\n",
            ),
            r"listings\[1\].start_urls: required unless another listing",
        ),
    ],
)
def test_levels_are_validated_with_the_key_and_the_fix(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (Path(__file__).parent / "fixtures" / "sources" / "gov-levels" / "source.yaml").read_text(
        encoding="utf-8"
    )
    assert change[0] in text
    (tmp_path / "levels.yaml").write_text(text.replace(change[0], change[1]), encoding="utf-8")

    with pytest.raises(SourceConfigError, match=r"levels\.yaml: " + message):
        load_source(tmp_path / "levels.yaml")
