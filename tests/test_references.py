"""References between documents: what a document names, and the word that frames it."""

from pathlib import Path

import pytest

from extractors.references import find_references, join_lines, squeeze_line

SEEDS = Path(__file__).resolve().parents[1] / "replica" / "corpus" / "seeds"
PENGYANG_TITLE = (
    "彭阳县人民政府办公室关于印发《彭阳县落实自治区固原市持续优化营商环境相关措施细化责任分工方案》的通知"
)


def _seed_lines(name: str, first: int, last: int) -> str:
    lines = (SEEDS / name).read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[first - 1 : last])


def _by_number(refs):
    return {r.doc_number: r for r in refs if r.doc_number}


# ---------------------------------------------------------------- the policy cascade of seed 003


def test_the_county_plan_implements_the_city_plan_and_the_regional_measures() -> None:
    refs = find_references(_seed_lines("003_5d8650f278844505.txt", 1, 267), own_title=PENGYANG_TITLE)
    numbers = _by_number(refs)
    assert numbers["固政办规发〔2020〕3号"].relation == "implements"
    assert numbers["宁政规发〔2020〕5号"].relation == "implements"
    assert numbers["宁发改法规〔2020〕309号"].relation == "implements"
    city = numbers["固政办规发〔2020〕3号"]
    assert (
        city.title
        == "固原市人民政府办公室关于印发固原市落实自治区持续优化营商环境相关措施细化责任分工方案的通知"
    )
    assert city.evidence.startswith("为认真贯彻落实《自治区人民政府关于印发")


def test_the_plan_a_notice_issues_is_not_a_reference_to_another_document() -> None:
    refs = find_references(_seed_lines("003_5d8650f278844505.txt", 1, 267), own_title=PENGYANG_TITLE)
    assert not [r for r in refs if r.title and r.title.startswith("彭阳县落实自治区")]


def test_a_title_and_its_number_broken_over_narrow_column_lines_are_read_whole() -> None:
    # Seed 001's approval: 《自治区人\n\n民政府关于…的批复》 (宁政函 〔2015〕198\n号)
    refs = find_references(
        _seed_lines("001_f426c9d5139ab6f6.txt", 11, 73),
        own_title="自治区人民政府关于银川至百色公路宁东至甜水堡段工程PPP项目建成通车后设站收费的批复",
        own_number="宁政函〔2020〕36号",
    )
    numbers = _by_number(refs)
    assert set(numbers) == {
        "宁交发〔2020〕12号",
        "宁政函〔2015〕198号",
        "发改基础〔2017〕120号",
        "交公路函〔2017〕471号",
    }
    assert (
        numbers["宁政函〔2015〕198号"].title
        == "自治区人民政府关于银川至百色公路宁东至甜水堡段工程PPP项目实施方案的批复"
    )
    assert numbers["宁政函〔2015〕198号"].relation == "implements"  # 按照《…》
    assert numbers["宁交发〔2020〕12号"].relation == "cites"  # the request being answered


# ---------------------------------------------------------------- relation words


def test_repealed_documents() -> None:
    text = (
        "本办法自2024年3月1日起施行。《自治区节能暂行办法》（宁政规发〔2019〕2号）同时废止。"
        "2018年印发的《关于旧事项的通知》不再执行。"
    )
    refs = find_references(text)
    assert [(r.title, r.relation) for r in refs] == [
        ("自治区节能暂行办法", "repeals"),
        ("关于旧事项的通知", "repeals"),
    ]
    assert refs[0].doc_number == "宁政规发〔2019〕2号"
    assert refs[0].evidence == "《自治区节能暂行办法》（宁政规发〔2019〕2号）同时废止。"


def test_amended_documents_from_the_text_and_from_the_title() -> None:
    refs = find_references("自治区人民政府决定对《宁夏回族自治区甲办法》作如下修改：")
    assert [(r.title, r.relation) for r in refs] == [("宁夏回族自治区甲办法", "amends")]
    refs = find_references("正文。", own_title="自治区人民政府关于修改《宁夏回族自治区乙办法》的决定")
    assert [(r.title, r.relation) for r in refs] == [("宁夏回族自治区乙办法", "amends")]


def test_implementing_words_make_implements_and_anything_else_cites() -> None:
    text = "根据《中华人民共和国公路法》，做好工作。请参阅《统计年鉴》。按照国家《甲规定》要求执行。"
    relations = {r.title: r.relation for r in find_references(text)}
    assert relations == {"中华人民共和国公路法": "implements", "统计年鉴": "cites", "甲规定": "implements"}


def test_a_basis_clause_covers_the_titles_listed_after_it() -> None:
    text = (
        "为认真贯彻落实《甲通知》（宁政规发〔2020〕5号），《乙通知》（宁"
        "发改法规〔2020〕309号）和《丙通知》，经县人民政府同意，现印发。"
    )
    assert {r.title: r.relation for r in find_references(text)} == {
        "甲通知": "implements",
        "乙通知": "implements",
        "丙通知": "implements",
    }


def test_implementing_words_inside_another_title_do_not_count() -> None:
    text = "2023年印发的《关于落实甲工作实施方案的通知》，已刊登于《某某公报》。"
    relations = {r.title: r.relation for r in find_references(text)}
    assert relations["某某公报"] == "cites"


def test_a_correction_notice_corrects_the_document_it_names_first_by_number() -> None:
    text = (
        "2023年11月27日印发的《关于印发〈甲方案〉的通知》（宁政办发〔2023〕50号），部分内容有误，现更正如下："
    )
    refs = find_references(text, own_title="自治区人民政府办公厅关于《甲方案》有关内容的更正")
    assert {(r.title, r.doc_number, r.relation) for r in refs} == {
        ("甲方案", None, "corrects"),
        ("关于印发〈甲方案〉的通知", "宁政办发〔2023〕50号", "corrects"),
    }


# ---------------------------------------------------------------- shapes of a mention


def test_nested_titles_are_kept_whole_with_their_inner_brackets() -> None:
    refs = find_references(
        "根据《自治区人民政府关于修改〈宁夏回族自治区甲办法〉的决定》（宁夏回族自治区人民政府令第12号）执行。"
    )
    assert [(r.title, r.doc_number) for r in refs] == [
        ("自治区人民政府关于修改〈宁夏回族自治区甲办法〉的决定", "宁夏回族自治区人民政府令第12号")
    ]


def test_a_bare_number_in_brackets_is_a_reference_without_title() -> None:
    refs = find_references("按照有关文件（宁政办发〔2022〕8号）要求，做好工作。")
    assert [(r.title, r.doc_number, r.relation) for r in refs] == [
        (None, "宁政办发〔2022〕8号", "implements")
    ]


def test_own_title_own_number_and_defined_short_names_are_not_references() -> None:
    text = (
        "宁政办发〔2023〕24号\n"
        "现将《2023年甲工作实施方案》（以下简称《实施方案》）印发给你们。各单位落实《实施方案》情况纳入考核。"
        "《关于印发2023年甲工作实施方案的通知》已经同意。"
    )
    refs = find_references(
        text, own_title="关于印发2023年甲工作实施方案的通知", own_number="宁政办发〔2023〕24号"
    )
    assert refs == []


def test_mentions_of_one_document_merge_keeping_the_number_and_the_strongest_relation() -> None:
    text = "参阅《甲办法》。根据《甲办法》（宁政规发〔2019〕2号）制定。《甲办法》同时废止。"
    refs = find_references(text)
    assert len(refs) == 1
    assert (refs[0].doc_number, refs[0].relation) == ("宁政规发〔2019〕2号", "repeals")
    assert refs[0].evidence == "《甲办法》同时废止。"


# ---------------------------------------------------------------- paragraphs from printed lines


def test_lines_join_the_cjk_way_and_paragraphs_end_where_the_text_ends_them() -> None:
    printed = (
        "为认真贯彻落实《自治区人\n\n民政府关于甲的通知》，现将\n有关事项通知如下：\n"
        "一、总体要求\n# Page 12:\n宁政办发〔2023〕24 号\n2023 年6 月20 日"
    )
    assert join_lines(printed) == (
        "为认真贯彻落实《自治区人民政府关于甲的通知》，现将有关事项通知如下：\n一、总体要求\n"
        "宁政办发〔2023〕24号\n2023年6月20日"
    )


def test_squeeze_line_keeps_spaces_only_between_latin_words() -> None:
    assert squeeze_line("有序 推 进 “证 照 分 离”改 革") == "有序推进“证照分离”改革"
    assert squeeze_line("ISSN 1008-0783，宁政办发〔2023〕24 号") == "ISSN 1008-0783，宁政办发〔2023〕24号"


def test_a_repeal_list_repeals_every_document_in_it() -> None:
    text = (
        "本办法自2019年2月1日起施行。《甲规定》（临府发〔2010〕31号）、《乙办法》（临府办发〔2012〕77号）"
        "及《丙办法》（临府发〔2013〕9号）同时废止。"
    )
    refs = {r.doc_number: r.relation for r in find_references(text)}
    assert refs == {
        "临府发〔2010〕31号": "repeals",
        "临府办发〔2012〕77号": "repeals",
        "临府发〔2013〕9号": "repeals",
    }
    listed = find_references("《甲规定》和《乙办法》同时废止。按照《丙条例》执行。")
    assert {r.title: r.relation for r in listed} == {
        "甲规定": "repeals",
        "乙办法": "repeals",
        "丙条例": "implements",
    }


@pytest.mark.parametrize(
    "alias",
    ["（以下简称《办法》）", "（以下简称“《办法》”）", "（下称《办法》）", "（简称为《办法》）"],
)
def test_short_names_are_not_references(alias: str) -> None:
    inside = alias.replace("（", "，").rstrip("）")  # the alias inside the number's bracket
    text = f"根据《临川市商品房预售资金监督管理办法》（临府规〔2021〕4号{inside}），制定本细则。"
    text += "按照《办法》第五条执行。"
    refs = find_references(text)
    assert [(r.title, r.doc_number) for r in refs] == [
        ("临川市商品房预售资金监督管理办法", "临府规〔2021〕4号")
    ]
    aliased = find_references(f"根据《甲条例》{alias}，执行《办法》。")
    assert [(r.relation, r.title, r.doc_number) for r in aliased] == [("implements", "甲条例", None)]
