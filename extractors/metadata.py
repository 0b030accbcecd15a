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

from extractors.dates import DATE_RE, find_dates, parse_cn_date
from extractors.docnumber import DOC_NUMBER_RE, ORDER_NUMBER_RE, DocNumber, parse_doc_number
from extractors.model import Document
from extractors.references import find_references, squeeze_line
from extractors.validity import find_validity

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
_SIGNER_RE = re.compile(
    r"^[\u4e00-\u9fff]{0,16}(?:主席|省长|市长|县长|区长|州长|旗长|盟长|部长|主任|局长|厅长|总理|书记|院长|署长)"
    r"[\u4e00-\u9fff·]{2,4}$"
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


def _own_number(view: _View, title: str) -> tuple[DocNumber | None, int]:
    """The document's own number: a line (or lines) near the top holding nothing else.

    Scanning stops at the first sentence (a line with 。): numbers after it are cited ones.
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
    squeezed_title = re.sub(r"\s+", "", title or "")
    for m in re.finditer(r"[（(]([^（）()]{4,40}号)[）)]", squeezed_title):
        number = parse_doc_number(m.group(1))
        if number:
            return number, -1
    return None, -1


# ---------------------------------------------------------------- signature and date


def _organ_like(s: str) -> bool:
    return bool(_ORGAN_RE.match(s)) and not s.endswith(("的会", "工作会"))


def _split_organs(raw: str, squeezed: str) -> list[str]:
    parts = [p for p in re.split(r"\s+|、", raw) if p]
    if len(parts) > 1 and all(_organ_like(squeeze_line(p)) for p in parts):
        return [squeeze_line(p) for p in parts]
    return [squeezed]


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
        while not organs_inline and k >= 0 and len(organs) < 4:
            prev = lines[k]
            if _NOTE_LINE_RE.match(prev) and not organs:
                k -= 1
                continue
            if _organ_like(prev) or _SIGNER_RE.match(prev):
                organs[:0] = _split_organs(view.raw[k], prev)
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
        if organs or note_follows:
            found.append(_Signature(organs, date_text, first, i, last, marker))
        i = last + 1
    return found


# ---------------------------------------------------------------- issuer and type


def _title_organs(title: str) -> list[str]:
    t = _clean_title(title)
    m = re.search(r"关于|印发|转发", t)
    if not m or m.start() < 2:
        return []
    prefix = re.sub(r"\s+", " ", (title or "").strip())
    prefix = _ENTRY_NUMBER_RE.sub("", prefix)
    cut = re.search(r"\s*(?:关于|印发|转发)", prefix)
    head = prefix[: cut.start()] if cut else prefix
    parts = [squeeze_line(p) for p in re.split(r"\s+|、", head) if p.strip()]
    if parts and all(_organ_like(p) for p in parts):
        return parts
    whole = squeeze_line(head)
    return [whole] if _organ_like(whole) else []


def _issuer(signature: _Signature | None, title: str, number: DocNumber | None) -> str | None:
    """Issuing organ(s): the order's government, else the signature as printed, else the title's.

    The signature is the organ's formal act, so it wins over the title's (often shortened)
    prefix: 自治区人民政府办公厅关于… signed 宁夏回族自治区人民政府办公厅 → the latter.
    """
    if number is not None and number.is_order and len(number.issuer_code) > 2:
        return number.issuer_code[:-1]
    organs = [o for o in (signature.organs if signature else []) if _organ_like(o)]
    if organs:
        return "、".join(organs)
    return "、".join(_title_organs(title)) or None


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
    if signature is not None:
        doc.issued_date = parse_cn_date(signature.date_text).isoformat()  # type: ignore[union-attr]
        if not signature.has_day_marker:
            problems.append("issued date missing 日")
    elif _heading_date(view, title):
        # A compilation entry "N. title（2023年2月20日）" with no signature of its own.
        doc.issued_date = _heading_date(view, title)
    elif doc.issued_date and parse_cn_date(doc.issued_date):
        doc.issued_date = parse_cn_date(doc.issued_date).isoformat()  # type: ignore[union-attr]
    else:
        doc.issued_date = None
        problems.append("no issued date")

    issuer = _issuer(signature, title, number)
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
    doc.addressees = _addressees(view, start)

    stops: set[int] = set()
    for sig in signatures:
        stops.update(range(sig.first_line, sig.last_line + 1))
    doc.attachments = _attachments(view, stops)

    issued = parse_cn_date(doc.issued_date) if doc.issued_date else None
    validity = find_validity(doc.text or "", issued)
    doc.effective_date = validity.effective_date.isoformat() if validity.effective_date else None
    doc.effective_on_issue = validity.effective_on_issue
    doc.expiry_date = validity.expiry_date.isoformat() if validity.expiry_date else None
    problems.extend(validity.problems)

    doc.references = find_references(doc.text or "", own_title=_clean_title(title), own_number=doc.doc_number)
    doc.problems.extend(p for p in problems if p not in doc.problems)
    return doc
