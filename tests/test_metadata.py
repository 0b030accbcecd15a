"""describe(): the metadata of one official document, read the way a clerk reads a 公文."""

from datetime import date

import pytest

from extractors.metadata import describe
from extractors.model import Document
from extractors.validity import find_validity, period_expiry
from replica.catalogue import document_text, load_catalogue

CATALOGUE = load_catalogue()
CASES = [
    pytest.param(pub, doc, id=f"{pub.id}:{doc.lines[0]}-{doc.lines[1]}")
    for pub in CATALOGUE.publications
    for doc in pub.documents
]
FIELDS = ("doc_number", "issuer", "doc_type", "issued_date", "effective_date", "expiry_date")

NOTICE = """自治区人民政府办公厅关于印发《甲工作方案》的通知
宁政办发[2023]50 号
各市、县（区）人民政府，自治区政府各部门、各直属机构：
为贯彻落实《国务院办公厅关于甲工作的意见》（国办发〔2023〕29号），现将《甲工作方案》印发给你们，请认真贯彻落实。
附件：1. 甲任务清单
2. 甲工作
   联系表
宁夏回族自治区人民政府办公厅
2023 年6 月20 日
（此件公开发布）
甲工作方案
一、总体要求
本方案自印发之日起施行，有效期3年。
"""
NOTICE_TITLE = "自治区人民政府办公厅关于印发《甲工作方案》的通知"


def _describe(text: str, title: str = NOTICE_TITLE) -> Document:
    return describe(Document(title=title, text=text))


# ---------------------------------------------------------------- ground truth: the catalogue


@pytest.mark.parametrize(("pub", "entry"), CASES)
def test_every_catalogued_document_describes_exactly_as_the_ground_truth(pub, entry) -> None:
    doc = _describe(document_text(pub, entry), title=entry.title)
    got = {name: getattr(doc, name) for name in FIELDS}
    want = {
        name: (value.isoformat() if isinstance(value, date) else value)
        for name, value in ((name, getattr(entry, name)) for name in FIELDS)
    }
    assert got == want


# ---------------------------------------------------------------- one notice, every field


def test_a_notice_with_its_attached_plan() -> None:
    doc = _describe(NOTICE)
    assert (doc.doc_number, doc.doc_number_issuer_code, doc.doc_number_year, doc.doc_number_serial) == (
        "宁政办发〔2023〕50号",
        "宁政办发",
        2023,
        50,
    )
    assert (
        doc.issuer == "宁夏回族自治区人民政府办公厅"
    )  # the signature's full name, not the title's short one
    assert doc.doc_type == "通知"
    assert doc.issued_date == "2023-06-20"
    assert (doc.publication_note, doc.is_public) == ("此件公开发布", True)
    assert doc.addressees == ["各市、县（区）人民政府", "自治区政府各部门", "各直属机构"]
    assert doc.attachments == ["甲任务清单", "甲工作联系表"]
    assert (doc.effective_date, doc.effective_on_issue, doc.expiry_date) == ("2023-06-20", True, "2026-06-19")
    assert [(r.relation, r.doc_number) for r in doc.references] == [("implements", "国办发〔2023〕29号")]
    assert doc.problems == []


def test_describe_twice_gives_the_same_answer() -> None:
    once = _describe(NOTICE).to_dict()
    assert describe(Document(**{**once, "references": []})).to_dict() == once


# ---------------------------------------------------------------- the document's own number


def test_the_own_number_is_the_one_under_the_title_not_one_cited_in_the_body() -> None:
    text = "关于甲的通知\n各有关单位：\n根据《乙办法》（宁政发〔2020〕1号）执行。\n某某局\n2023年1月5日"
    doc = _describe(text, title="某某局关于甲的通知")
    assert doc.doc_number is None
    assert "no document number" in doc.problems
    assert [r.doc_number for r in doc.references] == ["宁政发〔2020〕1号"]


def test_a_number_split_over_two_lines_is_the_own_number() -> None:
    doc = _describe(
        "关于甲的通知\n彭政办发〔2020〕\n60 号\n各乡镇人民政府：\n正文。",
        title="彭阳县人民政府办公室关于甲的通知",
    )
    assert doc.doc_number == "彭政办发〔2020〕60号"


def test_a_government_order_is_numbered_issued_and_typed_by_its_header() -> None:
    text = (
        "宁夏回族自治区人民政府令\n\n"
        "第 130 号\n\n《甲办法》已经 2023 年 11 月 8 日自治区人民政府第 33 次常务会议审议通过，"
        "现予公布，自 2024 年 2 月 1 日起施行。\n\n自治区主席 张雨浦\n\n2023 年 11 月 14 日\n"
        "\n(此件公开发布)\n\n甲办法\n第一条 为了……"
    )
    doc = _describe(text, title="甲办法")
    assert (doc.doc_number, doc.doc_number_year, doc.doc_number_serial) == (
        "宁夏回族自治区人民政府令第130号",
        None,
        130,
    )
    assert (doc.issuer, doc.doc_type) == ("宁夏回族自治区人民政府", "令")
    assert (doc.issued_date, doc.effective_date) == ("2023-11-14", "2024-02-01")


def test_a_number_given_before_describe_is_kept_when_the_text_has_none() -> None:
    doc = describe(
        Document(title="某某局关于甲的通知", text="各单位：\n正文。", doc_number="宁甲发[2022]3 号")
    )
    assert doc.doc_number == "宁甲发〔2022〕3号"


# ---------------------------------------------------------------- issuer and type


def test_several_organs_on_the_signature_are_joined() -> None:
    text = (
        "各有关单位：\n正文。\n"
        "宁夏回族自治区发展和改革委员会    宁夏回族自治区财政厅\n二〇二三年六月二十日\n（此件公开发布）"
    )
    doc = _describe(text, title="自治区发展改革委 自治区财政厅关于甲的通知")
    assert doc.issuer == "宁夏回族自治区发展和改革委员会、宁夏回族自治区财政厅"
    assert doc.issued_date == "2023-06-20"


def test_without_a_signature_the_title_names_the_issuer() -> None:
    doc = _describe(
        "为贯彻落实甲，制定本方案。\n一、目标",
        title="5. 宁夏自治区市场监管厅关于甲的实施方案（2023 年2 月20 日）",
    )
    assert (doc.issuer, doc.doc_type, doc.issued_date) == ("宁夏自治区市场监管厅", "方案", "2023-02-20")


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("自治区人民政府关于印发《甲办法》的通知", "通知"),
        ("自治区人民政府关于甲设站收费的批复", "批复"),
        ("自治区人民政府办公厅关于加强甲工作的意见", "意见"),
        ("宁夏回族自治区甲管理办法（试行）", "办法"),
        ("全区2023年政务公开工作要点", "要点"),
        ("自治区人民政府办公厅关于《甲方案》有关内容的更正", "更正"),
        ("自治区人民政府关于修改《甲办法》的决定", "决定"),
        ("国务院办公厅关于甲的函", "函"),
    ],
)
def test_the_type_is_the_last_type_word_of_the_title(title: str, doc_type: str) -> None:
    assert _describe("正文。", title=title).doc_type == doc_type


# ---------------------------------------------------------------- the date of writing


def test_the_print_line_date_is_not_the_date_of_writing() -> None:
    text = (
        "各单位：\n正文。\n某某县人民政府办公室\n"
        "2020年8月31日\n抄送：县委各部门。\n某某县人民政府办公室     2020年9月1日印发"
    )
    assert _describe(text, title="某某县人民政府办公室关于甲的通知").issued_date == "2020-08-31"


def test_a_date_in_a_tab_separated_table_row_is_not_the_signature() -> None:
    text = "各单位：\n正文。\n任务\t责任单位\t完成时限\n甲任务\t某某局\t2023年12月31日\n某某厅\n2023年6月1日"
    doc = _describe(text, title="某某厅关于甲的通知")
    assert (doc.issuer, doc.issued_date) == ("某某厅", "2023-06-01")


def test_a_date_missing_its_day_marker_is_kept_and_noted() -> None:
    doc = _describe("各单位：\n正文。\n某某局\n2023年3月23\n（此件公开发布）", title="某某局关于甲的通知")
    assert doc.issued_date == "2023-03-23"
    assert "issued date missing 日" in doc.problems


def test_a_signature_date_spread_over_lines_is_read() -> None:
    text = "正文。\n宁夏回族自治区发展改革委\n2023\n 年\n5\n 月\n19\n 日\n（此件公开发布）"
    doc = _describe(text, title="宁夏回族自治区发展改革委关于甲的通知")
    assert (doc.issued_date, doc.issuer) == ("2023-05-19", "宁夏回族自治区发展改革委")


def test_the_signature_may_sit_after_the_publication_note() -> None:
    doc = _describe(
        "正文。\n（此件公开发布）\n宁夏回族自治区知识产权局\n2023 年3 月13 日",
        title="宁夏自治区知识产权局关于甲的通知",
    )
    assert (doc.issuer, doc.issued_date) == ("宁夏回族自治区知识产权局", "2023-03-13")


# ---------------------------------------------------------------- notes, addressees, attachments


@pytest.mark.parametrize(
    ("note", "is_public"),
    [
        ("（此件公开发布）", True),
        ("(此件不公开)", False),
        ("（此件依申请公开）", False),
        ("（此件主动公开）", True),
    ],
)
def test_the_publication_note_says_whether_the_document_is_public(note: str, is_public: bool) -> None:
    doc = _describe(f"正文。\n某某局\n2023年1月5日\n{note}", title="某某局关于甲的通知")
    assert (doc.publication_note, doc.is_public) == (note.strip("（）()"), is_public)


def test_addressees_split_on_commas_and_after_organs_but_not_inside_place_lists() -> None:
    text = (
        "关于甲的通知\n各乡镇人民政府、县直各部门（单位），直属事业单位，区、市驻彭各单位，\n"
        "各有关企业：\n正文。"
    )
    assert _describe(text, title="某某县人民政府办公室关于甲的通知").addressees == [
        "各乡镇人民政府",
        "县直各部门（单位）",
        "直属事业单位",
        "区、市驻彭各单位",
        "各有关企业",
    ]


def test_attachments_over_several_lines_lose_their_omission_marks() -> None:
    text = (
        "正文。\n附件:1.自治区政府系统建议提案交办表\n(略)\n"
        "2.建议提案答复的函 (格式)(略)\n某某厅\n2020年5月22日"
    )
    doc = _describe(text, title="某某厅关于甲的通知")
    assert doc.attachments == ["自治区政府系统建议提案交办表", "建议提案答复的函(格式)"]


# ---------------------------------------------------------------- validity


@pytest.mark.parametrize(
    ("clause", "effective", "on_issue", "expiry"),
    [
        ("本办法自2024年2月1日起施行。", date(2024, 2, 1), False, None),
        ("本方案自印发之日起施行。", date(2023, 6, 20), True, None),
        ("本规定自发布之日起施行，有效期为五年。", date(2023, 6, 20), True, date(2028, 6, 19)),
        (
            "本工作方案自2020年8月31日起施行，有效期至2025年6月17日。",
            date(2020, 8, 31),
            False,
            date(2025, 6, 17),
        ),
        ("本办法自2024年2月1日起施行，有效期5年。", date(2024, 2, 1), False, date(2029, 1, 31)),
        ("本细则自2024年3月1日起试行，试行两年。", date(2024, 3, 1), False, date(2026, 2, 28)),
        ("本方案自2024年1月1日起至2025年12月31日止。", date(2024, 1, 1), False, date(2025, 12, 31)),
        ("颁发的证书有效期3年。", None, False, None),  # a licence's validity, not the document's
    ],
)
def test_validity_clauses(clause: str, effective, on_issue: bool, expiry) -> None:
    v = find_validity(clause, issued=date(2023, 6, 20))
    assert (v.effective_date, v.effective_on_issue, v.expiry_date) == (effective, on_issue, expiry)


def test_a_period_ends_the_day_before_its_anniversary() -> None:
    assert period_expiry(date(2024, 2, 1), 5) == date(2029, 1, 31)
    assert period_expiry(date(2024, 3, 1), 1) == date(2025, 2, 28)  # no 29 February in 2025


def test_a_period_without_any_start_date_is_a_problem_not_a_guess() -> None:
    v = find_validity("本办法有效期5年。")
    assert v.expiry_date is None and v.problems == ["valid for 5 years but no start date"]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text", ["", "\n\n   \n", "# Page 3:\n", "《未闭合的标题", "〔2023〕号 年月日 附件："]
)
def test_empty_or_odd_text_gives_problems_not_exceptions(text: str) -> None:
    doc = describe(Document(title="", text=text))
    assert {"no document number", "no issued date", "no issuer", "no document type"} <= set(doc.problems)


# ---------------------------------------------------------------- issue 13: publishers' pages


def test_effective_on_issue_is_dated_by_the_print_line_not_the_signature() -> None:
    text = (
        "临川市人民政府办公室关于加强某项工作的通知\n临府办发〔2024〕9号\n各县（区）人民政府：\n"
        "一、加强组织。\n二、本通知自印发之日起施行，有效期2年。\n临川市人民政府办公室\n2024年3月5日\n"
        "抄送：市委各部门。\n临川市人民政府办公室　　2024年3月8日印发"
    )
    doc = describe(Document(title="临川市人民政府办公室关于加强某项工作的通知", text=text))
    assert doc.issued_date == "2024-03-05"
    assert (doc.effective_date, doc.expiry_date) == ("2024-03-08", "2026-03-07")
    no_print_line = describe(Document(title=doc.title, text=text.rsplit("\n", 2)[0]))
    assert no_print_line.effective_date == "2024-03-05"  # the 成文日期 stands in


def test_effective_clause_without_qi() -> None:
    validity = find_validity("本办法自2019年2月1日实施，有效期5年。")
    assert validity.effective_date == date(2019, 2, 1)
    assert validity.expiry_date == date(2024, 1, 31)
    assert find_validity("自2019年2月1日至2020年1月1日期间的申请").effective_date is None


@pytest.mark.parametrize(
    ("signature", "issuer"),
    [
        ("临川市财政局临川市教育局", "临川市财政局、临川市教育局"),
        ("中共临川市委临川市人民政府", "中共临川市委、临川市人民政府"),
        ("临川市财政局国家税务总局临川市税务局", "临川市财政局、国家税务总局临川市税务局"),
        (
            "临川市财政局　　临川市人力资源和社会保障局\n临川市自然资源局",
            "临川市财政局、临川市人力资源和社会保障局、临川市自然资源局",
        ),
        ("临川市人民政府办公室", "临川市人民政府办公室"),
        ("财政部税务总局", "财政部、税务总局"),
    ],
)
def test_joint_issuers_glued_or_in_two_columns(signature: str, issuer: str) -> None:
    text = (
        f"关于某事的通知\n临财发〔2024〕1号\n各县（区）：\n现将有关事项通知如下。\n{signature}\n2024年1月8日"
    )
    assert describe(Document(title="关于某事的通知", text=text)).issuer == issuer


def test_an_order_with_its_serial_alone_and_a_signer() -> None:
    text = (
        "临川市人民政府令\n第179号\n《临川市城市供水管理办法》已经2023年12月1日市人民政府第35次常务会议通过，"
        "现予公布，自2024年2月1日起施行。\n市长　张某某\n2023年12月18日\n"
        "临川市城市供水管理办法\n第一条　为了……"
    )
    doc = describe(Document(title="临川市城市供水管理办法", text=text))
    assert (doc.doc_number, doc.issuer, doc.issued_date) == (
        "临川市人民政府令第179号",
        "临川市人民政府",
        "2023-12-18",
    )
    assert doc.effective_date == "2024-02-01"
    body_only = describe(
        Document(
            title="临川市人民政府令（第180号）", text="第180号\n《临川市养犬管理规定》已经……通过，现予公布。"
        )
    )
    assert body_only.doc_number == "临川市人民政府令第180号"


def test_a_regulation_headnote_gives_number_date_and_issuer() -> None:
    text = (
        "中华人民共和国市场主体登记管理条例\n"
        "（2021年7月27日中华人民共和国国务院令第746号公布　自2022年3月1日起施行）\n"
        "第一章　总则\n第一条　为了规范市场主体登记管理行为，制定本条例。"
    )
    doc = describe(Document(title="中华人民共和国市场主体登记管理条例", text=text))
    assert doc.doc_number == "中华人民共和国国务院令第746号"
    assert (doc.issued_date, doc.effective_date, doc.issuer) == ("2021-07-27", "2022-03-01", "国务院")
    assert not any(r.doc_number == doc.doc_number for r in doc.references)


def test_a_date_alone_after_the_body_and_before_the_attachments_is_the_signature() -> None:
    text = (
        "临江省人民政府关于印发某规划的通知\n临政发〔2022〕30号\n各市、州人民政府：\n现将《某规划》印发给你们。\n"
        "2022年9月28日\n附件：1.某规划\n某规划\n一、到2025年底完成。\n某局\n2023年1月1日\n"
    )
    assert (
        describe(Document(title="临江省人民政府关于印发某规划的通知", text=text)).issued_date == "2022-09-28"
    )
    # A date in running text that does not close the body is no signature.
    running = describe(
        Document(title="关于某事的通知", text="关于某事的通知\n一、任务。\n2022年9月28日前完成")
    )
    assert running.issued_date is None


@pytest.mark.parametrize(
    ("text", "effective", "expiry"),
    [
        ("本办法自2024年1月1日起施行，至2028年12月31日废止。", date(2024, 1, 1), date(2028, 12, 31)),
        ("本办法有效期自2024年1月1日至2028年12月31日。", date(2024, 1, 1), date(2028, 12, 31)),
        ("本通知自2024年1月1日起至2025年12月31日止施行。", date(2024, 1, 1), date(2025, 12, 31)),
        ("企业应当在营业执照有效期至2025年12月31日前申请。", None, None),
        ("各地于2024年6月30日前报送，至2024年12月31日止完成整改。", None, None),
    ],
)
def test_validity_ranges_as_publishers_write_them(
    text: str, effective: date | None, expiry: date | None
) -> None:
    validity = find_validity(text)
    assert (validity.effective_date, validity.expiry_date) == (effective, expiry)


def test_joint_issuers_glued_in_the_title_when_nothing_else_names_them() -> None:
    title = "临川市财政局临川市教育局关于做好某项工作的通知"
    doc = describe(Document(title=title, text=f"{title}\n各县（区）：\n现将有关事项通知如下。"))
    assert doc.issuer == "临川市财政局、临川市教育局"


def test_a_delay_after_the_event_moves_the_effective_date() -> None:
    issued, printed = date(2024, 3, 1), date(2024, 3, 5)
    thirty = find_validity("本办法自公布之日起30日后施行。", issued, printed=printed)
    assert (thirty.effective_date, thirty.effective_on_issue) == (date(2024, 3, 31), False)
    after_print = find_validity("本通知自印发之日起三十日后施行，有效期2年。", issued, printed=printed)
    assert (after_print.effective_date, after_print.expiry_date) == (date(2024, 4, 4), date(2026, 4, 3))
