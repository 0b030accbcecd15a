"""Split an issue or a compilation (a list of pages) into official documents.

A gazette issue or a compilation is a run of documents with a masthead and a
table of contents in front. Documents are found by their anatomy (GB/T 9704
and practice), which every publisher shares, not by strings of one gazette:

- a *title block* (…关于…的通知 / 批复 / 意见 / 办法 …, over one to four lines)
  directly followed by a document number (宁政办发〔2023〕24号) or by the
  addressees (各市、县（区）人民政府，…：);
- a *government order*: "…人民政府令" over "第130号", then the text that
  promulgates, the signature, and the promulgated rules, which title it;
- a *compilation entry*: "N. title（date）", the number possibly alone on its
  line, the title possibly wrapped;
- a title that the table of contents (目录) lists, where there is one.

What follows a start up to the next start belongs to that document: body,
signature, date, 此件公开发布, the plan a notice issues (关于印发《X》的通知
followed by X is one document), attachments, 抄送/印发. Text before the first
start (masthead, table of contents) belongs to no document.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from extractors.clean import (
    clean_line,
    is_date_line,
    is_doc_number_line,
    is_toc_entry_line,
    to_paragraphs,
)
from extractors.keys import doc_number_key, title_match_key
from extractors.model import Document, Page

# Document types that end a title: GB/T 9704 types, then the kinds of attached
# rules and plans that are published as documents of their own.
DOC_TYPES = (
    "通知",
    "通报",
    "通告",
    "公告",
    "公报",
    "批复",
    "复函",
    "意见",
    "决定",
    "决议",
    "命令",
    "议案",
    "报告",
    "请示",
    "纪要",
    "函",
    "办法",
    "方案",
    "措施",
    "要点",
    "规定",
    "细则",
    "规划",
    "条例",
    "规则",
    "计划",
    "规程",
    "准则",
    "指南",
    "制度",
    "章程",
    "目录",
    "答复",
    "更正",
    "勘误",
)

_NUMERALS = "一二三四五六七八九十百零〇"
_DATE = rf"(\d{{4}}|[{_NUMERALS}]{{4}})年[\d{_NUMERALS}]{{1,3}}月[\d{_NUMERALS}]{{1,3}}日"
# A heading's date in brackets; compilations sometimes drop its 日 ("（2023年3月23）").
_HEADING_DATE = rf"(\d{{4}}|[{_NUMERALS}]{{4}})年[\d{_NUMERALS}]{{1,3}}月[\d{_NUMERALS}]{{1,3}}日?"
_TRAILING_DATE = re.compile(rf"[（(]{_HEADING_DATE}[)）]$")
# A compilation's news-style heading: the organ "印发" the document, named in 《》.
# The first words of a compilation's summary paragraph under a news-style heading.
_NEWS_LEAD = re.compile(
    r"^(?:近日|日前|近期|\d{1,2}月\d{1,2}日|今年|[\u4e00-\u9fff]{2,20}(?:印发|出台|发布)《)"
)
_ISSUED_HEADING = re.compile(
    r"^[^《》]{2,40}?(?:印发|出台|发布|公布|颁布|修订)(?:了)?《[^》]+(?:《[^》]*》[^》]*)*》$"
)
_ENTRY_NUMBER = re.compile(r"^(\d{1,3})[.．、](?!\d)\s*")
_NUMBER_ALONE = re.compile(r"^\d{1,3}[.．、]?$")
_ORDER_HEAD = re.compile(r"^[\u4e00-\u9fff]{2,30}令$")
_ORDER_NUMBER = re.compile(rf"^第[\d{_NUMERALS}]{{1,6}}号$")
_PUBLICATION_NOTE = re.compile(r"^[（(]此件.{0,12}[)）]$")
_SECTION_HEAD = re.compile(rf"^(【[^】]{{1,30}}】|[（(][{_NUMERALS}]{{1,3}}[)）][\u4e00-\u9fff]{{1,8}})$")
_TOC_TITLE_LINE = re.compile(r"^目\s*录$")
_ORGAN_END = re.compile(r"(政府|办公厅|办公室|委员会|厅|局|委|部|院|署|会|室|处|中心|印发|转发|批转)$")
_ADDRESSEE_OPENERS = (
    "为",
    "根据",
    "按照",
    "经",
    "现",
    "依据",
    "依照",
    "对",
    "在",
    "关于",
    "近年",
    "目前",
    "今年",
    "自",
)
_ORGAN_WORDS = re.compile(r"各|政府|厅|局|委|部门|单位|机构|办|院|会|室|公司|团体|中心|党组|学校")
_ISSUED_X = re.compile(r"(?:印发|转发|批转|颁布|公布)《?(.+?)》?的(?:通知|决定|函)$")
_TERMINAL = "。；！？;!?"

MAX_TITLE_LINES = 4
MAX_TITLE_CHARS = 160


@dataclass
class _Line:
    page: int  # index into the page list
    text: str  # cleaned (spurious spaces removed)


@dataclass
class _Start:
    line: int  # first line of the document (title block or order head)
    title: str
    kind: str  # notice | order | entry | toc
    head_end: int  # first line after the title block
    blocks: list[tuple[int, int]] = field(default_factory=list)  # line ranges kept as one paragraph each


@dataclass
class TocEntry:
    """One entry of a table of contents: the title, its number and the page it names."""

    title: str
    doc_number: str | None
    page: int | None
    section: str | None = None


@dataclass
class Segmentation:
    """The documents found, plus the table of contents that guided the search."""

    documents: list[Document]
    toc: list[TocEntry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def segment_pages(pages: list[Page]) -> Segmentation:
    """Find the documents in pages given in reading order (headers and footers removed)."""
    lines = _flatten(pages)
    toc, toc_end = _read_toc(lines)
    starts = _find_starts(lines, toc, toc_end)
    toc_pages = {title_match_key(entry.title): entry.page for entry in toc if entry.page is not None}
    documents = [_build_document(lines, pages, starts, k, toc_pages) for k in range(len(starts))]
    problems: list[str] = []
    if not documents and any(line.text for line in lines):
        problems.append("no document found: no title block followed by a document number or addressees")
    listed = {title_match_key(entry.title) for entry in toc}
    found = {title_match_key(doc.title) for doc in documents}
    for entry in toc:
        key = title_match_key(entry.title)
        if key in listed and not any(key == f or key in f or f in key for f in found):
            problems.append(f"table of contents lists a document not found in the text: {entry.title}")
    return Segmentation(documents=documents, toc=toc, problems=problems)


_TITLE_THEN_NUMBER = re.compile(
    r"^(?P<title>.*?(?:" + "|".join(DOC_TYPES) + r"))"
    r"(?P<number>[\u4e00-\u9fff]{1,8}[〔［\[【(（](?:19|20)\d{2}[〕］\]】)）]第?\d{1,5}号)$"
)


def _flatten(pages: list[Page]) -> list[_Line]:
    """Cleaned non-empty lines with their page.

    A title's last line and the document number set on one printed row
    ("…的通知宁政办函〔2020〕18号", a right-aligned number beside a short last
    line) are split back into the two lines they are.
    """
    lines: list[_Line] = []
    for position, page in enumerate(pages):
        for raw in page.text.splitlines():
            text = clean_line(raw).strip()
            if not text:
                continue
            if text == "号" and lines and is_doc_number_line(lines[-1].text + text):
                lines[-1].text += text  # the number's 号 wrapped onto a line of its own
                continue
            merged = _TITLE_THEN_NUMBER.match(text)
            if merged:
                lines.append(_Line(position, merged["title"]))
                lines.append(_Line(position, merged["number"]))
            else:
                lines.append(_Line(position, text))
    return lines


def infer_printed_numbers(pages: list[Page]) -> list[Page]:
    """Give an unnumbered page (a scanned page has no footer to read) the number its neighbours imply.

    Only when the numbered pages around it count up one per page, so that a
    guess never contradicts what is printed.
    """
    known = [(k, page.printed_number) for k, page in enumerate(pages) if page.printed_number is not None]
    for (k0, n0), (k1, n1) in itertools.pairwise(known):
        if k1 - k0 > 1 and n1 - n0 == k1 - k0:
            for k in range(k0 + 1, k1):
                pages[k].printed_number = n0 + (k - k0)
    if known and len(known) >= 2:
        k_last, n_last = known[-1]
        k_prev, n_prev = known[-2]
        if n_last - n_prev == k_last - k_prev:
            for k in range(k_last + 1, len(pages)):
                pages[k].printed_number = n_last + (k - k_last)
        k_first, n_first = known[0]
        k_next, n_next = known[1]
        if n_next - n_first == k_next - k_first:
            for k in range(k_first):
                if n_first - (k_first - k) >= 1:
                    pages[k].printed_number = n_first - (k_first - k)
    return pages


# --- table of contents -------------------------------------------------------------

_TOC_REF = re.compile(
    r"^(?P<before>.*?)[（(](?P<number>[^（()）]*号)[)）][\s…．.·]*[（(](?P<page>\d{1,4})[)）]$"
)


def _read_toc(lines: list[_Line]) -> tuple[list[TocEntry], int]:
    """Entries of the table of contents and the index of the line after its last entry.

    Entries are recognized by their last line, "(number) …… (page)"; the title is
    the run of lines above it, back to the previous entry, a section head
    【…】 or the 目录 heading. Furniture between TOC pages (a masthead motto)
    sits between entries and is not part of a title because titles are at most
    a few lines and end with a document type.
    """
    entries: list[TocEntry] = []
    last = -1
    section: str | None = None
    pending: list[str] = []
    for i, line in enumerate(lines):
        if last >= 0 and i - last > 12:
            break
        text = line.text
        if _TOC_TITLE_LINE.match(text):
            pending = []
            last = i if last >= 0 else last
            continue
        if _SECTION_HEAD.match(text) and text.startswith("【"):
            section = text.strip("【】")
            pending = []
            continue
        match = _TOC_REF.match(text)
        if match:
            title = _toc_title(pending + ([match["before"]] if match["before"].strip() else []))
            if title:
                entries.append(
                    TocEntry(title, doc_number_key(match["number"]) or "", int(match["page"]), section)
                )
            pending = []
            last = i
            continue
        pending = [*pending[-(MAX_TITLE_LINES - 1) :], text]
    if not entries:
        return [], 0
    return entries, last + 1


def _toc_title(parts: list[str]) -> str | None:
    """The title is the shortest tail of the pending lines that ends with a type and reads as a start."""
    parts = [p.strip() for p in parts if p.strip()]
    if not parts or not _ends_with_type(parts[-1]):
        return None
    for begin in range(len(parts)):
        candidate = "".join(parts[begin:])
        if _balanced(candidate) and _looks_like_title_start(parts[begin]):
            return candidate
    return "".join(parts[-1:])


# --- finding starts ----------------------------------------------------------------


def _ends_with_type(text: str) -> bool:
    return _TRAILING_DATE.sub("", text).endswith(DOC_TYPES)


def _balanced(text: str) -> bool:
    return text.count("《") == text.count("》") and text.count("（") + text.count("(") == text.count(
        "）"
    ) + text.count(")")


def _looks_like_title_start(text: str) -> bool:
    """A title opens with its issuer or with the subject; never with a continuation."""
    return bool(text) and text[0] not in "，、。；：）)》”的和及与"


def _is_boundary(text: str) -> bool:
    """A line a title block cannot extend back over."""
    return (
        text[-1] in _TERMINAL
        or text[-1] in "：:，,、"
        or is_date_line(text)
        or is_doc_number_line(text)
        or is_toc_entry_line(text)
        or bool(_PUBLICATION_NOTE.match(text))
        or bool(_SECTION_HEAD.match(text))
        or bool(_TOC_TITLE_LINE.match(text))
        or "\t" in text
        or (text.endswith("印发") and bool(re.search(_DATE, text)))
    )


def _is_addressee_block(lines: list[_Line], begin: int) -> bool:
    """The 主送 line(s): organs separated by 、，, ending with a colon, no sentence inside."""
    text = ""
    for k in range(begin, min(begin + 3, len(lines))):
        text += lines[k].text
        if "。" in text or "；" in text or "《" in text or len(text) > 160:
            return False
        if text[-1] in "：:":
            return not text.startswith(_ADDRESSEE_OPENERS) and bool(_ORGAN_WORDS.search(text))
    return False


def _strip_entry_affixes(title: str) -> str:
    title = _ENTRY_NUMBER.sub("", title)
    return _TRAILING_DATE.sub("", title).strip()


def _title_block_back(lines: list[_Line], end: int, floor: int) -> int:
    """First line of the title block whose last line is `end`."""
    begin = end
    while begin - 1 >= floor and end - (begin - 1) < MAX_TITLE_LINES:
        previous = lines[begin - 1].text
        if _is_boundary(previous):
            break
        begin -= 1
    if begin < end:
        # Prefer the issuer line: the block starts at the line holding the first
        # 关于 (or 印发/转发), unless the line before it ends with an organ name.
        block = [lines[k].text for k in range(begin, end + 1)]
        for offset, text in enumerate(block):
            if any(word in text for word in ("关于", "印发", "转发", "批转")):
                first = begin + offset
                while first > begin and _ORGAN_END.search(lines[first - 1].text):
                    first -= 1
                begin = first
                break
        else:
            begin = end
            while begin > floor and not _balanced("".join(lines[k].text for k in range(begin, end + 1))):
                begin -= 1
    if begin > floor and _NUMBER_ALONE.match(lines[begin - 1].text):
        begin -= 1
    return begin


def _title_text(lines: list[_Line], begin: int, end: int) -> str:
    return _strip_entry_affixes("".join(lines[k].text for k in range(begin, end + 1)))


def _find_starts(lines: list[_Line], toc: list[TocEntry], toc_end: int) -> list[_Start]:
    starts: list[_Start] = []
    toc_keys = {title_match_key(entry.title) for entry in toc}
    i = toc_end
    floor = toc_end
    next_entry: int | None = None  # the number a compilation's next entry would carry
    while i < len(lines):
        start = (
            _order_at(lines, i)
            or _entry_at(lines, i, floor, next_entry)
            or _notice_at(lines, i, floor)
            or _toc_title_at(lines, i, toc_keys)
        )
        if start and not _is_issued_attachment(start, starts):
            starts.append(start)
            number = _ENTRY_NUMBER.match(lines[start.line].text) or _NUMBER_ALONE.match(
                lines[start.line].text
            )
            if start.kind == "entry" and number:
                next_entry = int(re.match(r"\d+", number.group(0)).group(0)) + 1  # type: ignore[union-attr]
            i = floor = start.head_end
            continue
        i += 1
    return starts


def _order_at(lines: list[_Line], i: int) -> _Start | None:
    """人民政府令 / 第130号 / …现予公布… / signature / date / the rules it promulgates."""
    if not _ORDER_HEAD.match(lines[i].text):
        return None
    number_line = next(
        (k for k in range(i + 1, min(i + 3, len(lines))) if _ORDER_NUMBER.match(lines[k].text)), None
    )
    if number_line is None:
        return None
    title, head_end, title_begin = _promulgated_title(lines, number_line + 1)
    if title is None:
        title = f"{lines[i].text}{lines[number_line].text}"
    blocks = [(i, i + 1), (number_line, number_line + 1)]
    if title_begin is not None:
        blocks.append((title_begin, head_end))
    return _Start(i, title, "order", head_end, blocks)


def _promulgated_title(lines: list[_Line], begin: int) -> tuple[str | None, int, int | None]:
    """The title of the rules an order promulgates, the line after it and its first line.

    The rules' own heading follows the order's date line (and its 此件公开发布);
    failing that, the order's sentence names them: 《…》已经…通过，现予公布.
    """
    quoted: str | None = None
    for k in range(begin, min(begin + 30, len(lines))):
        text = lines[k].text
        if quoted is None and "现予公布" in "".join(line.text for line in lines[k : k + 4]):
            match = re.search(r"《(.+?)》(?!》)", text.replace("〈", "‹").replace("〉", "›"))
            if match:
                quoted = match.group(1).replace("‹", "《").replace("›", "》")
        if not is_date_line(text):
            continue
        after = k + 1
        if after < len(lines) and _PUBLICATION_NOTE.match(lines[after].text):
            after += 1
        title = ""
        for m in range(after, min(after + MAX_TITLE_LINES, len(lines))):
            title += lines[m].text
            if _ends_with_type(title) and _balanced(title):
                return title, m + 1, after
        return quoted, after, None
    return quoted, begin, None


def _entry_at(lines: list[_Line], i: int, floor: int, expected: int | None = None) -> _Start | None:
    """A compilation entry: "N. title（date）", the number possibly alone, the title wrapped.

    A news-style heading (X印发《Y》) without a date counts too when it carries the number
    the compilation's next entry would (`expected`) and a summary paragraph follows it.
    """
    first = lines[i].text
    numbered = _ENTRY_NUMBER.match(first) or _NUMBER_ALONE.match(first)
    if not numbered:
        return None
    in_sequence = expected is not None and int(re.match(r"\d+", numbered.group(0)).group(0)) == expected  # type: ignore[union-attr]
    text = ""
    for k in range(i, min(i + MAX_TITLE_LINES + 1, len(lines))):
        piece = lines[k].text
        if (
            "。" in piece
            or piece[-1] in _TERMINAL
            or (k > i and (is_doc_number_line(piece) or is_date_line(piece)))
        ):
            return None
        text += piece
        if in_sequence and k + 1 < len(lines) and _NEWS_LEAD.match(lines[k + 1].text):
            title = _strip_entry_affixes(text)
            if _ISSUED_HEADING.match(title) and _balanced(title):
                return _Start(i, title, "entry", k + 1, [(i, k + 1)])
        if len(text) > MAX_TITLE_CHARS:
            return None
        if _TRAILING_DATE.search(text):
            title = _strip_entry_affixes(text)
            if (title.endswith(DOC_TYPES) or _ISSUED_HEADING.match(title)) and _balanced(title):
                return _Start(i, title, "entry", k + 1, [(i, k + 1)])
            return None
    return None


def _notice_at(lines: list[_Line], i: int, floor: int) -> _Start | None:
    """A title block ending at line i, followed by a document number or addressees."""
    text = lines[i].text
    if not _ends_with_type(text) or text[-1] in _TERMINAL:
        return None
    following = i + 1
    if following < len(lines) and _TRAILING_DATE.fullmatch(lines[following].text):
        following += 1
    if following >= len(lines):
        return None
    head = lines[following].text
    if not is_doc_number_line(head) and not _is_addressee_block(lines, following):
        return None
    begin = _title_block_back(lines, i, floor)
    title = _title_text(lines, begin, i)
    if len(title) > MAX_TITLE_CHARS or not _balanced(title) or not _looks_like_title_start(title):
        return None
    return _Start(begin, title, "notice", following, [(begin, following)])


def _toc_title_at(lines: list[_Line], i: int, toc_keys: set[str]) -> _Start | None:
    if not toc_keys:
        return None
    text = ""
    for k in range(i, min(i + MAX_TITLE_LINES, len(lines))):
        text += lines[k].text
        if title_match_key(_strip_entry_affixes(text)) in toc_keys:
            return _Start(i, _strip_entry_affixes(text), "toc", k + 1, [(i, k + 1)])
    return None


def _is_issued_attachment(start: _Start, accepted: list[_Start]) -> bool:
    """X after "关于印发《X》的通知" is the notice's content, not a new document."""
    if not accepted or start.kind in ("order", "entry"):
        return False
    match = _ISSUED_X.search(accepted[-1].title)
    if not match:
        return False
    issued = title_match_key(match.group(1).strip("《》"))
    return title_match_key(start.title) == issued


# --- building documents ------------------------------------------------------------


def _page_number(pages: list[Page], position: int) -> int:
    printed = pages[position].printed_number
    return printed if printed is not None else position + 1


def _body_text(lines: list[_Line], start: _Start, stop: int) -> str:
    """Paragraphs of the document; title and head lines stay one paragraph each."""
    paragraphs: list[str] = []
    cursor = start.line
    for begin, end in sorted(start.blocks):
        paragraphs += to_paragraphs((line.text for line in lines[cursor:begin]), cleaned=True)
        paragraphs.append("".join(line.text for line in lines[begin:end]))
        cursor = end
    paragraphs += to_paragraphs((line.text for line in lines[cursor:stop]), cleaned=True)
    return "\n".join(paragraphs)


def _build_document(
    lines: list[_Line], pages: list[Page], starts: list[_Start], k: int, toc_pages: dict[str, int]
) -> Document:
    start = starts[k]
    stop = starts[k + 1].line if k + 1 < len(starts) else len(lines)
    while stop - 1 > start.line and _SECTION_HEAD.match(lines[stop - 1].text):
        stop -= 1  # a section head (（三）甘肃, 【…】) introduces the next document
    body = lines[start.line : stop]
    last_page = body[-1].page
    next_page = lines[starts[k + 1].line].page if k + 1 < len(starts) else len(pages)
    while last_page + 1 < next_page and not pages[last_page + 1].has_text:
        last_page += 1  # an image-only page before the next document is this one's attachment
    start_page: int | None = _page_number(pages, body[0].page)
    end_page: int | None = _page_number(pages, last_page)
    if len(pages) == 1 and pages[0].printed_number is None:
        # One unpaginated text (a dump without page markers): the table of
        # contents is the only witness of where a document starts in print.
        printed = toc_pages.get(title_match_key(start.title))
        if printed is not None:
            start_page, end_page = printed, None
    return Document(
        title=start.title,
        text=_body_text(lines, start, stop),
        start_page=start_page,
        end_page=end_page,
    )
