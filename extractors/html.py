"""Read a government article page (one document per page) into title, text and hints.

What a reader cannot see is taken out first: CMSs keep a flattened copy of the article in
hidden elements (display:none, `hidden`, zero-size boxes, a <style> rule), and read as the
body it would lose the number, signature and dates. Government CMSs wrap the article in a
few well-known containers (gov.cn's UCAP-CONTENT and pages_content, TRS_Editor, #zoom …);
those are tried first, then the block with the densest paragraph text, so that navigation,
breadcrumbs and footers never reach the document text. The page's own label block (标题 /
发文机关 / 发文字号 / 成文日期 …, in any markup: `extractors.site_metadata`) is returned as
hints. The title is the label block's, else the heading the browser tab repeats, without the
site's prefixes (（转载）); when the body opens with the notice's own title over its number or
addressees and the page named only its attachment, the notice's title wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag

from extractors.charset import decode_page
from extractors.clean import clean_line, is_doc_number_line
from extractors.doc_kind import non_document_title, official_title
from extractors.errors import EmptyFileError, HtmlExtractionError
from extractors.keys import title_match_key
from extractors.site_metadata import is_metadata_line, meta_tags, read_pieces, text_pieces
from extractors.vocabulary import label_key, vocabulary

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
_MIN_BODY_CHARS = 40


@dataclass
class HtmlArticle:
    """What an article page holds: its title, body lines and the page's label block.

    `hints` is the label block as printed (索引号, 发文机关, 文号, 成文日期 … keyed in English,
    see vocabulary.yaml); `title_source` says where the title came from (label, heading, body).
    """

    title: str | None
    lines: list[str]
    hints: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    problems: list[str] = field(default_factory=list)
    title_source: str = "none"


def decode_html(
    data: bytes, http_charset: str | None = None, name: str = "page"
) -> tuple[str, str, list[str]]:
    """Decode an article page by the one rule for pages (extractors.charset); an empty file is an error."""
    if not data.strip():
        raise EmptyFileError(f"{name}: file is empty")
    text, charset, problems = decode_page(data, http_charset)
    return text, charset, [f"{name}: {problem}" for problem in problems]


def parse_article(html: str, name: str = "page") -> HtmlArticle:
    """Find the visible article body, the page's label block and the document's title."""
    soup = BeautifulSoup(html, "lxml")
    hidden = _drop_hidden(soup)  # first: it reads the page's <style> rules
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    body = _known_container(soup) or _densest_block(soup)
    if body is None and hidden:
        # The page shows its text only by script: the hidden copy is all there is.
        holder = BeautifulSoup("<div></div>", "lxml")
        container = holder.find("div")
        assert isinstance(container, Tag)  # the one we just wrote
        for tag in hidden:
            container.append(tag)
        body = _densest_block(holder)
        hidden = []
    if body is None:
        raise HtmlExtractionError(f"{name}: no article text found (page holds only navigation or nothing)")
    # The label block: around the body, in a metadata table inside it, in its "发布时间：… 来源：…"
    # line; then the meta tags and hidden elements. Never the body's own text, which may quote
    # another document's labels (a 解读 page's 文件名称：…).
    blocks = _label_blocks(body)
    hints = read_pieces(text_pieces([soup], exclude=body))
    for key, value in read_pieces(text_pieces(blocks)).items():
        hints.setdefault(key, value)
    for block in blocks:
        block.decompose()
    furniture = [
        line for line in (clean_line(raw).strip() for raw in _block_lines(body)) if is_metadata_line(line)
    ]
    for found in (read_pieces(furniture), meta_tags(soup), read_pieces(text_pieces(hidden))):
        for key, value in found.items():
            hints.setdefault(key, value)
    column = _breadcrumb_column(soup)
    if column:
        hints.setdefault("column", column)
    lines = [line for line in (clean_line(raw).strip() for raw in _block_lines(body)) if line]
    lines = [line for line in lines if not is_metadata_line(line)]
    if sum(len(line) for line in lines) < _MIN_BODY_CHARS:
        raise HtmlExtractionError(f"{name}: article body too short to be a document ({len(lines)} lines)")
    title, source = _page_title(soup, body, hints)
    body_title, begin, end = body_title_block(lines)
    if body_title and _prefer_body_title(title, source, body_title):
        title, source = body_title, "body"
    if title and end and title_match_key("".join(lines[begin:end])) == title_match_key(title):
        lines = lines[:begin] + lines[end:]  # the title printed again in the body
    return HtmlArticle(title=title, lines=lines, hints=hints, title_source=source)


# ---------------------------------------------------------------- hidden copies

_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\s*(?:;|$)"
    r"|(?:^|;)\s*(?:width|height)\s*:\s*0(?:px)?\s*(?:;|$)|(?:left|top|text-indent)\s*:\s*-\d{4,}px",
    re.IGNORECASE,
)
_HIDDEN_CLASSES = {"hidden", "hide", "d-none", "display-none", "invisible", "sr-only", "visually-hidden"}
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_MEDIA_BLOCK = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}")


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    if tag.name == "input" and str(tag.get("type", "")).lower() == "hidden":
        return True
    if _HIDDEN_STYLE.search(str(tag.get("style", ""))):
        return True
    classes: list[str] | str = tag.get("class") or []
    return any(str(c).lower() in _HIDDEN_CLASSES for c in classes)


def _stylesheet_hidden(soup: BeautifulSoup) -> list[Tag]:
    """Elements a <style> rule hides (#fx_content{display:none}): the page's own CSS, simple selectors."""
    found: list[Tag] = []
    for style in soup.find_all("style"):
        # Rules for print or small screens (@media …) do not hide anything on the page as read.
        css = _MEDIA_BLOCK.sub("", style.get_text())
        for selectors, rules in _CSS_RULE.findall(css):
            if not _HIDDEN_STYLE.search(rules):
                continue
            for selector in selectors.split(","):
                selector = selector.strip()
                if not selector or ":" in selector or "@" in selector:
                    continue
                try:
                    found.extend(soup.select(selector))
                except Exception:  # soupsieve rejects selectors it does not support: skip them
                    continue
    return found


def _drop_hidden(soup: BeautifulSoup) -> list[Tag]:
    """Take out what a reader cannot see: copies of the body flattened into hidden elements.

    CMSs keep a second copy of the article for sharing, printing or search (display:none, a
    `hidden` attribute, zero-size boxes, off-screen text); read as the body, it loses the
    document's lines. Returns the elements taken out (outermost only), in document order.
    """
    candidates = [tag for tag in soup.find_all(True) if _is_hidden(tag)] + _stylesheet_hidden(soup)
    removed: list[Tag] = []
    for tag in candidates:
        if tag.name in ("html", "body", "head") or tag.decomposed or tag.parent is None:
            continue
        removed.append(tag.extract())
    for style in soup.find_all("style"):
        style.decompose()
    return removed


# ---------------------------------------------------------------- the site's column

_CRUMB = re.compile(r"crumb|position|location|dqwz|weizhi|bread|nav-?path|curpos|current", re.IGNORECASE)
_CRUMB_SEPARATOR = re.compile(r"\s*(?:>|＞|»|›|→|/|\\)\s*")
_CRUMB_NOISE = {"正文", "详情", "内容", "详细信息", "文章", "信息"}


def _breadcrumb_column(soup: BeautifulSoup) -> str | None:
    """The column a page sits in, from its breadcrumb: 当前位置：首页 > 政务公开 > 政策解读 → 政策解读."""
    for tag in [*soup.find_all(class_=_CRUMB), *soup.find_all(id=_CRUMB)]:
        text = tag.get_text(" ", strip=True)
        if len(text) > 200 or not re.search(r"首页|当前位置|您的位置|所在位置", text):
            continue
        parts = [p.strip(" ：:") for p in _CRUMB_SEPARATOR.split(text) if p.strip(" ：:")]
        parts = [p for p in parts if p not in _CRUMB_NOISE]
        if len(parts) >= 2:
            return parts[-1]
    return None


# ---------------------------------------------------------------- titles


def clean_title(title: str) -> str:
    """A title without the site's additions: （转载）, 【置顶】, (全文)."""
    t = clean_line(title or "").strip()
    vocab = vocabulary()
    changed = True
    while changed:
        changed = False
        for prefix in vocab.title_prefixes:
            if t.startswith(prefix):
                t, changed = t[len(prefix) :].strip(), True
        for suffix in vocab.title_suffixes:
            if t.endswith(suffix) and len(t) > len(suffix) + 4:
                t, changed = t[: -len(suffix)].strip(), True
    return t


def _page_title(soup: BeautifulSoup, body: Tag, hints: dict[str, str]) -> tuple[str | None, str]:
    if hints.get("title"):
        return clean_title(hints["title"]), "label"
    heading = _heading(soup, body)
    if heading:
        return clean_title(heading), "heading"
    return None, "none"


def body_title_block(lines: list[str]) -> tuple[str | None, int, int]:
    """The title printed at the top of the body, over its 发文字号 or its addressees.

    Returns the title and the range of lines it spans, or (None, 0, 0). The red header
    (…文件) and a number printed above the title are skipped. Only a title that ends with an
    official type and is followed by the number or the 主送 line counts, so that a plan's
    heading or a news lead is never taken for the document's title.
    """
    text, begin = "", 0
    for k, line in enumerate(lines[:8]):
        if not text and (is_doc_number_line(line) or (line.endswith("文件") and len(line) <= 30)):
            begin = k + 1
            continue
        if "。" in line or "：" in line or ":" in line or len(text) > 160:
            return None, 0, 0  # a sentence, or a label's line (文件名称：…), is no title
        following = lines[k + 1] if k + 1 < len(lines) else ""
        text += line
        if is_doc_number_line(following) or (following.endswith(("：", ":")) and len(following) < 200):
            # A compilation's entry printed as a page: "1. title（2023年6月20日）".
            title = _TRAILING_DATE.sub("", _ENTRY_NUMBER.sub("", clean_title(text)))
            return (title, begin, k + 1) if official_title(title) else (None, 0, 0)
    return None, 0, 0


def _prefer_body_title(title: str | None, source: str, body_title: str) -> bool:
    """The notice's own title over a page title that names its attachment or is shortened."""
    if not title:
        return True
    if title_match_key(title) == title_match_key(body_title) or non_document_title(title):
        return False  # a page about a document (…解读) quoting its title is still about it
    return not (
        source == "label"
        and official_title(title)
        and title_match_key(title) not in title_match_key(body_title)
    )


def _label(text: str) -> str | None:
    return vocabulary().labels.get(label_key(text))


def _is_metadata_table(table: Tag) -> bool:
    cells = table.find_all(["td", "th"])
    return sum(1 for cell in cells if _label(_cell_label(cell.get_text(" ", strip=True)))) >= 2


_LABEL_BLOCK_TAGS = ("table", "ul", "ol", "dl", "div")
_MAX_LABEL_BLOCK_CHARS = 800


def _label_blocks(body: Tag) -> list[Tag]:
    """Label blocks inside the article's container (table, ul/li, dl, div/span pairs), outermost.

    A block holds two labels or more and no sentence: a table of figures in the text, or a
    paragraph that mentions 发文字号, is text.
    """
    found: list[Tag] = []
    for tag in body.find_all(_LABEL_BLOCK_TAGS):
        if any(parent in found for parent in tag.parents):
            continue
        text = tag.get_text(" ", strip=True)
        if "。" in text or len(text) > _MAX_LABEL_BLOCK_CHARS:
            continue
        pieces = text_pieces([tag])
        if sum(1 for piece in pieces if _label(_cell_label(piece.text))) >= 2:
            found.append(tag)
    return found


def _cell_label(text: str) -> str:
    return re.split(r"[:：]", text, maxsplit=1)[0] if re.search(r"[:：]", text) else text


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


_ENTRY_NUMBER = re.compile(r"^\d{1,3}\s*[.．、]\s*(?=[\u4e00-\u9fff])")
_TRAILING_DATE = re.compile(r"[（(]\s*\d{4}\s*年[^（）()]{1,12}[）)]$")
_SITE_SEPARATOR = re.compile(r"\s*(?:[_|｜]|--|——|\s[-–—]\s)\s*")
_TITLE_CLASS = re.compile(r"title|bt|biaoti", re.IGNORECASE)


def _heading(soup: BeautifulSoup, body: Tag) -> str | None:
    """The article's heading: the one the browser tab also names, else a heading that reads as one.

    A page's first <h1> is often the site's logo; the article's heading is the one that
    <title> repeats (before "_某某市人民政府网"), or failing that a long one near the body.
    """
    tab = ""
    if soup.title and soup.title.string:
        parts = [part for part in _SITE_SEPARATOR.split(soup.title.string.strip()) if part.strip()]
        tab = parts[0] if parts else ""
    candidates: list[str] = []
    tags = [
        *body.find_all(["h1", "h2", "h3"]),
        *soup.find_all(["h1", "h2", "h3"]),
        *soup.find_all(class_=_TITLE_CLASS),
        *soup.find_all(id=_TITLE_CLASS),
    ]
    for tag in tags:
        if tag.name in ("title", "head", "meta"):
            continue
        text = tag.get_text("", strip=True)
        if 4 <= len(text) <= 200 and text not in candidates:
            candidates.append(text)
    tab_key = title_match_key(clean_title(tab))
    matching = [
        text
        for text in candidates
        if tab_key
        and len(title_match_key(clean_title(text))) >= 6
        and (title_match_key(clean_title(text)) in tab_key or tab_key in title_match_key(clean_title(text)))
    ]
    if matching:
        # The longest: a tab that names only the site also matches the logo's heading.
        return max(matching, key=len)
    for text in candidates:
        if len(text) >= 8 and official_title(clean_title(text)):
            return text
    return tab or (candidates[0] if candidates else None)


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
