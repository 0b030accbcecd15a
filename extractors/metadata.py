"""Metadata of one official document, read from its title and text.

`describe` fills a `Document` the way a clerk reads a 公文 (GB/T 9704 anatomy): the number
under the title, the addressees before the first colon, the signature block (issuing organ,
then the date of writing, then the publication note), the attachment note, the validity
clause and the documents it names. Everything is read from printed lines, because line
position is what separates the document's own number and date from the numbers and dates
that its body cites. PDF noise (spaces inside numbers and dates, lines broken anywhere,
bracket widths, "# Page N:" markers) is squeezed out line by line first.

What cannot be established goes to `doc.problems` as a short message, never an exception:
one odd document must not stop the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.dates import DATE_PATTERN, DATE_RE, find_dates, first_date, parse_cn_date
from extractors.docnumber import DOC_NUMBER_RE, ORDER_NUMBER_RE, DocNumber, parse_doc_number
from extractors.model import Document
from extractors.references import find_references, squeeze_line
from extractors.validity import find_validity
from extractors.vocabulary import vocabulary

# Type words of titles, longest first so that 命令 wins over 令 and 纪要 is not read as 要.
DOC_TYPES = (
    "命令",
    "决议",
    "决定",
    "公报",
    "公告",
    "通告",
    "意见",
    "通知",
    "通报",
    "报告",
    "请示",
    "批复",
    "议案",
    "纪要",
    "方案",
    "办法",
    "措施",
    "要点",
    "规定",
    "细则",
    "条例",
    "规则",
    "规划",
    "计划",
    "章程",
    "纲要",
    "指南",
    "清单",
    "目录",
    "制度",
    "守则",
    "标准",
    "启事",
    "更正",
    "函",
    "令",
)
_TYPE_RE = re.compile("(?:" + "|".join(sorted(DOC_TYPES, key=len, reverse=True)) + ")$")

_ORGAN_RE = re.compile(
    r"^[\u4e00-\u9fff（）()·]{2,40}?(?:政府|办公厅|办公室|委员会|常委会|管委会|委|厅|局|院|部|署|办|中心|室|处"
    r"|所|会|行|社|公司|集团|党委|总队|支队|站|台|联|团)$"
)
# A head of government signing an order: 市长 张三, 总理 李克强 (titles in vocabulary.yaml).
_SIGNER_RE = re.compile(
    r"^[\u4e00-\u9fff]{0,16}(?:"
    + "|".join((*vocabulary().signer_titles, "书记", "院长"))
    + r")[\u4e00-\u9fff·]{2,4}$"
)
_NOTE_RE = re.compile(r"[（(]?\s*(此件[\u4e00-\u9fff]{1,10}?)\s*[）)]")
_NOTE_LINE_RE = re.compile(r"^[（(]?此件[\u4e00-\u9fff]{1,10}[）)]?$")
_PAGE_MARKER_RE = re.compile(r"^\s*#\s*Page\s+\d+\s*:?\s*$")
_ENTRY_NUMBER_RE = re.compile(r"^\s*\d{1,4}\s*[.．、]\s*")
_TRAILING_PAREN_RE = re.compile(r"[（(][^（）()]{1,30}[）)]$")
_ATTACHMENT_START_RE = re.compile(r"^附件\d*[：:]")
_ATTACHMENT_HEADING_RE = re.compile(r"^附件\d*$")
_ITEM_RE = re.compile(r"(?<![\d.])\d{1,2}[.．、](?!\d)")
_OMITTED_RE = re.compile(r"[（(]略[）)]")
_LABELLED_NUMBER_RE = re.compile(r"(?:发文字号|文号)[:：]")
_DATE_START = set("0123456789〇○零一二三四五六七八九")
_ANY_DATE = DATE_PATTERN.replace("?P<year>", "?:").replace("?P<month>", "?:").replace("?P<day>", "?:")
_ANY_DATE = _ANY_DATE.replace("?P<marker>", "?:")
# The 版记's print line: "宁夏回族自治区人民政府办公室 2024年3月5日印发".
_PRINT_LINE_RE = re.compile(rf"^(?P<organ>.{{0,40}}?)(?P<date>{_ANY_DATE})印发$")
# A place at the head of an organ's name: joint issuers printed without a separator repeat it.
_PLACE_RE = re.compile(
    r"^(?:中共)?(?P<place>[\u4e00-\u9fff]{1,10}?(?:自治区|自治州|自治县|自治旗|省|市|县|区|州|盟|旗))"
)
_ORDER_SERIAL_RE = re.compile(r"^[（(]?第(?P<serial>[\d一二三四五六七八九十百千零〇两]{1,8})号[）)]?$")
_ORDER_HEAD_RE = re.compile(r"(?P<head>[\u4e00-\u9fff]{2,24}令)")
_ARTICLE_RE = re.compile(r"^第[一二三四五六七八九十]{1,3}条")
_ATTACHMENT_NEXT_RE = re.compile(r"^(?:附件\d*[：:]?|附：|抄送[：:]|抄报[：:])")
_MAX_SIGNATURE_ORGANS = 12
_OPENERS = "（("
_CLOSERS = "）)"
_WINDOW = 8  # a date or number may be spread over this many printed lines


@dataclass
class _Signature:
    """The signature block: organ line(s) or signer, the date of writing, its line span."""

    organs: list[str]
    date_text: str
    first_line: int  # first organ line (or the date line when there is none)
    date_line: int
    last_line: int
    has_day_marker: bool


@dataclass
class _View:
    """The document's printed lines: raw (spaces kept, to split organs) and squeezed."""

    raw: list[str]
    lines: list[str]
    signatures: list[_Signature] = field(default_factory=list)


def _view(text: str) -> _View:
    raw: list[str] = []
    lines: list[str] = []
    for line in text.splitlines():
        if _PAGE_MARKER_RE.match(line):
            continue
        squeezed = squeeze_line(line)
        if squeezed:
            raw.append(line.strip())
            lines.append(squeezed)
    return _View(raw, lines)


def _window(lines: list[str], start: int) -> tuple[str, list[int]]:
    """Lines from `start` joined, with the offset where each line ends."""
    parts = lines[start : start + _WINDOW]
    ends, total = [], 0
    for part in parts:
        total += len(part)
        ends.append(total)
    return "".join(parts), ends


def _clean_title(title: str) -> str:
    """The title as a key: no entry number ("1. "), no trailing date, no spaces."""
    t = re.sub(r"\s+", "", _ENTRY_NUMBER_RE.sub("", title or ""))
    while True:
        m = _TRAILING_PAREN_RE.search(t)
        if not m or not (
            parse_cn_date(m.group(0)) or re.search(r"试行|暂行|草案|征求意见|修订|修正", m.group(0))
        ):
            return t
        t = t[: m.start()]


def _title_date(title: str) -> str | None:
    t = re.sub(r"\s+", "", title or "")
    m = _TRAILING_PAREN_RE.search(t)
    if m:
        value = parse_cn_date(m.group(0))
        if value:
            return value.isoformat()
    return None


def _heading_date(view: _View, title: str) -> str | None:
    """The date in brackets after the title, in the title itself or on the text's title lines."""
    found = _title_date(title)
    end = _title_end(view, title)
    if found is None and end > 0:
        found = _title_date("".join(view.lines[:end]))
    return found


# ---------------------------------------------------------------- document number


def _number_at(view: _View, i: int) -> tuple[DocNumber, int] | None:
    """The number that lines i.. consist of (brackets aside), and the index of its last line."""
    text, ends = _window(view.lines, i)
    offset = 0
    while offset < len(text) and text[offset] in _OPENERS:
        offset += 1
    for regex in (DOC_NUMBER_RE, ORDER_NUMBER_RE):
        if regex is ORDER_NUMBER_RE and "令" not in view.lines[i]:
            continue  # an order's head is one line (…人民政府令), never a title glued to it
        m = regex.match(text, offset)
        if not m:
            continue
        end = m.end()
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
        if end in ends:
            number = parse_doc_number(text[offset : m.end()])
            if number:
                return number, i + ends.index(end)
    return None


def _order_head(view: _View, i: int, title: str) -> str | None:
    """The order's name (…人民政府令) for a "第179号" line: the line above it, else the title."""
    for k in range(max(0, i - 2), i):
        if re.fullmatch(r"[\u4e00-\u9fff]{2,24}令", view.lines[k]) and not view.lines[k].endswith("命令"):
            return view.lines[k]
    m = _ORDER_HEAD_RE.search(re.sub(r"\s+", "", title or ""))
    if m and not m["head"].endswith("命令"):
        return m["head"]
    return None


@dataclass
class _Headnote:
    """（2021年7月27日中华人民共和国国务院令第746号公布 自2022年3月1日起施行）under a regulation's title."""

    number: DocNumber
    date: str
    line: int


def _headnote(view: _View) -> _Headnote | None:
    verbs = "|".join(vocabulary().headnote_verbs)
    pattern = re.compile(
        rf"^[（(](?P<date>{_ANY_DATE})(?P<number>[\u4e00-\u9fff]{{2,24}}令第[\d一二三四五六七八九十百千零〇两]{{1,8}}号)"
        rf"(?:{verbs})"
    )
    for i, line in enumerate(view.lines[:12]):
        m = pattern.match(line)
        if m:
            number = parse_doc_number(m["number"])
            value = parse_cn_date(m["date"])
            if number is not None and value is not None:
                return _Headnote(number, value.isoformat(), i)
    return None


def _own_number(view: _View, title: str) -> tuple[DocNumber | None, int]:
    """The document's own number: a line (or lines) near the top holding nothing else.

    Scanning stops at the first sentence (a line with 。): numbers after it are cited ones.
    An order's serial alone on its line ("第179号") takes the order's name from the line above
    or from the title; a regulation's headnote (…国务院令第746号公布…) gives its number too.
    Returns the number and the index of the line after it (-1 when not found in the text).
    """
    for i, line in enumerate(view.lines[:60]):
        if "。" in line:
            break
        found = _number_at(view, i)
        if found:
            return found[0], found[1] + 1
        label = _LABELLED_NUMBER_RE.search(line)
        if label:
            number = parse_doc_number(line[label.end() :])
            if number:
                return number, i + 1
        serial = _ORDER_SERIAL_RE.match(line)
        head = _order_head(view, i, title) if serial else None
        if serial and head:
            number = parse_doc_number(f"{head}第{serial['serial']}号")
            if number:
                return number, i + 1
    headnote = _headnote(view)
    if headnote is not None:
        return headnote.number, headnote.line + 1
    squeezed_title = re.sub(r"\s+", "", title or "")
    for m in re.finditer(r"[（(]([^（）()]{4,40}号)[）)]", squeezed_title):
        number = parse_doc_number(m.group(1))
        if number:
            return number, -1
    return None, -1


# ---------------------------------------------------------------- signature and date


def _organ_like(s: str) -> bool:
    return bool(_ORGAN_RE.match(s)) and not s.endswith(("的会", "工作会"))


def _split_glued(name: str) -> list[str]:
    """Joint issuers printed without a separator, split where their shared place name recurs.

    "某某市财政局某某市人力资源和社会保障局" → both organs; "中共某某市委某某市人民政府" too.
    A name that does not split into organs that way comes back whole.
    """
    m = _PLACE_RE.match(name)
    if not m:
        return _split_known(name)
    place = m["place"]
    cuts: list[int] = []
    for found in re.finditer(re.escape(place), name):
        start = found.start()
        if start >= 2 and name[start - 2 : start] == "中共":
            start -= 2
        if not cuts or start > cuts[-1]:
            cuts.append(start)
    if cuts[0] != 0 or len(cuts) < 2:
        return [name]
    for k in range(1, len(cuts)):
        # A vertically managed organ names its national parent first: 国家税务总局临川市税务局.
        segment = name[cuts[k - 1] : cuts[k]]
        parent = max(segment.rfind("国家"), segment.rfind("中国"))
        if parent > 0 and _organ_like(segment[:parent]):
            cuts[k] = cuts[k - 1] + parent
    pieces = [name[a:b] for a, b in zip(cuts, [*cuts[1:], len(name)], strict=True)]
    return pieces if all(_organ_like(p) for p in pieces) else [name]


def _split_known(name: str) -> list[str]:
    """财政部税务总局 → 财政部, 税务总局: names without a place, by the list in vocabulary.yaml."""
    pieces: list[str] = []
    rest = name
    while rest:
        known = next((organ for organ in vocabulary().organ_names if rest.startswith(organ)), None)
        if known is None:
            return [name]
        pieces.append(known)
        rest = rest[len(known) :]
    return pieces


def _organs_in(raw: str, squeezed: str) -> list[str] | None:
    """The organ names a signature line holds (spaces, 、 or nothing between them), else None."""
    parts = [squeeze_line(p) for p in re.split(r"\s+|、", raw) if p.strip()]
    if len(parts) > 1:
        split = [piece for part in parts for piece in _split_glued(part)]
        if all(_organ_like(piece) for piece in split):
            return split
    glued = _split_glued(squeezed)
    if len(glued) > 1:
        return glued
    return [squeezed] if _organ_like(squeezed) else None


def _split_organs(raw: str, squeezed: str) -> list[str]:
    return _organs_in(raw, squeezed) or [squeezed]


def _date_at(view: _View, i: int) -> tuple[str, int, bool] | None:
    """A date that lines i.. consist of: its text, its last line, whether 日 was written."""
    if view.lines[i][0] not in _DATE_START:
        return None
    text, ends = _window(view.lines, i)
    m = DATE_RE.match(text)
    if not m or m.end() not in ends or not parse_cn_date(m.group(0)):
        return None
    return m.group(0), i + ends.index(m.end()), bool(m["marker"])


def _signatures(view: _View) -> list[_Signature]:
    """Every signature block: a date alone on its line(s) after organ or signer lines.

    A date alone that follows no organ still counts when a publication note follows it.
    "organ + date" on one line counts too; "…2020年8月31日印发" (the print line) does not.
    """
    found: list[_Signature] = []
    lines = view.lines
    i = 0
    while i < len(lines):
        line = lines[i]
        date_text: str | None = None
        last, marker, organs_inline = i, True, []
        hit = _date_at(view, i)
        if hit:
            date_text, last, marker = hit
        elif line.endswith("日") and len(line) <= 60 and "\t" not in view.raw[i]:  # not a table row
            dates = find_dates(line)
            if dates and dates[-1].end == len(line) and _organ_like(line[: dates[-1].start]):
                date_text = dates[-1].text
                raw_dates = find_dates(view.raw[i])
                raw_organs = view.raw[i][: raw_dates[-1].start] if raw_dates else line[: dates[-1].start]
                organs_inline = _split_organs(raw_organs.strip(), line[: dates[-1].start])
        if date_text is None:
            i += 1
            continue
        organs: list[str] = list(organs_inline)
        first = i
        k = i - 1
        while not organs_inline and k >= 0 and len(organs) < _MAX_SIGNATURE_ORGANS:
            prev = lines[k]
            if _NOTE_LINE_RE.match(prev) and not organs:
                k -= 1
                continue
            in_line = _organs_in(view.raw[k], prev)
            if in_line or _SIGNER_RE.match(prev):
                organs[:0] = in_line or [prev]
                first = k
                k -= 1
                continue
            if k >= 1 and _organ_like(lines[k - 1] + prev) and len(lines[k - 1]) < 20:
                organs.insert(0, lines[k - 1] + prev)
                first = k - 1
                k -= 2
                continue
            break
        note_follows = last + 1 < len(lines) and bool(_NOTE_LINE_RE.match(lines[last + 1]))
        if organs or note_follows or _closes_body(lines, first, last):
            found.append(_Signature(organs, date_text, first, i, last, marker))
        i = last + 1
    return found


def _closes_body(lines: list[str], first: int, last: int) -> bool:
    """A date alone between the body's last sentence and the attachments (or the end of the text).

    Gazettes often print the date of writing without the organ's name above it (the seal
    stood there); what marks it as the signature is its place: after a finished sentence,
    before the 附件 / 抄送 block or nothing.
    """
    if first == 0 or not lines[first - 1].endswith("。"):
        return False
    return last + 1 >= len(lines) or bool(_ATTACHMENT_NEXT_RE.match(lines[last + 1]))


def print_date(text: str) -> str | None:
    """The date of the 版记's print line (…办公室 2024年3月5日印发), the last one in the text."""
    found = None
    for line in text.splitlines():
        m = _PRINT_LINE_RE.match(squeeze_line(line))
        if m:
            value = parse_cn_date(m["date"])
            found = value.isoformat() if value else found
    return found


# ---------------------------------------------------------------- issuer and type


# Where a title's issuer ends: 关于…, 印发《…》, and a compilation's news-style 出台《…》.
_TITLE_VERBS = r"关于|印发|转发|出台|发布|公布|颁布"


def _title_organs(title: str) -> list[str]:
    t = _clean_title(title)
    m = re.search(_TITLE_VERBS, t)
    if not m or m.start() < 2:
        return []
    prefix = re.sub(r"\s+", " ", (title or "").strip())
    prefix = _ENTRY_NUMBER_RE.sub("", prefix)
    cut = re.search(rf"\s*(?:{_TITLE_VERBS})", prefix)
    head = prefix[: cut.start()] if cut else prefix
    parts = [piece for p in re.split(r"\s+|、", head) if p.strip() for piece in _split_glued(squeeze_line(p))]
    if parts and all(_organ_like(p) for p in parts):
        return parts
    whole = squeeze_line(head)
    return _split_glued(whole) if _organ_like(whole) else []


def _issuer(
    signature: _Signature | None,
    title: str,
    number: DocNumber | None,
    site: str | None = None,
    publisher: str | None = None,
) -> str | None:
    """Issuing organ(s): the order's government, else the signature as printed, else the page's
    label block (发文机关), else the title's, else the page's publisher (发布机构).

    The signature is the organ's formal act, so it wins over the title's (often shortened)
    prefix: 自治区人民政府办公厅关于… signed 宁夏回族自治区人民政府办公厅 → the latter. A page's
    发文机关 names the organ formally too, and is there when the page omits the signature; its
    发布机构 is who put the page online, which a portal republishing a bureau's document is not.
    """
    if number is not None and number.is_order and len(number.issuer_code) > 2:
        # 中华人民共和国国务院令 is the State Council's order: the organ signs as 国务院.
        return re.sub(r"^中华人民共和国(?=国务院)", "", number.issuer_code[:-1])
    organs = [o for o in (signature.organs if signature else []) if _organ_like(o)]
    if organs:
        return "、".join(organs)
    for named in (site, "、".join(_title_organs(title)), publisher):
        if named:
            parts = [squeeze_line(p) for p in re.split(r"[\s、,，;；]+", named) if p.strip()]
            return "、".join(piece for part in parts for piece in _split_glued(part)) or None
    return None


def _doc_type(title: str, number: DocNumber | None) -> str | None:
    if number is not None and number.is_order:
        return "令"
    t = _clean_title(title).rstrip("》")
    m = _TYPE_RE.search(t)
    if not m:
        return None
    return m.group(0)


# ---------------------------------------------------------------- addressees, attachments


def _title_end(view: _View, title: str) -> int:
    """Index of the first line after the title when the text starts with it, else 0."""
    key = _clean_title(title)
    if not key:
        return 0
    acc = ""
    for i, line in enumerate(view.lines[:8]):
        cand = acc + _clean_title(line)
        if cand not in key and not cand.startswith(key):  # the text may print a shortened title
            return i if acc else 0
        acc = cand
        if len(acc) >= len(key):
            return i + 1
    return 0


def _addressees(view: _View, start: int) -> list[str]:
    """The 主送 block: the line(s) right after the number or title, up to the first colon."""
    block = ""
    for line in view.lines[start : start + 8]:
        if "。" in line or _NOTE_LINE_RE.match(line):
            return []
        block += line
        if block.endswith(("：", ":")):
            break
        if len(block) > 250:
            return []
    else:
        return []
    if not block.endswith(("：", ":")) or block.startswith("《"):
        return []
    items: list[str] = []
    for part in re.split(r"[，,；;]", block[:-1]):
        # 、 separates addressees (…人民政府、县直各部门) but also places (各市、县（区）…):
        # it splits only after a piece that names an organ or a body of units.
        pieces = part.split("、")
        current = last = pieces[0]
        for piece in pieces[1:]:
            base = _TRAILING_PAREN_RE.sub("", last)
            if _organ_like(base) or base.endswith(("部门", "单位", "机构", "企业")):
                items.append(current)
                current = piece
            else:
                current += "、" + piece
            last = piece
        items.append(current)
    return [item.strip() for item in items if item.strip()]


def _attachments(view: _View, stops: set[int]) -> list[str]:
    """Names listed by the 附件： note(s): "附件：1. X 2. Y", possibly over several lines."""
    names: list[str] = []
    lines = view.lines
    for i, line in enumerate(lines):
        m = _ATTACHMENT_START_RE.match(line)
        if not m:
            continue
        block = line[m.end() :]
        for j in range(i + 1, min(len(lines), i + 20)):
            nxt = lines[j]
            if (
                j in stops
                or _NOTE_LINE_RE.match(nxt)
                or _ATTACHMENT_HEADING_RE.match(nxt)
                or _ATTACHMENT_START_RE.match(nxt)
                or "。" in nxt
            ):
                break
            block += nxt
        block = _OMITTED_RE.sub("", block)
        marks = list(_ITEM_RE.finditer(block))
        if marks and marks[0].start() == 0:
            bounds = [mk.start() for mk in marks] + [len(block)]
            pieces = [block[marks[k].end() : bounds[k + 1]] for k in range(len(marks))]
        else:
            pieces = [block]
        for piece in pieces:
            name = piece.strip(" ；;，,。")
            if name and name not in names:
                names.append(name)
    return names


# ---------------------------------------------------------------- the whole document


def describe(doc: Document) -> Document:
    """Fill `doc`'s metadata from its title and text; return the same Document.

    Values the text establishes replace earlier ones; when the text is silent, a value set
    before (e.g. from an HTML page's metadata table) is kept, normalized. Problems found are
    appended to `doc.problems`.
    """
    problems: list[str] = []
    view = _view(doc.text or "")
    title = doc.title or ""

    number, after_number = _own_number(view, title)
    if number is None and doc.doc_number:
        number = parse_doc_number(doc.doc_number)
    if number is not None:
        doc.doc_number = number.normalized
        doc.doc_number_issuer_code = number.issuer_code
        doc.doc_number_year = number.year
        doc.doc_number_serial = number.serial
    else:
        if doc.doc_number:
            problems.append(f"unreadable document number {doc.doc_number!r}")
        doc.doc_number = doc.doc_number_issuer_code = None
        doc.doc_number_year = doc.doc_number_serial = None
        problems.append("no document number")

    signatures = _signatures(view)
    signature = signatures[0] if signatures else None
    headnote = _headnote(view)
    site = doc.site_metadata
    site_issued = first_date(site.get("issued_date", ""))
    if signature is not None:
        doc.issued_date = parse_cn_date(signature.date_text).isoformat()  # type: ignore[union-attr]
        if not signature.has_day_marker:
            problems.append("issued date missing 日")
    elif headnote is not None:
        doc.issued_date = headnote.date  # a regulation printed alone: the date it was promulgated
    elif site_issued is not None:
        doc.issued_date = site_issued.isoformat()
    elif _heading_date(view, title):
        # A compilation entry "N. title（2023年2月20日）" with no signature of its own.
        doc.issued_date = _heading_date(view, title)
    elif doc.issued_date and parse_cn_date(doc.issued_date):
        doc.issued_date = parse_cn_date(doc.issued_date).isoformat()  # type: ignore[union-attr]
    else:
        doc.issued_date = None
        problems.append("no issued date")

    issuer = _issuer(signature, title, number, site.get("issuer"), site.get("publisher"))
    doc.issuer = issuer or doc.issuer
    if not doc.issuer:
        problems.append("no issuer")

    doc.doc_type = _doc_type(title, number) or doc.doc_type
    if not doc.doc_type:
        problems.append("no document type")

    flat = "".join(view.lines)
    note = _NOTE_RE.search(flat)
    if note:
        doc.publication_note = note.group(1)
        doc.is_public = not re.search(r"不|依申请", note.group(1))

    start = after_number if after_number >= 0 else _title_end(view, title)
    if start > 0:
        # Web pages often print the number above the title (as the paper has it): skip the title.
        start += _title_end(_View(view.raw[start:], view.lines[start:]), title)
    doc.addressees = _addressees(view, start)

    stops: set[int] = set()
    for sig in signatures:
        stops.update(range(sig.first_line, sig.last_line + 1))
    doc.attachments = _attachments(view, stops)

    issued = parse_cn_date(doc.issued_date) if doc.issued_date else None
    printed = print_date(doc.text or "")
    validity = find_validity(doc.text or "", issued, printed=parse_cn_date(printed) if printed else None)
    site_effective = first_date(site.get("effective_date", ""))
    site_expiry = first_date(site.get("expiry_date", ""))
    effective = validity.effective_date or site_effective
    expiry = validity.expiry_date or site_expiry
    doc.effective_date = effective.isoformat() if effective else None
    doc.effective_on_issue = validity.effective_on_issue
    doc.expiry_date = expiry.isoformat() if expiry else None
    problems.extend(validity.problems)

    doc.references = find_references(doc.text or "", own_title=_clean_title(title), own_number=doc.doc_number)
    doc.problems.extend(p for p in problems if p not in doc.problems)
    return doc


def official_marks(text: str, title: str) -> list[str]:
    """What the text shows of an official document's anatomy, for telling documents from pages.

    doc_number: its own number (or an order's) stands near the top; signature: an organ or
    signer over a date; promulgation: 《…》已经…通过，现予公布; headnote: a regulation's
    （…令第N号公布…）; articles: rules set out as 第一条, 第二条.
    """
    view = _view(text)
    marks: list[str] = []
    number, after = _own_number(view, title)
    if number is not None and after >= 0:
        marks.append("doc_number")
    # A date alone that closes the body is a signature in a gazette, but a news page may end
    # with its date too: only an organ, a signer or the publication note makes it a mark here.
    for sig in _signatures(view):
        noted = sig.last_line + 1 < len(view.lines) and _NOTE_LINE_RE.match(view.lines[sig.last_line + 1])
        if sig.organs or noted:
            marks.append("signature")
            break
    flat = "".join(view.lines)
    if any(verb in flat for verb in vocabulary().promulgation_verbs) and "》" in flat:
        marks.append("promulgation")
    if _headnote(view) is not None:
        marks.append("headnote")
    if sum(1 for line in view.lines if _ARTICLE_RE.match(line)) >= 2:
        marks.append("articles")
    return marks


def promulgated_title(text: str) -> str | None:
    """The rules an order promulgates: 《X》已经…通过，现予公布 near the top of the text."""
    verbs = vocabulary().promulgation_verbs
    for line in _view(text).lines[:12]:
        if any(verb in line for verb in verbs):
            m = re.search(r"《([^《》]{2,80})》", line)
            if m:
                return m.group(1)
    return None
