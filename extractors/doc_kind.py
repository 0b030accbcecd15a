"""Is a web page an official document (公文), or a page about one, or news?

Government sites publish news, policy interpretations (解读), service guides (办事指南) and FAQ
pages beside their documents, in the same templates. An official document shows its anatomy:
its own 发文字号, a signature with the date of writing, a promulgation (令 / 现予公布), or an
official title (关于…的通知, …办法, …令, 公告, 通告). A page with none of these, or whose title
is a headline or says it is about a document (…解读, 办事指南, X印发《Y》), is not one.

The title habits are vocabulary (vocabulary.yaml, `non_document_titles`, `official_title_types`);
the order of the tests is the rule.
"""

from __future__ import annotations

import re

from extractors.model import OFFICIAL_DOCUMENT
from extractors.vocabulary import vocabulary

OTHER_PAGE = "other_page"
_TRAILING_BRACKETS = re.compile(r"(?:[（(][^（）()]{1,24}[）)])+$")
_FORMAL_TITLE = re.compile(r"关于.{2,}的")
_ORDER_TITLE = re.compile(r"令(?:[（(〔]?第?[\d一二三四五六七八九十百零〇]+号[）)〕]?)?$")


def _title_key(title: str) -> str:
    return re.sub(r"[\s\u3000\u00a0]+", "", title or "")


def official_title(title: str) -> bool:
    """关于…的通知, …管理办法（试行）, …人民政府令（第179号）: ends with an official type word."""
    t = _TRAILING_BRACKETS.sub("", _title_key(title))
    if not t or t.endswith(("》", "”")):
        return False
    return bool(_ORDER_TITLE.search(_title_key(title))) or t.endswith(vocabulary().official_types)


def order_title(title: str) -> bool:
    """临川市人民政府令（第180号）: a page titled with the order rather than the rules it promulgates."""
    return bool(re.search(r"令[（(〔]?第[\d一二三四五六七八九十百零〇]+号[）)〕]?$", _title_key(title)))


def non_document_title(title: str) -> str | None:
    """The kind of page a title says it is (news, interpretation, guide, faq), else None.

    A formal title (关于…的通知) is a document whatever words it contains: 关于召开…会议的通知
    is a notice, not news of a meeting; a title that ends like a document (…活动方案) is not
    news either, unless it reads as a headline about one (X印发《Y》, X出台Y方案).
    """
    t = _title_key(title)
    official = official_title(t)
    if official and _FORMAL_TITLE.search(t):
        return None
    for kind, pattern, weak in vocabulary().non_document_titles:
        if weak and official:
            continue
        if pattern.search(t):
            return kind
    return None


# Marks that only a document's own text shows; "articles" (第一条…) also fill interpretations.
_STRONG_MARKS = {"doc_number", "signature", "promulgation", "headnote"}


def column_kind(column: str | None) -> str | None:
    """The kind of page a site's column holds (政策解读 → interpretation), else None."""
    if not column:
        return None
    return next((kind for kind, pattern in vocabulary().columns if pattern.search(column)), None)


def classify(title: str, marks: list[str], column: str | None = None) -> tuple[str, str | None]:
    """(kind, why) for a page with this title and these marks of an official document.

    `marks` are what the text shows of a document's anatomy (see
    `extractors.metadata.official_marks`): "doc_number", "signature", "promulgation".
    `column` is the site's column the page sits in (meta ColumnName or the breadcrumb): a page
    in a news or 解读 column whose title is not formal and whose text shows none of a
    document's own marks is that kind of page. `why` explains a page that is not a document.
    """
    kind = non_document_title(title)
    if kind is not None:
        return kind, f"the title reads as {kind}, not as an official document"
    by_column = column_kind(column)
    formal = official_title(title) and bool(_FORMAL_TITLE.search(_title_key(title)))
    if by_column and not formal and not _STRONG_MARKS.intersection(marks):
        return by_column, f"a page of the site's {column!r} column with no document's marks"
    if marks or official_title(title):
        return OFFICIAL_DOCUMENT, None
    return OTHER_PAGE, "no 发文字号, no signature with a date and no official title (关于…的通知, …办法, …令)"
