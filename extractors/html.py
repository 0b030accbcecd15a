"""Read a government article page (one document per page) into title, text and hints.

Government CMSs wrap the article in a few well-known containers (gov.cn's
UCAP-CONTENT and pages_content, TRS_Editor, #zoom …); those are tried first,
then the block with the densest paragraph text, so that navigation, breadcrumbs
and footers never reach the document text. Many sites print a metadata table
above the article (标题 / 发文机关 / 发文字号 / 成文日期 …): its values are
returned as hints, keyed in English, for the metadata stage to prefer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag

from extractors.charset import decode_page
from extractors.clean import clean_line
from extractors.errors import EmptyFileError, HtmlExtractionError

KNOWN_CONTAINERS = (
    "#UCAP-CONTENT",
    ".pages_content",
    ".TRS_Editor",
    "#zoom",
    ".zoom",
    ".article-content",
    ".article_content",
    "#article",
    ".xxgk_content",
    ".view",
    "article",
    ".content",
    "#content",
    "main",
)
_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "form", "iframe", "button", "select")
_BLOCK_TAGS = {
    "p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "table", "tr", "blockquote", "pre", "center", "dd", "dt", "dl", "main",
}  # fmt: skip
_META_LABELS = {
    "标题": "title",
    "名称": "title",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "成文日期": "issued_date",
    "发布日期": "published_date",
    "公布日期": "published_date",
    "索引号": "index_number",
    "主题分类": "subject",
    "有效性": "validity",
}
_MIN_BODY_CHARS = 40


@dataclass
class HtmlArticle:
    """What an article page holds: its title, body lines and the metadata table's values."""

    title: str | None
    lines: list[str]
    hints: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    problems: list[str] = field(default_factory=list)


def decode_html(
    data: bytes, http_charset: str | None = None, name: str = "page"
) -> tuple[str, str, list[str]]:
    """Decode an article page by the one rule for pages (extractors.charset); an empty file is an error."""
    if not data.strip():
        raise EmptyFileError(f"{name}: file is empty")
    text, charset, problems = decode_page(data, http_charset)
    return text, charset, [f"{name}: {problem}" for problem in problems]


def parse_article(html: str, name: str = "page") -> HtmlArticle:
    """Find the article body and the metadata table of one article page."""
    soup = BeautifulSoup(html, "lxml")
    hints = _meta_tags(soup)
    for key, value in _metadata_table(soup).items():
        hints.setdefault(key, value)
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = _known_container(soup) or _densest_block(soup)
    if body is None:
        raise HtmlExtractionError(f"{name}: no article text found (page holds only navigation or nothing)")
    for table in body.find_all("table"):
        if _is_metadata_table(table):
            table.decompose()
    lines = [line for line in (clean_line(raw).strip() for raw in _block_lines(body)) if line]
    if sum(len(line) for line in lines) < _MIN_BODY_CHARS:
        raise HtmlExtractionError(f"{name}: article body too short to be a document ({len(lines)} lines)")
    title = hints.get("title") or _heading(soup, body)
    return HtmlArticle(title=clean_line(title).strip() if title else None, lines=lines, hints=hints)


def _meta_tags(soup: BeautifulSoup) -> dict[str, str]:
    """gov.cn-style <meta name="ArticleTitle"> and friends."""
    names = {"articletitle": "title", "pubdate": "published_date", "contentsource": "issuer"}
    hints: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        key = names.get(str(meta.get("name", "")).lower())
        content = str(meta.get("content", "")).strip()
        if key and content:
            hints[key] = content
    return hints


def _label(text: str) -> str | None:
    compact = re.sub(r"[\s\u3000:：]", "", text)
    return _META_LABELS.get(compact)


def _is_metadata_table(table: Tag) -> bool:
    cells = table.find_all(["td", "th"])
    return sum(1 for cell in cells if _label(_cell_label(cell.get_text(" ", strip=True)))) >= 2


def _cell_label(text: str) -> str:
    return re.split(r"[:：]", text, maxsplit=1)[0] if re.search(r"[:：]", text) else text


# What a CMS prints in an empty metadata cell: a document without a number shows 文号 "无".
_PLACEHOLDERS = {"无", "暂无", "空", "-", "--", "—", "——", "/", "null", "none", "n/a"}


def _is_value(text: str) -> bool:
    return bool(text) and text.strip().lower() not in _PLACEHOLDERS


def _metadata_table(soup: BeautifulSoup) -> dict[str, str]:
    hints: dict[str, str] = {}
    for table in soup.find_all("table"):
        if not _is_metadata_table(table):
            continue
        cells = table.find_all(["td", "th"])
        for k, cell in enumerate(cells):
            text = cell.get_text(" ", strip=True)
            key = _label(text)
            if key and k + 1 < len(cells):
                value = cells[k + 1].get_text(" ", strip=True)
                if _is_value(value) and not _label(value):
                    hints.setdefault(key, value)
                continue
            if re.search(r"[:：]", text):
                label, value = re.split(r"[:：]", text, maxsplit=1)
                key = _label(label)
                if key and _is_value(value.strip()):
                    hints.setdefault(key, value.strip())
        break
    return hints


def _known_container(soup: BeautifulSoup) -> Tag | None:
    for selector in KNOWN_CONTAINERS:
        for tag in soup.select(selector):
            if len(tag.get_text(strip=True)) >= _MIN_BODY_CHARS and _link_ratio(tag) < 0.5:
                return tag
    return None


def _link_ratio(tag: Tag) -> float:
    total = len(tag.get_text(strip=True)) or 1
    linked = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
    return linked / total


def _densest_block(soup: BeautifulSoup) -> Tag | None:
    """The element whose own paragraphs hold the most non-link text (readability's idea)."""
    scores: dict[int, tuple[float, Tag]] = {}
    for paragraph in soup.find_all(["p", "br", "td", "div"]):
        parent = paragraph.parent if paragraph.name in ("p", "br") else paragraph
        if not isinstance(parent, Tag):
            continue
        own = "".join(str(s) for s in paragraph.strings if isinstance(s, NavigableString)).strip()
        if paragraph.name == "div" and paragraph.find(["div", "p", "table"]):
            continue
        linked = sum(len(a.get_text(strip=True)) for a in paragraph.find_all("a"))
        score = len(own) - 2 * linked
        previous = scores.get(id(parent), (0.0, parent))[0]
        scores[id(parent)] = (previous + score, parent)
    if not scores:
        return None
    best_score, best = max(scores.values(), key=lambda item: item[0])
    return best if best_score >= _MIN_BODY_CHARS else None


def _heading(soup: BeautifulSoup, body: Tag) -> str | None:
    for tag in [*body.find_all(["h1", "h2"], limit=1), *soup.find_all(["h1", "h2"])]:
        text = tag.get_text("", strip=True)
        if text:
            return text
    if soup.title and soup.title.string:
        return re.split(r"\s*[_|｜-]\s*", soup.title.string.strip())[0] or None
    return None


def _block_lines(tag: Tag) -> list[str]:
    """Text in lines: one per block element, table rows as tab-separated cells."""
    lines: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            lines.append("".join(current))
            current.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if child.__class__.__name__ in ("Comment", "Doctype"):
                    continue
                current.append(str(child).replace("\n", " "))
            elif isinstance(child, Tag):
                if child.name == "br":
                    flush()
                elif child.name == "tr":
                    flush()
                    cells = [cell.get_text(" ", strip=True) for cell in child.find_all(["td", "th"])]
                    lines.append("\t".join(cells))
                elif child.name in _BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    walk(tag)
    flush()
    return lines
