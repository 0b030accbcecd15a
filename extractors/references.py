"""References from one official document to others, with the relation word that frames them.

Documents name each other by title in 《》 (nested titles use 〈〉 or a second 《》), usually
followed by the number in brackets: 《X》（宁政规发〔2020〕5号）. The words around a mention say
what the link means: 废止 / 不再执行 (repeals), 修改 / 修订 (amends), 贯彻落实 / 根据 / 按照
(implements); anything else is a plain citation. Each Reference keeps its sentence as
evidence so that an analyst can check the call.

Text arrives with PDF line breaks anywhere, so `join_lines` first rebuilds paragraphs the
way CJK text joins (no space added) and keeps a paragraph break only where the text has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocabulary import RelationKind
from extractors.dates import parse_cn_date
from extractors.docnumber import DOC_NUMBER_RE, ORDER_NUMBER_RE, DocNumber, find_doc_numbers, parse_doc_number
from extractors.keys import title_match_key
from extractors.model import Reference

# The relations a text can state, strongest first: one mention that could be read two ways keeps the first.
RELATIONS = (
    RelationKind.REPEALS,
    RelationKind.AMENDS,
    RelationKind.CORRECTS,
    RelationKind.IMPLEMENTS,
    RelationKind.CITES,
)
_RANK: dict[str, int] = {name: i for i, name in enumerate(RELATIONS)}  # Reference.relation is a str

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_INLINE_SPACE_RE = re.compile(r"[ \t\u3000\u00a0]+")
_PAGE_MARKER_RE = re.compile(r"^\s*#\s*Page\s+\d+\s*:?\s*$")
_STRUCTURE_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,3}[.．、](?!\d)|[（(]\d{1,3}[）)]"
    r"|第[一二三四五六七八九十百零〇]+[条章节]|附件|——)"
)
_NOTE_LINE_RE = re.compile(r"^[（(]?此件[^）)]{0,12}[）)]?$")
_PARAGRAPH_END = "。！？；：:;!?"
_SENTENCE_END_RE = re.compile(r"[。！？；;!?\n]")
_CLAUSE_END_RE = re.compile(r"[，,。！？；;!?\n]")

_REPEAL_AFTER_RE = re.compile(r"^[^，,。；;]{0,12}?(?:同时废止|予以废止|废止|不再执行|停止执行|失效)")
_REPEAL_BEFORE_RE = re.compile(r"(?:废止|停止执行)[^，,。；;]{0,10}$")
_AMEND_AFTER_RE = re.compile(
    r"^[^，,。；;]{0,12}?(?:作如下修改|作出如下修改|修改如下|进行修改|予以修改|修订如下)"
)
_AMEND_BEFORE_RE = re.compile(r"(?:修改|修订|修正)[^，,。；;]{0,6}$")
_IMPLEMENT_RE = re.compile(r"贯彻|落实|根据|按照|依据|依照|遵照")
_IMPLEMENT_JUST_BEFORE_RE = re.compile(r"(?:实施|执行)[\u4e00-\u9fff]{0,6}$")
_CORRECT_RE = re.compile(r"更正如下|现更正|现予更正|予以更正")
_TITLE_SPAN_RE = re.compile(r"《[^《》]*(?:《[^《》]*》[^《》]*)*》")
_HEADING_TYPE_RE = re.compile(
    r"(?:方案|办法|措施|要点|规定|细则|意见|通知|计划|规划|条例)(?:[（(][^（）()]{1,20}[）)])?$"
)
_BODY_OPENING_RE = re.compile(r"^(?:为|根据|按照|依据|现将|经|近年来|当前|各)")
_SELF_AFTER_RE = re.compile(r"^[^，,。；;]{0,20}?(?:印发给你们|现予印发|予以印发|现予公布|予以公布|印发实施)")
_ABBREVIATION_BEFORE_RE = re.compile(r"(?:简称|下称|简称为|以下称)[：:“\"]?$")
_LIST_JOINER_RE = re.compile(r"\s*(?:、|和|及|与|以及|、以及)\s*")
_TITLE_MAX = 200


def squeeze_line(line: str) -> str:
    """One printed line without its spurious spaces ("2023 年6 月20 日" → "2023年6月20日").

    A space survives only between two Latin words or a Latin word and a number
    ("ISSN 1008-0783"), where it separates words. Full-width digits become ASCII.
    """
    line = line.translate(_FULLWIDTH_DIGITS)

    def keep(m: re.Match[str]) -> str:
        left = line[m.start() - 1] if m.start() > 0 else ""
        right = line[m.end()] if m.end() < len(line) else ""
        both_ascii = left.isascii() and left.isalnum() and right.isascii() and right.isalnum()
        return " " if both_ascii and (left.isalpha() or right.isalpha()) else ""

    return _INLINE_SPACE_RE.sub(keep, line.strip())


def join_lines(text: str) -> str:
    """Paragraphs rebuilt from printed lines; "\\n" only where a paragraph really ends.

    A line ends a paragraph when it ends with 。！？；： or when the next line starts a
    numbered item, article or attachment note. A line that is a document number, a date or a
    publication note alone stands as its own paragraph. "# Page N:" markers are dropped.
    """
    out: list[str] = []
    alone = False  # the previous line must not be continued
    for raw in text.splitlines():
        if _PAGE_MARKER_RE.match(raw):
            continue
        line = squeeze_line(raw)
        if not line:
            continue
        standalone = _stands_alone(line)
        if (
            out
            and not alone
            and not standalone
            and out[-1][-1] not in _PARAGRAPH_END
            and not _STRUCTURE_RE.match(line)
            and not _is_heading_before_body(out[-1], line)
        ):
            out[-1] += line
        else:
            out.append(line)
        alone = standalone
    return "\n".join(out)


def _is_heading_before_body(paragraph: str, line: str) -> bool:
    """An attached plan's title ("…实施方案") followed by its first sentence ("为…")."""
    return (
        len(paragraph) <= 60
        and not re.search(r"[，,。；;：:、]", paragraph)
        and bool(_HEADING_TYPE_RE.search(paragraph))
        and bool(_BODY_OPENING_RE.match(line))
    )


def _stands_alone(line: str) -> bool:
    if len(line) > 40:
        return False
    if _NOTE_LINE_RE.match(line):
        return True
    return bool(line[-1] in "号日" and (parse_doc_number(line) or parse_cn_date(line)))


@dataclass
class _Mention:
    start: int  # position of 《 (or of the number when there is no title)
    end: int  # position after 》 and its bracketed number, if any
    title: str | None
    number: DocNumber | None


def _title_end(text: str, start: int) -> int | None:
    """Index after the 》 that closes the 《 at `start`, with nesting; None if unbalanced."""
    depth = 0
    limit = min(len(text), start + _TITLE_MAX)
    for i in range(start, limit):
        ch = text[i]
        if ch in "《〈":
            depth += 1
        elif ch in "》〉":
            depth -= 1
            if depth == 0:
                return i + 1
        elif ch in "。\n":
            return None
    return None


_ORDER_PATTERN = ORDER_NUMBER_RE.pattern.replace("?P<code>", "?P<ocode>").replace("?P<serial>", "?P<oserial>")
# 《X》（宁政发〔2020〕5号） and 《X》（宁政发〔2020〕5号，以下简称《办法》）.
_NUMBER_AFTER_TITLE_RE = re.compile(
    rf"[（(]\s*(?:{DOC_NUMBER_RE.pattern}|{_ORDER_PATTERN})\s*(?:[）)]|[，,；;][^（）()]{{0,30}}[）)])"
)


def _mentions(text: str) -> list[_Mention]:
    mentions: list[_Mention] = []
    covered: list[tuple[int, int]] = []
    i = text.find("《")
    while i != -1:
        end = _title_end(text, i)
        if end is None:
            i = text.find("《", i + 1)
            continue
        title = text[i + 1 : end - 1].strip()
        number = None
        m = _NUMBER_AFTER_TITLE_RE.match(text, end)
        stop = end
        if m:
            number = parse_doc_number(m.group(0)[: m.group(0).index("号") + 1])
            stop = m.end()
        if title:
            mentions.append(_Mention(i, stop, title, number))
            covered.append((i, stop))
        i = text.find("《", end)
    # Numbers that stand without a title: (宁交发〔2020〕12号) after a title outside 《》, or bare.
    spans = iter(covered)
    current = next(spans, None)
    for found in find_doc_numbers(text):
        while current is not None and current[1] <= found.start:
            current = next(spans, None)
        if current is not None and current[0] <= found.start < current[1]:
            continue
        mentions.append(_Mention(found.start, found.end, None, found.number))
    mentions.sort(key=lambda mm: mm.start)
    return mentions


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    lo = max(0, start - 300)
    head = text[lo:start]
    ends = list(_SENTENCE_END_RE.finditer(head))
    s = lo + ends[-1].end() if ends else lo
    m = _SENTENCE_END_RE.search(text, end, min(len(text), end + 300))
    e = m.end() if m else min(len(text), end + 300)
    return s, e


def _clause_start(text: str, sentence_start: int, start: int) -> int:
    head = text[sentence_start:start]
    ends = list(_CLAUSE_END_RE.finditer(head))
    return sentence_start + ends[-1].end() if ends else sentence_start


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, lo = [], start
    for m in _CLAUSE_END_RE.finditer(text, start, end):
        spans.append((lo, m.end()))
        lo = m.end()
    if lo < end:
        spans.append((lo, end))
    return spans


def _outside_titles(s: str) -> str:
    return _TITLE_SPAN_RE.sub("", s)


def _implements(text: str, mention: _Mention, sentence: tuple[int, int]) -> bool:
    """Implementing words in the mention's own clause, or a basis clause that lists it.

    "为贯彻落实《A》（…），《B》和《C》，经…同意" makes A, B and C implemented: the first clause
    states the basis and the clauses right after it that start with 《 continue its list.
    """
    clauses = _clauses(text, sentence[0], sentence[1])
    own = next((c for c in clauses if c[0] <= mention.start < c[1]), None)
    if own is None:
        return False
    before = text[own[0] : mention.start]
    if _IMPLEMENT_RE.search(_outside_titles(before)) or _IMPLEMENT_JUST_BEFORE_RE.search(before):
        return True
    index = clauses.index(own)
    k = index
    while k > 0 and text.startswith("《", clauses[k][0]):
        k -= 1
        if _IMPLEMENT_RE.search(_outside_titles(text[clauses[k][0] : clauses[k][1]])):
            return True
    return False


def _list_ends(text: str, mentions: list[_Mention]) -> list[int]:
    """Where the list a mention belongs to ends: 《A》、《B》及《C》同时废止 repeals all three.

    Mentions joined by 、 和 及 与 以及 (nothing else between them) share the words that
    follow the last one.
    """
    ends = [m.end for m in mentions]
    for k in range(len(mentions) - 2, -1, -1):
        between = text[mentions[k].end : mentions[k + 1].start]
        if _LIST_JOINER_RE.fullmatch(between):
            ends[k] = ends[k + 1]
    return ends


def _relation(text: str, mention: _Mention, sentence: tuple[int, int], list_end: int | None = None) -> str:
    after = text[max(mention.end, list_end or 0) : sentence[1]]
    before_clause = text[_clause_start(text, sentence[0], mention.start) : mention.start]
    if _REPEAL_AFTER_RE.search(after) or _REPEAL_BEFORE_RE.search(before_clause):
        return "repeals"
    if _AMEND_AFTER_RE.search(after) or _AMEND_BEFORE_RE.search(before_clause):
        return "amends"
    if _CORRECT_RE.search(text[sentence[0] : sentence[1]]):
        return "corrects"
    if _implements(text, mention, sentence):
        return "implements"
    return "cites"


def _title_relation(title: str, start: int) -> str:
    """Relation of a document named inside the citing document's own title."""
    before = title[:start]
    if re.search(r"废止[^《》]{0,6}$", before):
        return "repeals"
    if re.search(r"(?:修改|修订|修正)[^《》]{0,6}$", before):
        return "amends"
    if re.search(r"转发[^《》]{0,6}$", before):
        return "implements"
    if re.search(r"更正$", title) or re.search(r"^[^《》]{0,6}更正", title[start:].split("》")[-1]):
        return "corrects"
    return "cites"


_BARE_TYPES = re.compile(
    r"(?:实施|管理|暂行|若干|工作|总体|行动|专项|配套)?(?:办法|条例|规定|细则|方案|意见|通知|决定|规划|计划|措施|要点|规则|目录|清单)"
)


def _is_bare_type(key: str) -> bool:
    """《办法》, 《实施方案》: a short name a document gives another (or itself), never a full title."""
    return bool(_BARE_TYPES.fullmatch(key))


def own_titles(title: str) -> set[str]:
    """Keys of the titles a document may use for itself: its own and the plan it issues.

    关于印发《X》的通知 and 关于印发X的通知 issue X, which the notice then names as 《X》.
    """
    keys = {title_match_key(title)} if title else set()
    t = re.sub(r"\s+", "", title or "")
    for m in re.finditer(r"印发《(.+?)》", t):
        keys.add(title_match_key(m.group(1)))
    unquoted = re.search(r"印发(?!《)(.+?)的(?:通知|决定|函)", t)
    if unquoted:
        keys.add(title_match_key(unquoted.group(1)))
    return {k for k in keys if k}


def _same_number(number: DocNumber, own: str) -> bool:
    """Own number, also when running text glued a few characters in front of its code."""
    return number.normalized == own or (len(number.normalized) > len(own) and number.normalized.endswith(own))


def find_references(text: str, *, own_title: str = "", own_number: str | None = None) -> list[Reference]:
    """Every other document that `text` names, deduplicated, strongest relation kept.

    The document's own title, the plan it issues (关于印发《X》), short names it defines
    ((以下简称《实施方案》)) and its own number are not references. When the same document is
    named several times, the mentions merge into one Reference: the number comes from any
    mention that gives it, the relation is the strongest (repeals > amends > corrects >
    implements > cites) and the evidence is the sentence that states that relation. In a
    correction notice (…的更正) the first document named with its number is the corrected one.
    """
    own = own_titles(own_title)
    flat = join_lines(text)
    refs: list[Reference] = []
    by_title: dict[str, Reference] = {}
    by_number: dict[str, Reference] = {}
    abbreviations: set[str] = set()
    correcting = "更正" in (own_title or "")

    def add(ref: Reference) -> None:
        key_t = title_match_key(ref.title) if ref.title else None
        existing = (by_title.get(key_t) if key_t else None) or (
            by_number.get(ref.doc_number) if ref.doc_number else None
        )
        if existing is None:
            refs.append(ref)
            existing = ref
        else:
            if existing.title is None and ref.title:
                existing.title = ref.title
            if existing.doc_number is None and ref.doc_number:
                existing.doc_number = ref.doc_number
            if _RANK[ref.relation] < _RANK[existing.relation]:
                existing.relation, existing.evidence = ref.relation, ref.evidence
        if existing.title:
            by_title.setdefault(title_match_key(existing.title), existing)
        if existing.doc_number:
            by_number.setdefault(existing.doc_number, existing)

    squeezed_title = re.sub(r"\s+", "", own_title or "")
    i = squeezed_title.find("《")
    while i != -1:
        end = _title_end(squeezed_title, i)
        if end is None:
            break
        inner = squeezed_title[i + 1 : end - 1]
        relation = _title_relation(squeezed_title, i)
        if relation != "cites" and title_match_key(inner) not in own:
            add(Reference(relation, inner, None, squeezed_title))
        i = squeezed_title.find("《", end)

    mentions = _mentions(flat)
    for mention, list_end in zip(mentions, _list_ends(flat, mentions), strict=True):
        if own_number and mention.number is not None and _same_number(mention.number, own_number):
            continue
        sentence = _sentence(flat, mention.start, mention.end)
        if mention.title is not None:
            key = title_match_key(mention.title)
            if _ABBREVIATION_BEFORE_RE.search(flat[max(0, mention.start - 6) : mention.start]):
                abbreviations.add(key)
                continue
            if key in own or key in abbreviations or _is_bare_type(key):
                continue
            if mention.number is None and _SELF_AFTER_RE.search(flat[mention.end : sentence[1]]):
                # "现将《X》印发给你们": X is the document itself under another name.
                own.add(key)
                continue
        relation = _relation(flat, mention, sentence, list_end)
        if correcting and mention.number is not None and relation in ("cites", "implements"):
            # A correction notice names the document it corrects first, by number.
            relation, correcting = "corrects", False
        evidence = flat[sentence[0] : sentence[1]].strip()
        number = mention.number.normalized if mention.number else None
        add(Reference(relation, mention.title, number, evidence))
    return refs
