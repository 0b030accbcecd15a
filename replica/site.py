"""The replica of the publisher's web site: static files laid out as a government CMS publishes a gazette.

The monitor is only as good as its behaviour against a real site, and the real one cannot be used
offline or made to publish on demand. This module writes, from the sample catalogue and the rendered
sample files (replica.build), the pages a provincial portal serves:

    /index.html                          home page with the three columns
    /robots.txt
    /zfgb/index.html, index_1.html, ...  gazette index, newest first, paginated by a TRS-style
                                         createPageHTML(count, current, ...) script
    /zfgb/<year>/<pub-id>/index.html     issue page: the issue PDF and links to its documents
    /zfgb/<year>/<pub-id>/<pub-id>.pdf
    /zcwj/list/home_0.htm, home_1.htm    policy documents, gov.cn style (<li><h4><a …><span class="date">)
    /zcwj/<yyyymm>/t<yyyymmdd>_<n>.html  one web article per document published as HTML
    /hbzl/index.html                     compilations (an old page, GB2312-encoded)
    /hbzl/<year>/<pub-id>.pdf

with the quirks crawlers meet on such sites: relative links written three ways (./, ../, bare),
absolute http:// links to the same host (written as http://site-origin.invalid and served with the
real origin), a pinned entry pointing to another host, stray whitespace inside href attributes.

The site has states: state k shows the publications whose catalogue `state` is <= k. Rendering is
deterministic, and moving to a new state rewrites only files whose bytes change, so the ETags of
everything else stay the same. `.site.json` records the state, each file's hash and the state in
which its current content appeared; the server takes Last-Modified from that state's publication
time, never from file mtimes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import GazetteError
from replica.catalogue import Catalogue, CatalogueDocument, Publication, load_catalogue

META_FILE = ".site.json"
SITE_ORIGIN = "http://site-origin.invalid"
SITE_NAME = "宁夏回族自治区人民政府（本地副本）"
GAZETTE_PAGE_SIZE = 2
POLICY_PAGE_SIZE = 5
PUBLICATION_HOUR = 9  # issues go online at 09:00 Beijing time on their publication date
BEIJING = dt.timezone(dt.timedelta(hours=8))
FOREIGN_ENTRY = ("https://www.gov.cn/gongbao/", "【链接】中华人民共和国国务院公报")


class SiteError(GazetteError, ValueError):
    """The site cannot be built or advanced (missing sample files, no such state, no site)."""


@dataclass(frozen=True)
class FileInfo:
    sha256: str
    state: int  # the state in which the file's current bytes first appeared
    charset: str | None = None  # for text files not in UTF-8


@dataclass(frozen=True)
class SiteMeta:
    """What `.site.json` records: enough for the server's headers and for `advance()`."""

    state: int
    max_state: int
    sample_dir: Path
    catalogue_path: Path
    state_times: dict[int, dt.datetime]
    files: dict[str, FileInfo]

    def published_at(self, state: int) -> dt.datetime:
        return self.state_times[state]


@dataclass(frozen=True)
class SiteState:
    """The result of building or advancing a site."""

    site_dir: Path
    state: int
    max_state: int
    published_at: dt.datetime
    publications: list[str]
    added: list[str]  # publications that first appear in this state
    written: list[str] = field(default_factory=list)  # files whose bytes this call wrote
    removed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Content:
    """A site file before it is written: bytes to write, or a sample file to copy."""

    data: bytes | None = None
    source: Path | None = None
    charset: str | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.source is not None
        return self.source.read_bytes()


# ----------------------------------------------------------------------------------------------
# public API


def build_site(site_dir: Path, state: int, sample_dir: Path, catalogue: Catalogue | None = None) -> SiteState:
    """Lay out the site for `state` in `site_dir`, rewriting only the files whose bytes change."""
    catalogue = catalogue or load_catalogue()
    sample_dir = Path(sample_dir).resolve()
    site_dir = Path(site_dir)
    if not 0 <= state <= catalogue.max_state:
        raise SiteError(f"state {state} does not exist: the catalogue has states 0..{catalogue.max_state}")
    state_times = {k: _state_time(catalogue, k) for k in range(catalogue.max_state + 1)}
    renders = [_render(catalogue, k, sample_dir) for k in range(state + 1)]
    hashes = [{path: _digest(content) for path, content in render.items()} for render in renders]
    target = renders[state]
    files: dict[str, FileInfo] = {}
    for path, content in target.items():
        first = state
        while first > 0 and hashes[first - 1].get(path) == hashes[state][path]:
            first -= 1
        files[path] = FileInfo(sha256=hashes[state][path], state=first, charset=content.charset)

    site_dir.mkdir(parents=True, exist_ok=True)
    written = [
        path for path, content in sorted(target.items()) if _write_if_changed(site_dir / path, content)
    ]
    removed = _remove_stale(site_dir, set(target))
    meta = SiteMeta(
        state=state,
        max_state=catalogue.max_state,
        sample_dir=sample_dir,
        catalogue_path=catalogue.path,
        state_times=state_times,
        files=files,
    )
    _write_meta(site_dir, meta)
    return SiteState(
        site_dir=site_dir,
        state=state,
        max_state=catalogue.max_state,
        published_at=state_times[state],
        publications=[pub.id for pub in catalogue.in_state(state)],
        added=[pub.id for pub in catalogue.added_in_state(state)],
        written=written,
        removed=removed,
    )


def advance(site_dir: Path) -> int:
    """Move the site to its next state (the next issue appears); returns the new state."""
    meta = load_site_meta(site_dir)
    if meta.state >= meta.max_state:
        raise SiteError(f"the replica site at {site_dir} is already in its last state ({meta.state})")
    catalogue = load_catalogue(meta.catalogue_path)
    return build_site(site_dir, meta.state + 1, meta.sample_dir, catalogue).state


def site_state(site_dir: Path) -> int:
    """The state a built site is in."""
    return load_site_meta(site_dir).state


def load_site_meta(site_dir: Path) -> SiteMeta:
    """Read `.site.json`; SiteError when the directory holds no built site."""
    path = Path(site_dir) / META_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SiteMeta(
            state=int(raw["state"]),
            max_state=int(raw["max_state"]),
            sample_dir=Path(raw["sample_dir"]),
            catalogue_path=Path(raw["catalogue"]),
            state_times={int(k): dt.datetime.fromisoformat(v) for k, v in raw["state_times"].items()},
            files={
                name: FileInfo(sha256=info["sha256"], state=int(info["state"]), charset=info.get("charset"))
                for name, info in raw["files"].items()
            },
        )
    except FileNotFoundError as exc:
        raise SiteError(f"no replica site at {site_dir} (missing {META_FILE}): build it first") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SiteError(f"{path}: unreadable site metadata: {type(exc).__name__}: {exc}") from exc


# ----------------------------------------------------------------------------------------------
# writing


def _digest(content: _Content) -> str:
    return hashlib.sha256(content.read()).hexdigest()


def _write_if_changed(path: Path, content: _Content) -> bool:
    """Atomically replace `path` when its bytes differ; untouched files keep their bytes and ETag."""
    data = content.read()
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _remove_stale(site_dir: Path, keep: set[str]) -> list[str]:
    removed = []
    for path in sorted(site_dir.rglob("*"), reverse=True):
        relative = path.relative_to(site_dir).as_posix()
        if relative == META_FILE:
            continue
        if path.is_file() and relative not in keep:
            path.unlink()
            removed.append(relative)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return sorted(removed)


def _write_meta(site_dir: Path, meta: SiteMeta) -> None:
    raw = {
        "state": meta.state,
        "max_state": meta.max_state,
        "sample_dir": str(meta.sample_dir),
        "catalogue": str(meta.catalogue_path),
        "state_times": {str(k): v.isoformat() for k, v in sorted(meta.state_times.items())},
        "files": {
            name: {
                "sha256": info.sha256,
                "state": info.state,
                **({"charset": info.charset} if info.charset else {}),
            }
            for name, info in sorted(meta.files.items())
        },
    }
    data = (json.dumps(raw, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    _write_if_changed(site_dir / META_FILE, _Content(data=data))


# ----------------------------------------------------------------------------------------------
# URLs: a stable address for every publication and article


def _state_time(catalogue: Catalogue, state: int) -> dt.datetime:
    """When the site entered `state`: the latest publication date among what that state adds."""
    dates = [pub.published for pub in catalogue.added_in_state(state) if pub.published is not None]
    if not dates:
        raise SiteError(f"state {state} adds no dated publication: cannot tell when it went online")
    day = max(dates)
    return dt.datetime(day.year, day.month, day.day, PUBLICATION_HOUR, tzinfo=BEIJING).astimezone(dt.UTC)


def _year(pub: Publication) -> int:
    if pub.year is not None:
        return pub.year
    if pub.published is not None:
        return pub.published.year
    raise SiteError(f"publication {pub.id} has neither year nor published date")


def issue_dir(pub: Publication) -> str:
    return f"zfgb/{_year(pub)}/{pub.id}"


def issue_pdf_path(pub: Publication) -> str:
    if pub.kind == "compilation":
        return f"hbzl/{_year(pub)}/{pub.id}.pdf"
    return f"{issue_dir(pub)}/{pub.id}.pdf"


def _article_date(pub: Publication, doc: CatalogueDocument) -> dt.date:
    date = doc.issued_date or pub.published
    if date is None:
        raise SiteError(f"publication {pub.id}: document {doc.title!r} has no date for its article URL")
    return date


def article_path(pub: Publication, index: int) -> str:
    """gov.cn-style article address: /zcwj/202008/t20200831_5316604.html, stable per document."""
    date = _article_date(pub, pub.documents[index])
    serial = 1_000_000 + zlib.crc32(f"{pub.id}/{index}".encode()) % 9_000_000
    return f"zcwj/{date:%Y%m}/t{date:%Y%m%d}_{serial}.html"


def _relative(from_path: str, to_path: str) -> str:
    """A relative href from one site file to another (both site-relative, posix)."""
    return os.path.relpath(to_path, start=os.path.dirname(from_path) or ".").replace(os.sep, "/")


# ----------------------------------------------------------------------------------------------
# rendering


@dataclass(frozen=True)
class _Article:
    pub: Publication
    index: int
    path: str
    source: Path

    @property
    def doc(self) -> CatalogueDocument:
        return self.pub.documents[self.index]

    @property
    def date(self) -> dt.date:
        return _article_date(self.pub, self.doc)


def _sample_pdf(sample_dir: Path, pub: Publication) -> Path:
    path = sample_dir / "pdf" / f"{pub.id}.pdf"
    if not path.is_file():
        raise SiteError(f"missing rendered sample file {path}: run replica.build.build_sample first")
    return path


def _sample_article(sample_dir: Path, pub: Publication, index: int) -> Path:
    path = sample_dir / "html" / pub.id / f"{index + 1}.html"
    if not path.is_file():
        raise SiteError(f"missing rendered sample file {path}: run replica.build.build_sample first")
    return path


def _render(catalogue: Catalogue, state: int, sample_dir: Path) -> dict[str, _Content]:
    visible = catalogue.in_state(state)
    issues = sorted(
        (pub for pub in visible if pub.kind == "gazette_issue"),
        key=lambda p: (p.published or dt.date.min, p.id),
        reverse=True,
    )
    compilations = sorted(
        (pub for pub in visible if pub.kind == "compilation"),
        key=lambda p: (p.published or dt.date.min, p.id),
        reverse=True,
    )
    articles = [
        _Article(pub, i, article_path(pub, i), _sample_article(sample_dir, pub, i))
        for pub in visible
        for i, doc in enumerate(pub.documents)
        if doc.html or pub.kind == "article"  # the rule replica.build renders articles by
    ]
    articles.sort(key=lambda a: (a.date, a.path), reverse=True)
    by_doc = {(a.pub.id, a.index): a for a in articles}
    # link styles are tied to the issue's place in the catalogue, so an issue's entry never
    # changes its markup when newer issues push it to another page
    gazette_order = {pub.id: i for i, pub in enumerate(p for p in catalogue if p.kind == "gazette_issue")}

    files: dict[str, _Content] = {
        "robots.txt": _Content(data=_ROBOTS.encode("utf-8")),
        "index.html": _utf8(_home_page()),
    }
    files.update(_gazette_index(issues, gazette_order))
    for pub in issues:
        files[f"{issue_dir(pub)}/index.html"] = _utf8(_issue_page(pub, by_doc))
        files[issue_pdf_path(pub)] = _Content(source=_sample_pdf(sample_dir, pub))
    files.update(_policy_listing(articles))
    for article in articles:
        files[article.path] = _Content(source=article.source)
    files["hbzl/index.html"] = _legacy(_compilation_page(compilations))
    for pub in compilations:
        files[issue_pdf_path(pub)] = _Content(source=_sample_pdf(sample_dir, pub))
    return files


def _utf8(text: str) -> _Content:
    return _Content(data=text.encode("utf-8"))


def _legacy(text: str) -> _Content:
    """An old page kept in GB2312 as first published (GBK or GB18030 when a character needs it)."""
    for charset in ("gb2312", "gbk", "gb18030"):
        try:
            body = text.replace("{charset}", charset).encode(charset)
        except UnicodeEncodeError:
            continue
        return _Content(data=body, charset=charset)
    raise SiteError("page cannot be encoded in GB18030")


_ROBOTS = """\
# robots.txt of the replica site: crawlers may read everything but the search and admin pages
User-agent: *
Disallow: /search/
Disallow: /admin/
"""

_PAGE_SCRIPT = """\
<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var html = "";
  for (var i = 0; i < _nPageCount; i++) {
    var href = i == 0 ? _sPageName + "." + _sPageExt : _sPageName + "_" + i + "." + _sPageExt;
    html += i == _nCurrIndex ? "<span>" + (i + 1) + "</span>" : "<a href='" + href + "'>" + (i + 1) + "</a>";
  }
  document.write(html);
}
</script>"""


def _head(title: str, charset: str = "utf-8", extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n'
        f'<meta charset="{charset}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}_{SITE_NAME}</title>\n"
        f"{extra}</head>\n<body>\n"
        f'<div class="header"><a href="{SITE_ORIGIN}/index.html">{SITE_NAME}</a></div>\n'
    )


_FOOT = (
    '<div class="footer">主办：宁夏回族自治区人民政府办公厅（本地副本，测试用）'
    '  <a href="https://www.gov.cn/">中国政府网</a></div>\n</body>\n</html>\n'
)


def _home_page() -> str:
    return (
        _head("首页")
        + '<ul class="nav">\n'
        + '  <li><a href="zfgb/index.html">政府公报</a></li>\n'
        + '  <li><a href="./zcwj/list/home_0.htm">政策文件</a></li>\n'
        + '  <li><a href="hbzl/">政策汇编</a></li>\n'
        + "</ul>\n"
        + _FOOT
    )


def _issue_label(pub: Publication) -> str:
    return f"{pub.title} {pub.year}年第{pub.number}期"


def _gazette_href(pub: Publication, style: int) -> str:
    """The entry's link, written one of the three ways the CMS templates of this site mix."""
    target = f"{_year(pub)}/{pub.id}"
    if style == 0:
        return f"  ./{target}/index.html\n"
    if style == 1:
        return f"{SITE_ORIGIN}/zfgb/{target}/index.html"
    return f"../zfgb/{target}/"


def _gazette_index(issues: list[Publication], order: dict[str, int]) -> dict[str, _Content]:
    entries: list[str] = [
        '  <li class="gb-item gb-top">\n'
        f'    <a class="gb-title" href="{FOREIGN_ENTRY[0]}" target="_blank" title="{FOREIGN_ENTRY[1]}">'
        f"{FOREIGN_ENTRY[1]}</a>\n"
        '    <span class="gb-date">置顶</span>\n  </li>\n'
    ]
    for pub in issues:
        total = f"总第{pub.total_number}期" if pub.total_number is not None else ""
        label = _issue_label(pub)
        full = f"{label}（{total}）" if total else label
        entries.append(
            '  <li class="gb-item">\n'
            f'    <a class="gb-title" href="{_gazette_href(pub, order[pub.id] % 3)}" target="_blank"'
            f' title="{html.escape(full)}">\n      {html.escape(label)}\n    </a>\n'
            f'    <span class="gb-year">{pub.year}年</span>'
            f'&nbsp;<span class="gb-qh">第 {pub.number} 期</span>'
            f'{"  " if order[pub.id] % 2 else " "}<span class="gb-zqh">{total}</span>'
            f'\n    <span class="gb-date">{pub.published.isoformat() if pub.published else ""}</span>\n'
            "  </li>\n"
        )
    pages = [entries[i : i + GAZETTE_PAGE_SIZE] for i in range(0, len(entries), GAZETTE_PAGE_SIZE)]
    out: dict[str, _Content] = {}
    for n, page in enumerate(pages):
        name = "zfgb/index.html" if n == 0 else f"zfgb/index_{n}.html"
        out[name] = _utf8(
            _head("政府公报", extra=_PAGE_SCRIPT + "\n")
            + '<div class="crumb"><a href="../index.html">首页</a> &gt; 政府公报</div>\n'
            + '<div class="gb-list-box">\n<ul class="gb-list">\n'
            + "".join(page)
            + "</ul>\n</div>\n"
            + '<div class="page"><script type="text/javascript">'
            + f'createPageHTML({len(pages)}, {n}, "index", "html");</script></div>\n'
            + _FOOT
        )
    return out


def _issue_page(pub: Publication, articles: dict[tuple[str, int], _Article]) -> str:
    here = f"{issue_dir(pub)}/index.html"
    total = f"（总第{pub.total_number}期）" if pub.total_number is not None else ""
    items = []
    for i, doc in enumerate(pub.documents):
        number = f'<span class="doc-number">{html.escape(doc.doc_number)}</span>' if doc.doc_number else ""
        article = articles.get((pub.id, i))
        if article is not None:
            href = _relative(here, article.path)
            items.append(
                f'  <li><a href="{href}" target="_blank">{html.escape(doc.title)}</a>{number}</li>\n'
            )
        else:
            items.append(f'  <li><span class="doc-title">{html.escape(doc.title)}</span>{number}</li>\n')
    return (
        _head(_issue_label(pub))
        + '<div class="crumb"><a href="../../../index.html">首页</a> &gt; '
        + '<a href="../../index.html">政府公报</a></div>\n'
        + f'<h1 class="issue-title">{html.escape(_issue_label(pub))}{total}</h1>\n'
        + f'<div class="issue-meta">出版日期：{pub.published.isoformat() if pub.published else ""}</div>\n'
        + f'<div class="pdf-download"><a href="./{pub.id}.pdf">下载本期PDF</a></div>\n'
        + '<h2>目录</h2>\n<ul class="doc-list">\n'
        + "".join(items)
        + "</ul>\n"
        + _FOOT
    )


def _policy_listing(articles: list[_Article]) -> dict[str, _Content]:
    pages = [articles[i : i + POLICY_PAGE_SIZE] for i in range(0, len(articles), POLICY_PAGE_SIZE)] or [[]]
    out: dict[str, _Content] = {}
    for n, page in enumerate(pages):
        here = f"zcwj/list/home_{n}.htm"
        items = "".join(
            f'<li><h4><a href="{_relative(here, a.path)}" target="_blank">{html.escape(a.doc.title)}</a>'
            f'<span class="date">{a.date.isoformat()}</span></h4></li>\n'
            for a in page
        )
        nav = []
        if n > 0:
            nav.append(f'<a class="prev" href="home_{n - 1}.htm">上一页</a>')
        if n + 1 < len(pages):
            nav.append(f'<a class="next" href="home_{n + 1}.htm">下一页</a>')
        out[here] = _utf8(
            _head("政策文件")
            + '<div class="crumb"><a href="../../index.html">首页</a> &gt; 政策文件</div>\n'
            + '<div class="list list_1 list_2">\n<ul>\n'
            + items
            + "</ul>\n</div>\n"
            + f'<div class="pagination">{" ".join(nav)}</div>\n'
            + _FOOT
        )
    return out


def _compilation_page(compilations: list[Publication]) -> str:
    items = "".join(
        f'  <li><a href="{_relative("hbzl/index.html", issue_pdf_path(pub))}">{html.escape(pub.title)}</a>'
        f'<span class="hb-date">{pub.published.isoformat() if pub.published else ""}</span></li>\n'
        for pub in compilations
    )
    head = (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        f"<title>政策汇编_{SITE_NAME}</title>\n</head>\n<body>\n"
    )
    return (
        head
        + '<div class="crumb"><a href="../index.html">首页</a> &gt; 政策汇编</div>\n'
        + '<ul class="hb-list">\n'
        + items
        + "</ul>\n"
        + _FOOT
    )
