"""The records that flow between the extraction stages.

Plain dataclasses, so that every stage (fetch, extract, segment, load) can be
tested on its own and serialized to JSON for the CLI and the warehouse loader.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OFFICIAL_DOCUMENT = "official_document"


@dataclass
class Page:
    """One page of a source file, in reading order, headers and footers removed.

    `index` is the 0-based position in the file; `printed_number` is the page
    number printed on the page (the gazette's own numbering, e.g. 1558 in a
    compilation), which is what analysts cite. A page without a text layer keeps
    `has_text=False` so that coverage gaps stay visible instead of silently empty.
    """

    index: int
    text: str
    printed_number: int | None = None
    has_text: bool = True
    ocr: bool = False
    has_images: bool = False  # set for a PDF page without text that shows pictures (a scan: OCR it)


@dataclass
class Reference:
    """A mention of another document, with the relation word that frames it.

    `relation` is one of: repeals, amends, implements, corrects, cites.
    `evidence` is the sentence that states it, kept so an analyst can check.
    """

    relation: str
    title: str | None = None
    doc_number: str | None = None
    evidence: str = ""


@dataclass
class Document:
    """One official document (公文) found in a source file."""

    title: str
    text: str
    doc_number: str | None = None  # 发文字号, normalized: 宁政办发〔2023〕24号
    doc_number_issuer_code: str | None = None  # 宁政办发
    doc_number_year: int | None = None  # 2023
    doc_number_serial: int | None = None  # 24
    issuer: str | None = None  # issuing organ(s), joined with "、" when several
    doc_type: str | None = None  # 通知, 意见, 办法, 令, 批复, 方案 …
    issued_date: str | None = None  # 成文日期, ISO 8601
    effective_date: str | None = None  # 自…起施行
    effective_on_issue: bool = False  # 自印发之日起施行
    expiry_date: str | None = None  # 有效期至… or computed from 有效期N年
    publication_note: str | None = None  # 此件公开发布 / 此件不公开 …
    is_public: bool | None = None
    addressees: list[str] = field(default_factory=list)  # 主送
    attachments: list[str] = field(default_factory=list)  # 附件
    references: list[Reference] = field(default_factory=list)
    source_file: str | None = None
    start_page: int | None = None  # printed page number where printed, else 1-based index
    end_page: int | None = None
    normalized_text: str = ""
    problems: list[str] = field(default_factory=list)  # what extraction could not establish
    # What the page's own label block (索引号 / 发文机关 / 文号 / 成文日期 …) says, as printed, keyed
    # like the fields above (title, doc_number, issuer, issued_date, effective_date, …); kept beside
    # the values read from the text, and a disagreement between the two is reported in `problems`.
    site_metadata: dict[str, str] = field(default_factory=dict)
    # official_document, or why the page holds none: news, interpretation, guide, faq, other_page.
    kind: str = OFFICIAL_DOCUMENT

    @property
    def is_official(self) -> bool:
        return self.kind == OFFICIAL_DOCUMENT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
